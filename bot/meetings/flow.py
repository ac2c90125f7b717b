"""`/meetings` for everyone: upcoming events of every kind meant for them (dialogue meetings,
courses, the volunteer party …), my answers, RSVP, calendar file, a question.

RSVP buttons are global (they sit on invitations sent days earlier), so every press names its
meeting and is checked in `bot.meetings.rsvp` against the user who pressed it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow, Screen
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.meetings import rsvp as answers
from bot.meetings.kinds import kind_of, worded
from bot.meetings.models import Meeting, Rsvp
from bot.meetings.render import ANSWERS, details, ics, ics_name, when
from bot.meetings.service import view_of
from bot.validation.errors import InvalidInput

JOURNEY = "meetings"


def status_key(rsvp: Rsvp | None) -> str:
    """The catalog key that names a user's answer ("meetings.status.confirmed" …)."""
    if rsvp is None:
        return "meetings.status.none"
    if rsvp.answer == answers.YES and rsvp.seat:
        return f"meetings.status.{rsvp.seat}"
    return f"meetings.status.{rsvp.answer}"


class MeetingStep(StrEnum):
    """`meetings`' steps; the values are what `DialogueState.step` holds."""

    LIST = "list"
    DETAIL = "detail"
    ASSOCIATION = "association"
    QUESTION = "question"


