"""`/award`: anyone nominates a person, a group or an association for the municipality's volunteer
award, one question at a time with validation, like the grant form: whom, what they did, your own
name and contact, whether the municipality may contact the nominee, a summary, then a receipt.

The draft lives in the step data under ``n``; a field corrected from the summary returns there.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bot.award import service
from bot.core import navigation
from bot.core.events import Event, EventKind
from bot.core.flows.base import Flow, Screen
from bot.core.turn import Turn
from bot.validation.contact import format_phone, parse_email, parse_phone
from bot.validation.errors import InvalidInput
from bot.validation.text import yes_or_no

JOURNEY = "award"
NOMINEE_MAX = 200
REASON_MIN, REASON_MAX = 20, 3000
NAME_MAX = 200


class AwardStep(StrEnum):
    """The nomination's steps; the values are what `DialogueState.step` holds."""

    INTRO = "intro"
    KIND = "kind"
    NOMINEE = "nominee"
    REASON = "reason"
    NAME = "name"
    CONTACT = "contact"
    CONSENT = "consent"
    SUMMARY = "summary"
    FIX = "fix"


#: The questions in order, with the field of the draft each fills.
QUESTION_STEPS = (
    AwardStep.KIND,
    AwardStep.NOMINEE,
    AwardStep.REASON,
    AwardStep.NAME,
    AwardStep.CONTACT,
    AwardStep.CONSENT,
)
FIELD_OF = {
    AwardStep.KIND: "kind",
    AwardStep.NOMINEE: "nominee",
    AwardStep.REASON: "reason",
    AwardStep.NAME: "name",
    AwardStep.CONTACT: "contact",
    AwardStep.CONSENT: "may_contact",
}
#: What the summary's »Ret« offers, field → its question step.
FIX_STEPS = {field: step for step, field in FIELD_OF.items()}


def read_contact(text: str) -> str:
    """An e-mail address or a Danish/Greenlandic phone number as typed; the phone grouped for
    reading (»+45 12 34 56 78«). Raises `InvalidInput` ``award.error.contact`` otherwise."""
    cleaned = text.strip()
    if "@" in cleaned:
        try:
            return parse_email(cleaned)
        except InvalidInput:
            raise InvalidInput("award.error.contact") from None
    try:
        return format_phone(parse_phone(cleaned))
    except InvalidInput:
        raise InvalidInput("award.error.contact") from None


def read_text(text: str, low: int, high: int, key: str) -> str:
    """`text` without surrounding space, `low`..`high` characters; `InvalidInput(key)` (with
    ``length``, ``low`` and ``high``) otherwise."""
    cleaned = " ".join(text.split()) if high <= NAME_MAX else text.strip()
    if not low <= len(cleaned) <= high:
        raise InvalidInput(key, length=len(cleaned), low=low, high=high)
    return cleaned


