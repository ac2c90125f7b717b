"""»Kassér kladden« asks first: a meeting or notice draft is thrown away only after »Ja, kassér
kladden«; »Nej, behold kladden« goes back to the question it was pressed at, draft untouched.

Issue 12: a typed number once pressed »Kassér kladden« and lost a half-written meeting, so the
button that loses work never acts on one press. The step it was pressed at is kept in the step
data under ``back``; the draft itself stays where it was (``draft`` or ``notice``).
"""

from __future__ import annotations

from bot.core.events import Event
from bot.core.turn import Turn
from bot.meetings.staff.common import show_home
from bot.meetings.staff.steps import JOURNEY, NOTICE_STEPS, StaffMeetingStep


def ask(turn: Turn) -> None:
    """Move to the confirmation, remembering the wizard step »Kassér kladden« was pressed at."""
    back = turn.step
    turn.goto(JOURNEY, StaffMeetingStep.DISCARD)
    turn.remember(back=back)
    show(turn)


def show(turn: Turn) -> None:
    """»Er du sikker? …« with the confirm and the keep button."""
    what = "notice" if _back(turn) in NOTICE_STEPS else "meeting"
    turn.reply(
        turn.t(f"meetings.staff.confirm_discard.{what}"),
        [
            [turn.button("meetings.staff.discard_yes", "discard_yes")],
            [turn.button("meetings.staff.discard_no", "keep")],
        ],
    )


def on_event(turn: Turn, event: Event, value: str | None) -> bool:
    """Confirm throws the draft away (once: a repeated press is answered, not acted on again);
    anything else but keep, typed text included (»ja«, »1«), asks again: only the button says
    yes. True when keep moved the chat back to the wizard step, which the caller then shows."""
    if value == "discard_yes":
        turn.say("meetings.staff.discarded")
        turn.done("meetings.staff.already_discarded")
        show_home(turn)
        return False
    if value == "keep":
        back = _back(turn)
        data = turn.data
        data.pop("back", None)
        turn.goto(JOURNEY, back, data)
        turn.say("meetings.staff.kept")
        return True
    show(turn)
    return False


def _back(turn: Turn) -> StaffMeetingStep:
    """The wizard step to go back to; the first question when the saved one is unknown."""
    try:
        return StaffMeetingStep(str(turn.data.get("back")))
    except ValueError:
        return StaffMeetingStep.WIZARD_TITLE