class MeetingsFlow(Flow):
    journey = JOURNEY
    Step = MeetingStep

    async def start(self, turn: Turn, **params: Any) -> None:
        link = params.get("deep_link")
        if link is not None:
            await self._open_link(turn, str(link))
            return
        meetings = answers.upcoming_for(turn.session, turn.user, turn.services.clock())
        if params.get("action") == "signup" and len(meetings) == 1:
            self._show_meeting(turn, meetings[0])
            return
        turn.goto(JOURNEY, MeetingStep.LIST, {})
        await self.show(turn)

    async def _open_link(self, turn: Turn, link: str) -> None:
        try:
            meeting = answers.open_link(
                turn.session, int(link) if link.isdigit() else -1, turn.user, turn.services.clock()
            )
        except answers.NotFound:
            turn.say("meetings.not_found")
            turn.goto(JOURNEY, MeetingStep.LIST, {})
            await self.show(turn)
            return
        self._show_meeting(turn, meeting)

    # --- showing --------------------------------------------------------------------------------
    def screens(self) -> Mapping[str, Screen]:
        return {
            MeetingStep.LIST: Screen(self._show_list_screen, self._on_list),
            MeetingStep.DETAIL: Screen(self._show_detail, self._on_detail),
            MeetingStep.ASSOCIATION: Screen(
                self._show_association, self._on_association, text=True
            ),
            MeetingStep.QUESTION: Screen(self._show_question, self._on_question, text=True),
        }

    async def _show_list_screen(self, turn: Turn) -> None:
        self._show_list(turn)

    async def _show_detail(self, turn: Turn) -> None:
        meeting = self._meeting(turn)
        if meeting is None:
            self._back_to_list(turn)
            return
        self._show_meeting(turn, meeting)

    async def _show_association(self, turn: Turn) -> None:
        if self._meeting(turn) is None:
            self._back_to_list(turn)
            return
        self._ask_association(turn)

    async def _show_question(self, turn: Turn) -> None:
        if self._meeting(turn) is None:
            self._back_to_list(turn)
            return
        self._ask_question(turn)

    def _back_to_list(self, turn: Turn) -> None:
        turn.goto(JOURNEY, MeetingStep.LIST, {})
        self._show_list(turn)

    def _show_list(self, turn: Turn) -> None:
        now = turn.services.clock()
        meetings = answers.upcoming_for(turn.session, turn.user, now)
        mine = answers.my_answers(turn.session, turn.user, [m.id for m in meetings])
        back = [turn.global_button("menu.back_to_menu", "menu")]
        if not meetings:
            municipality = turn.services.directory.get(turn.user.municipality_slug)
            turn.say(
                "meetings.list.empty",
                buttons=[back],
                municipality=municipality.name if municipality else "",
            )
            return
        lines = [turn.t("meetings.list.title")]
        rows: list[list[Button]] = []
        for meeting in meetings:
            view = view_of(turn.session, meeting)
            lines.append(
                turn.t(
                    "meetings.list.item",
                    title=html.escape(meeting.title, quote=False),
                    kind=turn.t(f"meetings.kind.{kind_of(meeting.kind).key}"),
                    when=when(view, turn.lang),
                    status=turn.t(status_key(mine.get(meeting.id))),
                )
            )
            rows.append([Button(meeting.title[:60], f"open:{meeting.id}")])
        rows.append(back)
        turn.reply("\n\n".join(lines), rows, edit=True)

    def _show_meeting(self, turn: Turn, meeting: Meeting) -> None:
        turn.goto(JOURNEY, MeetingStep.DETAIL, {"meeting_id": meeting.id})
        view = view_of(turn.session, meeting)
        mine = answers.current(turn.session, meeting.id, turn.user.id)
        text = details(view, turn.lang)
        text += "\n\n" + turn.t("meetings.detail.your_answer", status=turn.t(status_key(mine)))
        if mine is not None and mine.question:
            text += "\n" + turn.t(
                "meetings.detail.your_question", question=html.escape(mine.question, quote=False)
            )
        rows = [
            [
                turn.global_button("meetings.rsvp.yes", f"meetings:rsvp:{meeting.id}:y"),
                turn.global_button("meetings.rsvp.no", f"meetings:rsvp:{meeting.id}:n"),
                turn.global_button("meetings.rsvp.maybe", f"meetings:rsvp:{meeting.id}:m"),
            ],
            [turn.global_button("meetings.button.calendar", f"meetings:ics:{meeting.id}")],
        ]
        if meeting.questions_enabled and mine is not None:
            rows.append([turn.button("meetings.button.ask", "ask")])
        rows.append([turn.button("meetings.button.all", "list")])
        turn.reply(text, rows)

    def _ask_association(self, turn: Turn) -> None:
        turn.say(
            "meetings.ask.association",
            buttons=[[turn.button("meetings.ask.no_association", "none")]],
        )

    def _ask_question(self, turn: Turn) -> None:
        turn.say("meetings.ask.question", buttons=[[turn.button("meetings.ask.skip", "skip")]])

    def _meeting(self, turn: Turn) -> Meeting | None:
        meeting_id = turn.data.get("meeting_id")
        if not isinstance(meeting_id, int):
            return None
        try:
            return answers.visible_meeting(turn.session, meeting_id, turn.user)
        except answers.NotFound:
            return None

    # --- events ---------------------------------------------------------------------------------
    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "list":  # "all meetings" works from every step
            turn.goto(JOURNEY, MeetingStep.LIST, {})
            await self.show(turn)
            return
        await super().on_event(turn, event, value)

    async def _found(self, turn: Turn) -> Meeting | None:
        """The meeting in the step data, or None after saying so and showing the list."""
        meeting = self._meeting(turn)
        if meeting is None:
            turn.say("meetings.not_found")
            turn.goto(JOURNEY, MeetingStep.LIST, {})
            await self.show(turn)
        return meeting

    async def _on_list(self, turn: Turn, event: Event, value: str | None) -> None:
        if value and value.startswith("open:"):
            await self._open(turn, value.removeprefix("open:"))
            return
        if await self._found(turn) is not None:
            await self.show(turn)

    async def _on_detail(self, turn: Turn, event: Event, value: str | None) -> None:
        meeting = await self._found(turn)
        if meeting is None:
            return
        if value == "ask":
            turn.goto(JOURNEY, MeetingStep.QUESTION, {"meeting_id": meeting.id})
            self._ask_question(turn)
        else:
            await self.show(turn)

    async def _on_association(self, turn: Turn, event: Event, value: str | None) -> None:
        meeting = await self._found(turn)
        if meeting is None:
            return
        typed = (event.text or "").strip()
        if value == "none":
            await self._answer(turn, meeting.id, answers.YES, association="")
        elif value is None and typed:
            await self._answer(turn, meeting.id, answers.YES, association=typed)
        else:
            self._ask_association(turn)

    async def _on_question(self, turn: Turn, event: Event, value: str | None) -> None:
        meeting = await self._found(turn)
        if meeting is None:
            return
        if value == "skip":
            turn.say("meetings.question.skipped")
            self._show_meeting(turn, meeting)
            return
        text = (event.text or "").strip()
        if not text:
            self._ask_question(turn)
            return
        try:
            answers.set_question(turn.session, meeting.id, turn.user, text, turn.services.clock())
        except InvalidInput as refusal:
            turn.reply(turn.t(refusal.key, **refusal.params))
        else:
            turn.say("meetings.question.saved")
        self._show_meeting(turn, meeting)

    async def on_global(self, turn: Turn, action: str, args: list[str]) -> bool:
        if action == "rsvp" and len(args) == 2 and args[1] in ANSWERS:
            await self._answer(turn, _int(args[0]), ANSWERS[args[1]])
            return True
        if action == "ics" and len(args) == 1:
            self._send_ics(turn, _int(args[0]))
            return True
        if action == "open" and len(args) == 1:
            await self._open(turn, args[0])
            return True
        return False

    async def _open(self, turn: Turn, raw_id: str) -> None:
        try:
            meeting = answers.visible_meeting(turn.session, _int(raw_id), turn.user)
        except answers.NotFound:
            turn.say("meetings.not_found")
            turn.goto(JOURNEY, MeetingStep.LIST, {})
            await self.show(turn)
            return
        self._show_meeting(turn, meeting)

    async def _answer(
        self, turn: Turn, meeting_id: int, choice: str, *, association: str | None = None
    ) -> None:
        now = turn.services.clock()
        try:
            result = answers.answer(
                turn.session, meeting_id, turn.user, choice, now, association=association
            )
        except answers.NotFound:
            turn.say("meetings.not_found")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        except InvalidInput as refusal:
            if refusal.key == "meetings.rsvp.association_needed":
                turn.goto(JOURNEY, MeetingStep.ASSOCIATION, {"meeting_id": meeting_id})
                self._ask_association(turn)
                return
            turn.reply(turn.t(refusal.key, **refusal.params))
            await self._open(turn, str(meeting_id))
            return
        meeting = answers.visible_meeting(turn.session, meeting_id, turn.user)
        title = html.escape(meeting.title, quote=False)
        rsvp = result.rsvp
        if not result.changed:
            # The same button again (a double tap, or the invitation pressed days later): say
            # what is already recorded, and send no second confirmation or calendar file.
            self._already(turn, meeting, rsvp)
            return
        if rsvp.seat == answers.CONFIRMED:
            turn.reply(turn.t(worded("meetings.rsvp.confirmed", meeting.kind), title=title))
            self._send_ics(turn, meeting_id)
        elif rsvp.seat == answers.WAITLIST:
            position = answers.waitlist_position(turn.session, rsvp)
            turn.reply(
                turn.t(
                    worded("meetings.rsvp.waitlisted", meeting.kind),
                    title=title,
                    position=position,
                )
            )
        elif rsvp.answer == answers.MAYBE:
            turn.reply(turn.t("meetings.rsvp.maybe_saved", title=title))
        else:
            turn.reply(turn.t("meetings.rsvp.no_saved", title=title))
        if meeting.questions_enabled and rsvp.answer != answers.NO and not rsvp.question:
            turn.goto(JOURNEY, MeetingStep.QUESTION, {"meeting_id": meeting_id})
            self._ask_question(turn)
            return
        self._show_meeting(turn, meeting)

    def _already(self, turn: Turn, meeting: Meeting, rsvp: Rsvp) -> None:
        """The answer stands as it was: tell the user, and keep them where they were."""
        title = html.escape(meeting.title, quote=False)
        if rsvp.seat == answers.WAITLIST:
            position = answers.waitlist_position(turn.session, rsvp)
            turn.reply(turn.t("meetings.rsvp.already_waitlisted", title=title, position=position))
        elif rsvp.seat == answers.CONFIRMED:
            turn.reply(turn.t("meetings.rsvp.already_confirmed", title=title))
        elif rsvp.answer == answers.MAYBE:
            turn.reply(turn.t("meetings.rsvp.already_maybe", title=title))
        else:
            turn.reply(turn.t("meetings.rsvp.already_no", title=title))
        asking = turn.journey == JOURNEY and turn.step == MeetingStep.QUESTION
        if asking and turn.data.get("meeting_id") == meeting.id:
            self._ask_question(turn)
            return
        self._show_meeting(turn, meeting)

    def _send_ics(self, turn: Turn, meeting_id: int) -> None:
        try:
            meeting = answers.visible_meeting(turn.session, meeting_id, turn.user)
        except answers.NotFound:
            turn.say("meetings.not_found")
            return
        view = view_of(turn.session, meeting)
        turn.reply(
            "",
            document=OutgoingDocument(
                ics_name(view),
                ics(view, sequence=meeting.version - 1, stamp=turn.services.clock()),
                "text/calendar",
                caption=turn.t(worded("meetings.calendar.caption", meeting.kind)),
            ),
        )


def _int(raw: str) -> int:
    return int(raw) if raw.isdigit() else -1