class AwardFlow(Flow):
    journey = JOURNEY
    Step = AwardStep

    def screens(self) -> Mapping[str, Screen]:
        return {
            AwardStep.INTRO: Screen(self._show_intro, self._on_intro),
            AwardStep.KIND: Screen(self._show_question, self._on_answer, text=True),
            AwardStep.NOMINEE: Screen(self._show_question, self._on_answer, text=True),
            AwardStep.REASON: Screen(self._show_question, self._on_answer, text=True),
            AwardStep.NAME: Screen(self._show_question, self._on_answer, text=True),
            AwardStep.CONTACT: Screen(self._show_question, self._on_answer, text=True),
            AwardStep.CONSENT: Screen(self._show_question, self._on_answer, text=True),
            AwardStep.SUMMARY: Screen(self._show_summary, self._on_summary, text=True),
            AwardStep.FIX: Screen(self._show_fix, self._on_fix),
        }

    async def start(self, turn: Turn, **params: Any) -> None:
        slug = turn.user.municipality_slug
        municipality = turn.services.directory.get(slug)
        if municipality is None or municipality.award is None or slug is None:
            turn.say("award.none", municipality=municipality.name if municipality else "")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        award_round = service.open_round(turn.session, slug, turn.services.clock())
        if award_round is None:
            turn.say("award.no_round", award=municipality.award_name(turn.lang))
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        turn.goto(JOURNEY, AwardStep.INTRO, {"municipality": slug, "n": {}})
        await self.show(turn)

    # --- the screens ----------------------------------------------------------------------------
    def _cancel_row(self, turn: Turn) -> list[Any]:
        return [turn.button("award.button.cancel", "cancel")]

    async def _show_intro(self, turn: Turn) -> None:
        slug = str(turn.data.get("municipality"))
        municipality = turn.services.directory.get(slug)
        award_round = service.open_round(turn.session, slug, turn.services.clock())
        if municipality is None or award_round is None:
            await self.start(turn)
            return
        turn.say(
            "award.intro",
            buttons=[
                [turn.button("award.button.start", "start")],
                self._cancel_row(turn),
            ],
            award=municipality.award_name(turn.lang),
            title=award_round.title,
            deadline=service.deadline_text(turn.session, award_round, turn.lang),
        )

    async def _on_intro(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "start":
            turn.goto(JOURNEY, AwardStep.KIND)
        elif value == "cancel":
            await self._cancel(turn)
            return
        await self.show(turn)

    async def _show_question(self, turn: Turn) -> None:
        step = AwardStep(turn.step)
        nominee = str((turn.data.get("n") or {}).get("nominee") or "")
        if step is AwardStep.KIND:
            rows = [
                [turn.button(f"award.kind.{kind}", f"kind:{kind}")]
                for kind in service.NOMINEE_KINDS
            ]
            turn.say("award.ask.kind", buttons=[*rows, self._cancel_row(turn)])
        elif step is AwardStep.CONSENT:
            rows = [[turn.button("award.yes", "yes"), turn.button("award.no", "no")]]
            turn.say("award.ask.consent", buttons=[*rows, self._cancel_row(turn)], nominee=nominee)
        else:
            turn.say(
                f"award.ask.{FIELD_OF[step]}",
                buttons=[self._cancel_row(turn)],
                nominee=nominee,
                low=REASON_MIN,
                high=REASON_MAX,
            )

    async def _on_answer(self, turn: Turn, event: Event, value: str | None) -> None:
        step = AwardStep(turn.step)
        if value == "cancel":
            await self._cancel(turn)
            return
        draft = dict(turn.data.get("n") or {})
        text = event.text or ""
        try:
            answer = self._read(step, event, value, text)
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **{k: _e(v) for k, v in error.params.items()}))
            await self.show(turn)
            return
        if answer is None:  # typed text where a button is the answer
            turn.say("award.use_buttons")
            await self.show(turn)
            return
        draft[FIELD_OF[step]] = answer
        turn.remember(n=draft)
        if turn.data.get("fixing") or step is QUESTION_STEPS[-1]:
            turn.remember(fixing=False)
            turn.goto(JOURNEY, AwardStep.SUMMARY)
        else:
            turn.goto(JOURNEY, QUESTION_STEPS[QUESTION_STEPS.index(step) + 1])
        await self.show(turn)

    def _read(self, step: AwardStep, event: Event, value: str | None, text: str) -> Any:
        """The answer at `step`, validated; None when a button was expected and text came."""
        if step is AwardStep.KIND:
            kind = (value or "").removeprefix("kind:")
            return kind if kind in service.NOMINEE_KINDS else None
        if step is AwardStep.CONSENT:
            if value is None:
                return yes_or_no(text)  # »ja« typed is a yes
            return {"yes": True, "no": False}.get(value)
        if event.kind is not EventKind.TEXT:
            raise InvalidInput("award.error.type_it")
        if step is AwardStep.NOMINEE:
            return read_text(text, 2, NOMINEE_MAX, "award.error.nominee")
        if step is AwardStep.REASON:
            return read_text(text, REASON_MIN, REASON_MAX, "award.error.reason")
        if step is AwardStep.NAME:
            return read_text(text, 2, NAME_MAX, "award.error.name")
        return read_contact(text)

    def _summary_text(self, turn: Turn, draft: Mapping[str, Any]) -> str:
        return turn.t(
            "award.summary",
            kind=turn.t(f"award.kind_noun.{draft.get('kind', 'person')}"),
            nominee=_e(draft.get("nominee")),
            reason=_e(draft.get("reason")),
            name=_e(draft.get("name")),
            contact=_e(draft.get("contact")),
            consent=turn.t("award.yes" if draft.get("may_contact") else "award.no"),
        )

    async def _show_summary(self, turn: Turn) -> None:
        draft = dict(turn.data.get("n") or {})
        missing = [step for step in QUESTION_STEPS if FIELD_OF[step] not in draft]
        if missing:
            turn.goto(JOURNEY, missing[0])
            await self.show(turn)
            return
        turn.reply(
            self._summary_text(turn, draft),
            [
                [turn.button("award.button.send", "send")],
                [turn.button("award.button.fix", "fix")],
                self._cancel_row(turn),
            ],
        )

    async def _on_summary(self, turn: Turn, event: Event, value: str | None) -> None:
        if value == "cancel":
            await self._cancel(turn)
            return
        if value == "fix":
            turn.goto(JOURNEY, AwardStep.FIX)
            await self.show(turn)
            return
        if value != "send":
            if value is None:
                turn.say("award.use_buttons")
            await self.show(turn)
            return
        await self._send(turn)

    async def _send(self, turn: Turn) -> None:
        draft = dict(turn.data.get("n") or {})
        slug = str(turn.data.get("municipality"))
        nomination = service.Nomination(
            kind=str(draft["kind"]),
            nominee=str(draft["nominee"]),
            reason=str(draft["reason"]),
            name=str(draft["name"]),
            contact=str(draft["contact"]),
            may_contact=bool(draft["may_contact"]),
        )
        try:
            award_round, _ = service.nominate(
                turn.session, turn.user, slug, nomination, turn.services.clock()
            )
        except service.RoundClosedError:
            turn.say("award.closed_meanwhile")
            await navigation.show_menu(turn, intro="menu.title_short")
            return
        municipality = turn.services.directory.get(slug)
        turn.say(
            "award.receipt",
            nominee=nomination.nominee,
            award=municipality.award_name(turn.lang) if municipality else award_round.title,
            deadline=service.deadline_text(turn.session, award_round, turn.lang),
        )
        turn.done("award.already_sent")
        await navigation.show_menu(turn, intro="menu.title_short")

    async def _show_fix(self, turn: Turn) -> None:
        rows = [[turn.button(f"award.fix.{field}", field)] for field in FIX_STEPS]
        rows.append([turn.button("award.button.back", "back")])
        turn.say("award.ask.fix", buttons=rows)

    async def _on_fix(self, turn: Turn, event: Event, value: str | None) -> None:
        if value in FIX_STEPS:
            turn.remember(fixing=True)
            turn.goto(JOURNEY, FIX_STEPS[value])
        else:
            turn.goto(JOURNEY, AwardStep.SUMMARY)
        await self.show(turn)

    async def _cancel(self, turn: Turn) -> None:
        turn.say("award.cancelled")
        await navigation.show_menu(turn, intro="menu.title_short")


def _e(value: object) -> str:
    return html.escape(str(value or ""), quote=False)
