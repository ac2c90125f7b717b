"""A notice (news, a consultation, a theme day) to an audience: kind → title → body → audience →
preview → send. The draft lives in the step data under ``notice``; its key makes the send-out
happen once however often "send" is pressed."""

from __future__ import annotations

from bot.core.events import Event
from bot.core.turn import Turn
from bot.meetings import service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.notices import NOTICE_KINDS, read_field
from bot.meetings.staff import discard
from bot.meetings.staff.common import ask_to_send, refuse, show_home, slug
from bot.meetings.staff.steps import JOURNEY, NOTICE_STEPS, StaffMeetingStep
from bot.staff.access import NotStaffError
from bot.staff.audit import Channel
from bot.validation.errors import InvalidInput

__all__ = ["NOTICE_KINDS", "on_event", "show"]

NOTICE_QUESTIONS = {
    StaffMeetingStep.NOTICE_TITLE: "meetings.notice.ask_title",
    StaffMeetingStep.NOTICE_BODY: "meetings.notice.ask_body",
}
#: The typed steps and the notice field each answers (read by `bot.meetings.notices`).
TYPED = {
    StaffMeetingStep.NOTICE_TITLE: "title",
    StaffMeetingStep.NOTICE_BODY: "body",
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
        turn.reply(turn.t("meetings.notice.ask_audience"), [*rows, cancel])
    else:
        name = service.municipality_of(turn.session, slug(turn)).name
        turn.reply(
            service.notice_text(turn.lang, notice["kind"], notice["title"], notice["body"], name)
        )
        count = len(service.audience_recipients(turn.session, notice["audience"], slug(turn)))
        ask_to_send(
            turn, notice["audience"], count, [cancel], preview_key="meetings.staff.notice_preview"
        )


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
    elif step in TYPED and value is None:
        try:
            notice[TYPED[step]] = read_field(TYPED[step], text)
            step = following
        except InvalidInput as problem:
            turn.say(problem.key)
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
            channel=Channel.CHAT,
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
