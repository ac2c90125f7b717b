"""/staff → meetings and notices: the meeting wizard, preview and send; answers, questions and
the attendee list; changing or cancelling a meeting; a plain notice to an audience.

The wizard asks one thing at a time; the draft lives in the dialogue state, so it survives a
restart and /cancel keeps it. The next question is always the first field still missing, which
also makes "fix one field" and consistency checks (end after start, deadline before start) one
mechanism. Authorization is checked again by every service call with the ids it receives.
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import navigation
from bot.core.events import Event
from bot.core.flows.base import Flow
from bot.core.links import private_chat_link
from bot.core.replies import Button, OutgoingDocument
from bot.core.turn import Turn
from bot.meetings import service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.render import details, rsvp_buttons
from bot.meetings.times import (
    AmbiguousTime,
    TimeError,
    default_deadline,
    parse_deadline,
    parse_end,
    parse_start,
    show,
)
from bot.staff.access import NotStaffError, is_staff
from bot.zones import zone_name

JOURNEY = "staff_meetings"
#: The wizard's questions in order; those in TEXT_FIELDS are answered by typing.
FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "agenda",
    "capacity",
    "per_association",
    "rsvp_deadline",
    "audience",
    "questions_enabled",
)
TEXT_FIELDS = FIELDS[:9]
NOTICE_KINDS = ("news", "consultation", "theme_day")
NOTICE_QUESTIONS = {"title": "meetings.notice.ask_title", "body": "meetings.notice.ask_body"}
NOTICE_ERRORS = {"title": "meetings.error.notice_title", "body": "meetings.error.notice_body"}
NO_LIMIT = {"ingen", "ingen grænse", "ingen graense", "nej", "no", "none", "no limit", "-", "0"}
NOTHING = {"-", "ingen", "intet", "nej", "none", "no"}


class Invalid(ValueError):
    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Unclear(ValueError):
    """A typed time in a DST change: the staff member chooses among `choices` (UTC)."""

    def __init__(self, key: str, choices: tuple[datetime, ...]) -> None:
        super().__init__(key)
        self.key = key
        self.choices = choices


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


class StaffMeetingsFlow(Flow):
    journey = JOURNEY
    text_steps = frozenset(
        {f"m:{f}" for f in TEXT_FIELDS}
        | {f"e:{f}" for f in service.EDITABLE}
        | {"n:title", "n:body"}
    )

    # --- entry and home -------------------------------------------------------------------------
    async def start(self, turn: Turn, **params: Any) -> None:
        slug = str(params.get("municipality") or turn.data.get("municipality") or "")
        if not slug or not is_staff(turn.session, turn.user.telegram_id, slug):
            turn.say("meetings.staff.denied")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        turn.goto(JOURNEY, "home", {"municipality": slug})
        await self.show(turn)

    def _slug(self, turn: Turn) -> str:
        return str(turn.data.get("municipality") or "")

    def _zone(self, turn: Turn) -> str:
        return service.municipality_of(turn.session, self._slug(turn)).timezone

    async def show(self, turn: Turn) -> None:
        slug = self._slug(turn)
        if not slug or not is_staff(turn.session, turn.user.telegram_id, slug):
            turn.say("meetings.staff.denied")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        step = turn.step
        if step.startswith("m:"):
            self._show_wizard(turn)
        elif step.startswith("n:"):
            self._show_notice(turn)
        elif step in ("meeting", "cancel") or step.startswith("e:"):
            self._show_meeting(turn)
        else:
            self._show_home(turn)

    def _show_home(self, turn: Turn) -> None:
        turn.goto(JOURNEY, "home", {"municipality": self._slug(turn)})
        municipality = service.municipality_of(turn.session, self._slug(turn))
        meetings = service.upcoming(turn.session, self._slug(turn), turn.services.clock())
        rows = [
            [turn.button("meetings.staff.new_meeting", "new_meeting")],
            [turn.button("meetings.staff.new_notice", "new_notice")],
        ]
        for meeting in meetings[:8]:
            rows.append([Button(meeting.title[:60], f"open:{meeting.id}")])
        rows.append([turn.global_button("meetings.staff.back_to_staff", "go:staff")])
        turn.reply(
            turn.t(
                "meetings.staff.home",
                municipality=html.escape(municipality.name, quote=False),
                count=len(meetings),
            ),
            rows,
            edit=True,
        )

    # --- the meeting wizard ---------------------------------------------------------------------
    def _draft(self, turn: Turn) -> dict[str, Any]:
        return dict(turn.data.get("draft") or {})

    def _next_field(self, turn: Turn, draft: dict[str, Any]) -> None:
        """Go to the first missing field, or to the preview when everything is there."""
        # Consistency first: a moved start may leave the end or the deadline on the wrong side.
        if "starts_at" in draft:
            start = _time(draft["starts_at"])
            if "ends_at" in draft and _time(draft["ends_at"]) <= start:
                draft.pop("ends_at")
                turn.say("meetings.error.end_before_start")
            if "rsvp_deadline" in draft and _time(draft["rsvp_deadline"]) >= start:
                draft.pop("rsvp_deadline")
                turn.say("meetings.error.deadline_after_start")
        turn.update(draft=draft)
        missing = next((f for f in FIELDS if f not in draft), None)
        turn.goto(JOURNEY, f"m:{missing}" if missing else "m:preview")
        self._show_wizard(turn)

    def _show_wizard(self, turn: Turn) -> None:
        field = turn.step.removeprefix("m:")
        draft = self._draft(turn)
        cancel = [turn.button("meetings.staff.discard", "discard")]
        if field == "preview":
            self._show_preview(turn, draft)
            return
        if field == "fix":
            rows = [[turn.button(f"meetings.field.{f}", f"fix:{f}")] for f in FIELDS]
            rows.append([turn.button("meetings.staff.back_to_preview", "preview")])
            turn.reply(turn.t("meetings.staff.fix"), rows)
            return
        rows = []
        params: dict[str, object] = {}
        if field == "audience":
            slug = self._slug(turn)
            for key, audience in AUDIENCES.items():
                count = len(audience.recipients(turn.session, slug))
                rows.append([turn.button(audience.label_key, f"audience:{key}", count=count)])
        elif field == "questions_enabled":
            rows.append(
                [
                    turn.button("meetings.ask.questions_on", "questions:on"),
                    turn.button("meetings.ask.questions_off", "questions:off"),
                ]
            )
        elif field in ("capacity", "per_association"):
            rows.append([turn.button("meetings.ask.no_limit", "no_limit")])
        elif field == "agenda":
            rows.append([turn.button("meetings.ask.no_agenda", "no_agenda")])
        elif field == "rsvp_deadline" and "starts_at" in draft:
            suggestion = default_deadline(_time(draft["starts_at"]), self._zone(turn))
            if suggestion > turn.services.clock():
                label = show(suggestion, self._zone(turn), turn.lang, "d/M-y")
                rows.append(
                    [turn.button("meetings.ask.deadline_default", "deadline_default", date=label)]
                )
        elif field == "ends_at" and "starts_at" in draft:
            params["start"] = show(
                _time(draft["starts_at"]), self._zone(turn), turn.lang, "d/M-y 'kl.' HH.mm"
            )
        rows.append(cancel)
        municipality = service.municipality_of(turn.session, self._slug(turn))
        params.setdefault("zone", zone_name(municipality.timezone, turn.lang))
        turn.reply(turn.t(f"meetings.ask.{field}", **params), rows)

    def _to_draft(self, turn: Turn, draft: dict[str, Any]) -> service.Draft:
        return service.Draft(
            key=str(draft["key"]),
            municipality=self._slug(turn),
            title=str(draft["title"]),
            starts_at=_time(draft["starts_at"]),
            ends_at=_time(draft["ends_at"]),
            place=str(draft["place"]),
            address=str(draft["address"]),
            agenda=str(draft["agenda"]),
            capacity=draft["capacity"],
            per_association=draft["per_association"],
            rsvp_deadline=_time(draft["rsvp_deadline"]),
            audience=str(draft["audience"]),
            questions_enabled=bool(draft["questions_enabled"]),
        )

    def _show_preview(self, turn: Turn, draft: dict[str, Any]) -> None:
        meeting = self._to_draft(turn, draft)
        view = service.draft_view(turn.session, meeting)
        # Exactly what recipients get, buttons included (pressing them here only explains).
        preview_rows = [
            [Button(b["label"], "preview_button") for b in row]
            for row in rsvp_buttons(0, turn.lang)
        ]
        turn.reply(details(view, turn.lang), preview_rows)
        count = len(
            service.audience_recipients(turn.session, meeting.audience, meeting.municipality)
        )
        audience = AUDIENCES[meeting.audience]
        rows = [
            [turn.button("meetings.staff.fix_button", "fix")],
            [turn.button("meetings.staff.discard", "discard")],
        ]
        if count:
            rows.insert(0, [turn.button("meetings.staff.send", "send", count=count)])
        turn.reply(
            turn.tn(
                "meetings.staff.preview",
                count,
                count=count,
                audience=turn.t(audience.label_key, count=count),
            )
            if count
            else turn.t("meetings.staff.preview_nobody", count=count),
            rows,
        )

    def _parse(self, turn: Turn, field: str, text: str, draft: dict[str, Any]) -> Any:
        """The draft value of one typed answer; raises `Invalid` with the reason."""
        zone = self._zone(turn)
        now = turn.services.clock()
        text = text.strip()
        try:
            if field == "title":
                if not 3 <= len(text) <= 200:
                    raise Invalid("meetings.error.title")
                return text
            if field in ("place", "address"):
                if not 2 <= len(text) <= 200:
                    raise Invalid(f"meetings.error.{field}")
                return text
            if field == "agenda":
                if len(text) > 3000:
                    raise Invalid("meetings.error.agenda")
                return "" if text.casefold() in NOTHING else text
            if field in ("capacity", "per_association"):
                if text.casefold() in NO_LIMIT:
                    return None
                if not text.isdigit() or int(text) <= 0 or int(text) > 100_000:
                    raise Invalid("meetings.error.number")
                return int(text)
            if field == "starts_at":
                return self._check(field, parse_start(text, zone, now), draft, now)
            if field == "ends_at":
                return _iso(parse_end(text, zone, _time(draft["starts_at"]), now))
            if field == "rsvp_deadline":
                return _iso(parse_deadline(text, zone, _time(draft["starts_at"]), now))
        except AmbiguousTime as unclear:
            # Only choices that pass the field's own checks are offered.
            for choice in unclear.choices:
                self._check(field, choice, draft, now)
            raise Unclear(unclear.key, unclear.choices) from None
        except TimeError as error:
            raise Invalid(error.key, **error.params) from None
        raise Invalid("meetings.error.title")

    def _check(self, field: str, moment: datetime, draft: dict[str, Any], now: datetime) -> str:
        """The stored value of a time for `field`; raises `Invalid` when it is on the wrong side
        of now, the start or the deadline (the same rules as `bot.meetings.times`)."""
        if moment <= now:
            raise Invalid("meetings.error.in_the_past")
        if field == "ends_at" and moment <= _time(draft["starts_at"]):
            raise Invalid("meetings.error.end_before_start")
        if field == "rsvp_deadline" and moment >= _time(draft["starts_at"]):
            raise Invalid("meetings.error.deadline_after_start")
        return _iso(moment)

    def _ask_unclear(self, turn: Turn, unclear: Unclear, back: str) -> None:
        """Ask which instant a time in a DST change means; the answer comes as ``dst:<n>``."""
        zone = self._zone(turn)
        turn.update(unclear=[_iso(c) for c in unclear.choices])
        if unclear.key == "meetings.dst.gap":
            shifted = show(unclear.choices[0], zone, turn.lang, "d/M-y 'kl.' HH.mm")
            # What was typed: the shifted wall clock less the hour the clocks jump (wall-clock
            # arithmetic, as Python does within one tzinfo).
            wall = unclear.choices[0].astimezone(ZoneInfo(zone)) - timedelta(hours=1)
            typed = wall.strftime("%H:%M" if turn.lang == "en" else "%H.%M")
            rows = [
                [turn.button("meetings.dst.use_shifted", "dst:0", when=shifted)],
                [turn.button("meetings.dst.retype", "dst:retype")],
            ]
            text = turn.t("meetings.dst.gap", when=typed, when_shift=shifted)
        else:
            rows = [
                [turn.button("meetings.dst.first", "dst:0")],
                [turn.button("meetings.dst.second", "dst:1")],
            ]
            text = turn.t(
                "meetings.dst.fold", when=show(unclear.choices[0], zone, turn.lang, "d/M-y")
            )
        rows.append([turn.button("meetings.staff.back", back)])
        turn.reply(text, rows)

    def _chosen(self, turn: Turn, value: str | None) -> datetime | None:
        """The instant picked with a ``dst:<n>`` button among the stored choices, or None."""
        choices = list(turn.data.get("unclear") or [])
        index = (value or "").removeprefix("dst:")
        if not index.isdigit() or int(index) >= len(choices):
            return None
        return _time(choices[int(index)])

    async def _wizard_event(self, turn: Turn, event: Event, value: str | None) -> None:
        field = turn.step.removeprefix("m:")
        draft = self._draft(turn)
        if value == "discard":
            turn.say("meetings.staff.discarded")
            self._show_home(turn)
            return
        if value == "preview_button":
            turn.say("meetings.staff.preview_only")
            return
        if field == "preview":
            if value == "send":
                await self._publish(turn, draft)
            elif value == "fix":
                turn.goto(JOURNEY, "m:fix")
                self._show_wizard(turn)
            else:
                self._show_wizard(turn)
            return
        if field == "fix":
            chosen = (value or "").removeprefix("fix:")
            if chosen in FIELDS:
                draft.pop(chosen, None)
                turn.update(draft=draft)
                turn.goto(JOURNEY, f"m:{chosen}")
            else:
                turn.goto(JOURNEY, "m:preview")
            self._show_wizard(turn)
            return
        answer: Any
        if field == "audience" and value and value.removeprefix("audience:") in AUDIENCES:
            answer = value.removeprefix("audience:")
        elif field == "questions_enabled" and value in ("questions:on", "questions:off"):
            answer = value == "questions:on"
        elif value == "no_limit" and field in ("capacity", "per_association"):
            answer = None
        elif value == "no_agenda" and field == "agenda":
            answer = ""
        elif value == "deadline_default" and field == "rsvp_deadline" and "starts_at" in draft:
            answer = _iso(default_deadline(_time(draft["starts_at"]), self._zone(turn)))
        elif field in TEXT_FIELDS and value is None and event.text:
            try:
                answer = self._parse(turn, field, event.text, draft)
            except Invalid as error:
                turn.reply(turn.t(error.key, **error.params))
                self._show_wizard(turn)
                return
            except Unclear as unclear:
                self._ask_unclear(turn, unclear, back="dst:retype")
                return
        elif (picked := self._chosen(turn, value)) is not None and field in TEXT_FIELDS:
            try:
                answer = self._check(field, picked, draft, turn.services.clock())
            except Invalid as error:
                turn.reply(turn.t(error.key, **error.params))
                self._show_wizard(turn)
                return
        else:
            self._show_wizard(turn)
            return
        draft[field] = answer
        turn.update(unclear=None)
        self._next_field(turn, draft)

    async def _publish(self, turn: Turn, draft: dict[str, Any]) -> None:
        try:
            meeting, broadcast, created = service.publish_meeting(
                turn.session,
                turn.user.telegram_id,
                self._to_draft(turn, draft),
                turn.services.clock(),
            )
        except NotStaffError:
            turn.say("meetings.staff.denied")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        if created:
            turn.say_n(
                "meetings.staff.sent",
                broadcast.total,
                count=broadcast.total,
                link=self._link(turn, meeting.id),
            )
        else:
            turn.say("meetings.staff.already_sent")
        turn.done("meetings.staff.already_sent")
        turn.goto(JOURNEY, "meeting", {"municipality": self._slug(turn), "meeting_id": meeting.id})
        self._show_meeting(turn)

    def _link(self, turn: Turn, meeting_id: int) -> str:
        start = f"meetings-{meeting_id}"
        # Without a username (the terminal chat with no BOT_USERNAME) the link names the setting
        # to fill in rather than pointing at somebody else's bot.
        return private_chat_link(turn.services.bot_username, start) or (
            f"https://t.me/<BOT_USERNAME>?start={start}"
        )

    # --- one meeting: answers, questions, CSV, change, cancel -----------------------------------
    def _show_meeting(self, turn: Turn) -> None:
        meeting_id = int(turn.data.get("meeting_id") or 0)
        try:
            meeting = service.staff_meeting(turn.session, turn.user.telegram_id, meeting_id)
            counts = service.summary(turn.session, turn.user.telegram_id, meeting_id)
        except NotStaffError:
            turn.say("meetings.staff.denied")
            self._show_home(turn)
            return
        view = service.view_of(turn.session, meeting)
        step = turn.step
        if step == "cancel":
            turn.reply(
                turn.t(
                    "meetings.staff.confirm_cancel", title=html.escape(meeting.title, quote=False)
                ),
                [
                    [turn.button("meetings.staff.cancel_yes", "cancel_yes")],
                    [turn.button("meetings.staff.cancel_no", "back")],
                ],
            )
            return
        if step.startswith("e:"):
            self._show_edit(turn, meeting)
            return
        turn.goto(JOURNEY, "meeting", {"municipality": self._slug(turn), "meeting_id": meeting_id})
        text = turn.t(
            "meetings.staff.meeting",
            title=html.escape(meeting.title, quote=False),
            when=show(view.starts_at, view.timezone, turn.lang, turn.t("meetings.format.start")),
            status=turn.t(f"meetings.staff.status.{meeting.status}"),
            coming=counts.coming,
            capacity=meeting.capacity if meeting.capacity is not None else "–",
            waitlist=counts.waitlist,
            maybe=counts.maybe,
            not_coming=counts.not_coming,
            no_answer=counts.no_answer,
            questions=counts.questions,
            link=self._link(turn, meeting.id),
        )
        rows = [
            [
                turn.button("meetings.staff.questions", "questions", count=counts.questions),
                turn.button("meetings.staff.csv", "csv"),
            ]
        ]
        if meeting.status == "active":
            rows.append(
                [
                    turn.button("meetings.staff.edit", "edit"),
                    turn.button("meetings.staff.cancel_meeting", "cancel"),
                ]
            )
        rows.append([turn.button("meetings.staff.back", "home")])
        turn.reply(text, rows)

    def _show_edit(self, turn: Turn, meeting: Any) -> None:
        field = turn.step.removeprefix("e:")
        changes = dict(turn.data.get("changes") or {})
        if field == "pick":
            rows = [[turn.button(f"meetings.field.{f}", f"edit:{f}")] for f in service.EDITABLE]
            if changes:
                rows.append([turn.button("meetings.staff.send_change", "send_change")])
            rows.append([turn.button("meetings.staff.back", "back")])
            summary = ", ".join(turn.t(f"meetings.field.{f}") for f in changes) or "–"
            turn.reply(turn.t("meetings.staff.edit_pick", changes=summary), rows)
            return
        municipality = service.municipality_of(turn.session, meeting.municipality_slug)
        params: dict[str, object] = {"zone": zone_name(municipality.timezone, turn.lang)}
        if field == "ends_at":
            start = _time(changes.get("starts_at") or _iso(meeting.starts_at))
            params["start"] = show(start, municipality.timezone, turn.lang, "d/M-y 'kl.' HH.mm")
        turn.reply(
            turn.t(f"meetings.ask.{field}", **params),
            [[turn.button("meetings.staff.back", "back_to_pick")]],
        )

    async def _meeting_event(self, turn: Turn, event: Event, value: str | None) -> None:
        meeting_id = int(turn.data.get("meeting_id") or 0)
        staff_id = turn.user.telegram_id
        now = turn.services.clock()
        try:
            meeting = service.staff_meeting(turn.session, staff_id, meeting_id)
        except NotStaffError:
            turn.say("meetings.staff.denied")
            self._show_home(turn)
            return
        step = turn.step
        if value == "home":
            self._show_home(turn)
        elif value == "questions":
            asked = service.questions(turn.session, staff_id, meeting_id)
            if not asked:
                turn.say("meetings.staff.no_questions")
            else:
                lines = [turn.t("meetings.staff.questions_title")]
                for name, association, question in asked:
                    who = f"{name} ({association})" if association else name
                    who, question = (
                        html.escape(who, quote=False),
                        html.escape(question, quote=False),
                    )
                    lines.append(f"• <b>{who}</b>: {question}")
                turn.reply("\n".join(lines))
            self._show_meeting(turn)
        elif value == "csv":
            content = service.attendee_csv(turn.session, staff_id, meeting_id, turn.lang)
            turn.reply(
                "",
                document=OutgoingDocument(
                    f"deltagere-{meeting_id}.csv",
                    content,
                    "text/csv",
                    caption=turn.t("meetings.staff.csv_caption"),
                ),
            )
            self._show_meeting(turn)
        elif value == "cancel" and meeting.status == "active":
            turn.goto(JOURNEY, "cancel")
            self._show_meeting(turn)
        elif value == "cancel_yes" and step == "cancel":
            broadcast = service.cancel_meeting(turn.session, staff_id, meeting_id, now)
            turn.say_n("meetings.staff.cancelled", broadcast.total, count=broadcast.total)
            turn.done("meetings.staff.already_cancelled")
            turn.goto(JOURNEY, "meeting")
            self._show_meeting(turn)
        elif value == "edit" and meeting.status == "active":
            turn.goto(JOURNEY, "e:pick", {**turn.data, "changes": {}})
            self._show_meeting(turn)
        elif step.startswith("e:"):
            await self._edit_event(turn, event, value, meeting)
        else:
            turn.goto(JOURNEY, "meeting")
            self._show_meeting(turn)

    async def _edit_event(self, turn: Turn, event: Event, value: str | None, meeting: Any) -> None:
        field = turn.step.removeprefix("e:")
        changes = dict(turn.data.get("changes") or {})
        if value == "back":
            turn.goto(JOURNEY, "meeting")
        elif value == "back_to_pick":
            turn.goto(JOURNEY, "e:pick")
        elif field == "pick" and value and value.removeprefix("edit:") in service.EDITABLE:
            turn.goto(JOURNEY, f"e:{value.removeprefix('edit:')}")
        elif field == "pick" and value == "send_change":
            parsed = {
                name: _time(v) if name in ("starts_at", "ends_at") else v
                for name, v in changes.items()
            }
            broadcast = service.change_meeting(
                turn.session, turn.user.telegram_id, meeting.id, parsed, turn.services.clock()
            )
            if broadcast is None:
                turn.say("meetings.staff.nothing_changed")
            else:
                turn.say_n("meetings.staff.change_sent", broadcast.total, count=broadcast.total)
                turn.done("meetings.staff.change_already_sent")
            turn.goto(JOURNEY, "meeting", {**turn.data, "changes": {}})
        elif field in service.EDITABLE and value is None and event.text:
            current = {
                "starts_at": _iso(meeting.starts_at),
                "ends_at": _iso(meeting.ends_at),
                "rsvp_deadline": _iso(meeting.rsvp_deadline),
                **changes,
            }
            try:
                parsed_value = self._parse(turn, field, event.text, current)
            except Invalid as error:
                turn.reply(turn.t(error.key, **error.params))
                self._show_meeting(turn)
                return
            except Unclear as unclear:
                self._ask_unclear(turn, unclear, back="back_to_pick")
                return
            self._change(turn, meeting, field, parsed_value, changes)
        elif field in service.EDITABLE and (picked := self._chosen(turn, value)) is not None:
            current = {
                "starts_at": _iso(meeting.starts_at),
                "ends_at": _iso(meeting.ends_at),
                "rsvp_deadline": _iso(meeting.rsvp_deadline),
                **changes,
            }
            try:
                parsed_value = self._check(field, picked, current, turn.services.clock())
            except Invalid as error:
                turn.reply(turn.t(error.key, **error.params))
                self._show_meeting(turn)
                return
            self._change(turn, meeting, field, parsed_value, changes)
        self._show_meeting(turn)

    def _change(
        self, turn: Turn, meeting: Any, field: str, parsed_value: Any, changes: dict[str, Any]
    ) -> None:
        """Record one edited field (the end moves with a moved start) and go back to the list."""
        current = {
            "starts_at": _iso(meeting.starts_at),
            "ends_at": _iso(meeting.ends_at),
            **changes,
        }
        if field == "starts_at":
            # A moved meeting keeps its length: the end moves with the start.
            length = _time(current["ends_at"]) - _time(current["starts_at"])
            changes["ends_at"] = _iso(_time(parsed_value) + length)
            if _time(parsed_value) <= meeting.rsvp_deadline:
                turn.say("meetings.staff.deadline_note")
        changes[field] = parsed_value
        turn.update(changes=changes, unclear=None)
        turn.goto(JOURNEY, "e:pick")

    # --- notices --------------------------------------------------------------------------------
    def _show_notice(self, turn: Turn) -> None:
        step = turn.step.removeprefix("n:")
        notice = dict(turn.data.get("notice") or {})
        cancel = [turn.button("meetings.staff.discard", "discard")]
        if step == "kind":
            rows = [[turn.button(f"meetings.notice.kind.{k}", f"kind:{k}")] for k in NOTICE_KINDS]
            turn.reply(turn.t("meetings.notice.ask_kind"), [*rows, cancel])
        elif step in ("title", "body"):
            turn.reply(turn.t(NOTICE_QUESTIONS[step]), [cancel])
        elif step == "audience":
            slug = self._slug(turn)
            rows = [
                [
                    turn.button(
                        a.label_key, f"audience:{key}", count=len(a.recipients(turn.session, slug))
                    )
                ]
                for key, a in AUDIENCES.items()
            ]
            turn.reply(turn.t("meetings.ask.audience"), [*rows, cancel])
        else:
            name = service.municipality_of(turn.session, self._slug(turn)).name
            turn.reply(
                service.notice_text(
                    turn.lang, notice["kind"], notice["title"], notice["body"], name
                )
            )
            count = len(
                service.audience_recipients(turn.session, notice["audience"], self._slug(turn))
            )
            rows = [cancel]
            if count:
                rows.insert(0, [turn.button("meetings.staff.send", "send", count=count)])
            audience = AUDIENCES[notice["audience"]]
            turn.reply(
                turn.tn(
                    "meetings.staff.preview",
                    count,
                    count=count,
                    audience=turn.t(audience.label_key, count=count),
                )
                if count
                else turn.t("meetings.staff.preview_nobody", count=count),
                rows,
            )

    async def _notice_event(self, turn: Turn, event: Event, value: str | None) -> None:
        step = turn.step.removeprefix("n:")
        notice = dict(turn.data.get("notice") or {})
        text = (event.text or "").strip()
        if value == "discard":
            turn.say("meetings.staff.discarded")
            self._show_home(turn)
            return
        if step == "kind" and value and value.removeprefix("kind:") in NOTICE_KINDS:
            notice["kind"] = value.removeprefix("kind:")
            step = "title"
        elif step == "title" and value is None and 3 <= len(text) <= 200:
            notice["title"] = text
            step = "body"
        elif step == "body" and value is None and 1 <= len(text) <= 3500:
            notice["body"] = text
            step = "audience"
        elif step == "audience" and value and value.removeprefix("audience:") in AUDIENCES:
            notice["audience"] = value.removeprefix("audience:")
            step = "preview"
        elif step == "preview" and value == "send":
            try:
                broadcast, created = service.send_notice(
                    turn.session,
                    turn.user.telegram_id,
                    key=notice["key"],
                    municipality=self._slug(turn),
                    kind=notice["kind"],
                    title=notice["title"],
                    body=notice["body"],
                    audience=notice["audience"],
                    now=turn.services.clock(),
                )
            except NotStaffError:
                turn.say("meetings.staff.denied")
                await navigation.show_menu(turn, intro="menu.title_short")
                return
            if created:
                turn.reply(turn.tn("meetings.notice.sent", broadcast.total, count=broadcast.total))
            else:
                turn.say("meetings.staff.already_sent", count=broadcast.total, link="")
            turn.done("meetings.staff.already_sent")
            self._show_home(turn)
            return
        elif step in ("title", "body") and value is None:
            turn.say(NOTICE_ERRORS[step])
        turn.update(notice=notice)
        turn.goto(JOURNEY, f"n:{step}")
        self._show_notice(turn)

    # --- routing --------------------------------------------------------------------------------
    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        slug = self._slug(turn)
        if not slug or not is_staff(turn.session, turn.user.telegram_id, slug):
            turn.say("meetings.staff.denied")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        step = turn.step
        if step.startswith("m:"):
            await self._wizard_event(turn, event, value)
        elif step.startswith("n:"):
            await self._notice_event(turn, event, value)
        elif step in ("meeting", "cancel") or step.startswith("e:"):
            await self._meeting_event(turn, event, value)
        elif value == "new_meeting":
            turn.goto(
                JOURNEY, "m:title", {"municipality": slug, "draft": {"key": uuid.uuid4().hex}}
            )
            self._show_wizard(turn)
        elif value == "new_notice":
            turn.goto(
                JOURNEY, "n:kind", {"municipality": slug, "notice": {"key": uuid.uuid4().hex}}
            )
            self._show_notice(turn)
        elif value and value.startswith("open:") and value.removeprefix("open:").isdigit():
            turn.goto(
                JOURNEY,
                "meeting",
                {"municipality": slug, "meeting_id": int(value.removeprefix("open:"))},
            )
            self._show_meeting(turn)
        else:
            self._show_home(turn)
