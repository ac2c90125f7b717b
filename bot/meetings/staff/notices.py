"""A notice (news, a consultation, a theme day) to an audience: kind → title → body → audience →
preview → send. The draft lives in the step data under ``notice``; its key makes the send-out
happen once however often "send" is pressed."""

from __future__ import annotations

from bot.core.events import Event
from bot.core.turn import Turn
from bot.meetings import service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.staff import discard
from bot.meetings.staff.common import ask_to_send, refuse, show_home, slug
from bot.meetings.staff.steps import JOURNEY, NOTICE_STEPS, StaffMeetingStep
from bot.staff.access import NotStaffError

NOTICE_KINDS = ("news", "consultation", "theme_day")
NOTICE_QUESTIONS = {
    StaffMeetingStep.NOTICE_TITLE: "meetings.notice.ask_title",
    StaffMeetingStep.NOTICE_BODY: "meetings.notice.ask_body",
}
NOTICE_ERRORS = {
    StaffMeetingStep.NOTICE_TITLE: "meetings.error.notice_title",
    StaffMeetingStep.NOTICE_BODY: "meetings.error.notice_body",
}


def show(turn: Turn) -> None:
    """Show the notice wizard's current step."""
    step = StaffMeetingStep(turn.step)
    notice = dict(turn.data.get("notice") or {})
    cancel = [turn.button("meetings.staff.discard", "discard")]
    if step is StaffMeetingStep.NOTICE_KIND:
        rows = [[turn.button(f"meetings.notice.kind.{k}", f"kind:{k}")] for k in NOTICE_KINDS]
        turn.reply(turn.t("meetings.notice.ask_kind"), [*rows, cancel])
    elif step in NOTICE_QUESTIONS:
        turn.reply(turn.t(NOTICE_QUESTIONS[step]), [cancel])
    elif step is StaffMeetingStep.NOTICE_AUDIENCE:
        rows = [
            [
                turn.button(
                    a.label_key,
                    f"audience:{key}",
                    count=len(a.recipients(turn.session, slug(turn))),
                )
            ]
            for key, a in AUDIENCES.items()
        ]
        turn.reply(turn.t("meetings.ask.audience"), [*rows, cancel])
    else:
        name = service.municipality_of(turn.session, slug(turn)).name
        turn.reply(
            service.notice_text(turn.lang, notice["kind"], notice["title"], notice["body"], name)
        )
        count = len(service.audience_recipients(turn.session, notice["audience"], slug(turn)))
        ask_to_send(turn, notice["audience"], count, [cancel])


async def on_event(turn: Turn, event: Event, value: str | None) -> None:
    """Take an answer at a notice step; a good one moves to the next step (`NOTICE_STEPS`)."""
    step = StaffMeetingStep(turn.step)
    notice = dict(turn.data.get("notice") or {})
    text = (event.text or "").strip()
    following = NOTICE_STEPS[min(NOTICE_STEPS.index(step) + 1, len(NOTICE_STEPS) - 1)]
    if value == "discard":
        # Asks »Er du sikker?« first (issue 12); `discard` throws the draft away on »Ja«.
        discard.ask(turn)
        return
    if (
        step is StaffMeetingStep.NOTICE_KIND
        and value
        and value.removeprefix("kind:") in NOTICE_KINDS
    ):
        notice["kind"] = value.removeprefix("kind:")
        step = following
    elif step is StaffMeetingStep.NOTICE_TITLE and value is None and 3 <= len(text) <= 200:
        notice["title"] = text
        step = following
    elif step is StaffMeetingStep.NOTICE_BODY and value is None and 1 <= len(text) <= 3500:
        notice["body"] = text
        step = following
    elif (
        step is StaffMeetingStep.NOTICE_AUDIENCE
        and value
        and value.removeprefix("audience:") in AUDIENCES
    ):
        notice["audience"] = value.removeprefix("audience:")
        step = following
    elif step is StaffMeetingStep.NOTICE_PREVIEW and value == "send":
        await _send(turn, notice)
        return
    elif step in NOTICE_ERRORS and value is None:
        turn.say(NOTICE_ERRORS[step])
    turn.remember(notice=notice)
    turn.goto(JOURNEY, step)
    show(turn)


async def _send(turn: Turn, notice: dict[str, str]) -> None:
    try:
        broadcast, created = service.send_notice(
            turn.session,
            turn.user.telegram_id,
            key=notice["key"],
            municipality=slug(turn),
            kind=notice["kind"],
            title=notice["title"],
            body=notice["body"],
            audience=notice["audience"],
            now=turn.services.clock(),
        )
    except NotStaffError:
        await refuse(turn)
        return
    if created:
        turn.reply(turn.tn("meetings.notice.sent", broadcast.total, count=broadcast.total))
    else:
        turn.say("meetings.staff.already_sent", count=broadcast.total, link="")
    turn.done("meetings.staff.already_sent")
    show_home(turn)
