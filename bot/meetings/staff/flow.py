"""/staff → meetings and notices (journey ``staff_meetings``): the home screen, and the table
from each step to the machine that shows it — the meeting wizard (`wizard`), one meeting's
administration (`admin`) and the notice wizard (`notices`).

Whether the user is staff of the municipality is checked on every show and every event, and
again by every service call with the ids it receives.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from bot.core.events import Event
from bot.core.flows.base import Flow, HandleScreen, Screen, ShowScreen
from bot.core.turn import Turn
from bot.meetings.kinds import DIALOGUE, KINDS
from bot.meetings.staff import admin, discard, notices, wizard
from bot.meetings.staff.common import may_work, refuse, show_home, slug
from bot.meetings.staff.steps import (
    EDIT_STEPS,
    JOURNEY,
    NOTICE_STEPS,
    TEXT_FIELDS,
    WIZARD_STEPS,
    StaffMeetingStep,
)


def _shown(show: Callable[[Turn], None]) -> ShowScreen:
    async def run(turn: Turn) -> None:
        show(turn)

    return run


async def _on_home(turn: Turn, event: Event, value: str | None) -> None:
    municipality = slug(turn)
    if value in ("new_meeting", "new_event"):
        # »Nyt dialogmøde« is the shortcut it always was; »Nyt arrangement« asks the kind first.
        draft: dict[str, Any] = {"key": uuid.uuid4().hex}
        if value == "new_meeting":
            draft.update(wizard.kind_defaults(DIALOGUE))
        first = StaffMeetingStep.WIZARD_TITLE if value == "new_meeting" else None
        turn.goto(
            JOURNEY,
            first or StaffMeetingStep.WIZARD_KIND,
            {"municipality": municipality, "draft": draft},
        )
        wizard.show(turn)
    elif value == "new_notice":
        notice = {"key": uuid.uuid4().hex}
        turn.goto(
            JOURNEY,
            StaffMeetingStep.NOTICE_KIND,
            {"municipality": municipality, "notice": notice},
        )
        notices.show(turn)
    elif value and value.startswith("open:") and value.removeprefix("open:").isdigit():
        meeting_id = int(value.removeprefix("open:"))
        turn.goto(
            JOURNEY,
            StaffMeetingStep.MEETING,
            {"municipality": municipality, "meeting_id": meeting_id},
        )
        admin.show(turn)
    else:
        show_home(turn)


async def _on_discard(turn: Turn, event: Event, value: str | None) -> None:
    if discard.on_event(turn, event, value):  # kept: back at the wizard step
        (notices.show if turn.step in NOTICE_STEPS else wizard.show)(turn)


def _buttons_keep_the_draft(show: Callable[[Turn], None], handle: HandleScreen) -> Screen:
    """A wizard step answered with buttons only (audience, preview …). Typed text there would go
    to the language understanding, whose »not sure« opens the menu and loses the draft (issue
    12); here it gets a pointer to the buttons and the same step again instead."""

    async def on_event(turn: Turn, event: Event, value: str | None) -> None:
        if value is None and event.text is not None:
            turn.say("meetings.staff.use_buttons")
            show(turn)
            return
        await handle(turn, event, value)

    return Screen(_shown(show), on_event, text=True)


class StaffMeetingsFlow(Flow):
    journey = JOURNEY
    Step = StaffMeetingStep

    def screens(self) -> Mapping[str, Screen]:
        home = Screen(_shown(show_home), _on_home)
        meeting = Screen(_shown(admin.show), admin.on_event)
        table: dict[str, Screen] = {
            StaffMeetingStep.HOME: home,
            StaffMeetingStep.MEETING: meeting,
            StaffMeetingStep.CANCEL: meeting,
            StaffMeetingStep.EDIT_PICK: meeting,
            StaffMeetingStep.WIZARD_PREVIEW: _buttons_keep_the_draft(wizard.show, wizard.on_event),
            StaffMeetingStep.WIZARD_FIX: _buttons_keep_the_draft(wizard.show, wizard.on_event),
        }
        for field, step in WIZARD_STEPS.items():
            if field in TEXT_FIELDS:
                table[step] = Screen(_shown(wizard.show), wizard.on_event, text=True)
            else:
                table[step] = _buttons_keep_the_draft(wizard.show, wizard.on_event)
        for step in EDIT_STEPS.values():
            table[step] = Screen(_shown(admin.show), admin.on_event, text=True)
        for step in (
            StaffMeetingStep.NOTICE_KIND,
            StaffMeetingStep.NOTICE_AUDIENCE,
            StaffMeetingStep.NOTICE_PREVIEW,
        ):
            table[step] = _buttons_keep_the_draft(notices.show, notices.on_event)
        for step in (StaffMeetingStep.NOTICE_TITLE, StaffMeetingStep.NOTICE_BODY):
            table[step] = Screen(_shown(notices.show), notices.on_event, text=True)
        table[StaffMeetingStep.DISCARD] = Screen(_shown(discard.show), _on_discard, text=True)
        return table

    async def start(self, turn: Turn, **params: Any) -> None:
        municipality = str(params.get("municipality") or turn.data.get("municipality") or "")
        if not may_work(turn, municipality):
            await refuse(turn)
            return
        kind = str(params.get("kind") or "")
        if kind in KINDS:  # »Nyt koordineringsmøde« from the companies: the kind is chosen
            draft: dict[str, Any] = {"key": uuid.uuid4().hex, **wizard.kind_defaults(kind)}
            data = {"municipality": municipality, "draft": draft}
            turn.goto(JOURNEY, StaffMeetingStep.WIZARD_TITLE, data)
            wizard.show(turn)
            return
        turn.goto(JOURNEY, StaffMeetingStep.HOME, {"municipality": municipality})
        await self.show(turn)

    async def show(self, turn: Turn) -> None:
        if not may_work(turn, slug(turn)):
            await refuse(turn)
            return
        await super().show(turn)

    async def on_event(self, turn: Turn, event: Event, value: str | None) -> None:
        if not may_work(turn, slug(turn)):
            await refuse(turn)
            return
        await super().on_event(turn, event, value)
