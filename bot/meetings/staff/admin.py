"""One meeting as staff see it: the answers so far, the questions, the attendee list as CSV,
changing it (the "e:" steps, one field at a time, sent as one change) and cancelling it.

Every service call checks again that the user is staff of the meeting's municipality.
"""

from __future__ import annotations

import html
from typing import Any

from bot.core.events import Event
from bot.core.replies import OutgoingDocument
from bot.core.turn import Turn
from bot.meetings import service
from bot.meetings.fields import Typed, check, iso, parse_field, parse_iso, with_moved_end
from bot.meetings.kinds import worded
from bot.meetings.staff.common import meeting_link, show_home, slug, zone
from bot.meetings.staff.fields import ask_which_instant, chosen_instant
from bot.meetings.staff.steps import EDIT_STEPS, EDITED_FIELD, JOURNEY, StaffMeetingStep
from bot.meetings.times import AmbiguousTime, format_local, short_pattern
from bot.staff.access import NotStaffError
from bot.staff.audit import Channel
from bot.validation.errors import InvalidInput
from bot.zones import zone_name


def show(turn: Turn) -> None:
    """Show the meeting, the cancel question, or the change screen, as the step says."""
    meeting_id = int(turn.data.get("meeting_id") or 0)
    try:
        meeting = service.staff_meeting(turn.session, turn.user.telegram_id, meeting_id)
        counts = service.summary(turn.session, turn.user.telegram_id, meeting_id)
    except NotStaffError:
        turn.say("meetings.staff.denied")
        show_home(turn)
        return
    view = service.view_of(turn.session, meeting)
    step = StaffMeetingStep(turn.step)
    if step is StaffMeetingStep.CANCEL:
        turn.reply(
            turn.t("meetings.staff.confirm_cancel", title=html.escape(meeting.title, quote=False)),
            [
                [turn.button("meetings.staff.cancel_yes", "cancel_yes")],
                [turn.button(worded("meetings.staff.cancel_no", meeting.kind), "back")],
            ],
        )
        return
    if step is StaffMeetingStep.EDIT_PICK or step in EDITED_FIELD:
        _show_edit(turn, meeting)
        return
    turn.goto(
        JOURNEY, StaffMeetingStep.MEETING, {"municipality": slug(turn), "meeting_id": meeting_id}
    )
    text = turn.t(
        "meetings.staff.meeting",
        title=html.escape(meeting.title, quote=False),
        when=format_local(
            view.starts_at, view.timezone, turn.lang, turn.t("meetings.format.start")
        ),
        status=turn.t(f"meetings.staff.status.{meeting.state(turn.services.clock())}"),
        coming=counts.coming,
        capacity=meeting.capacity if meeting.capacity is not None else "–",
        waitlist=counts.waitlist,
        maybe=counts.maybe,
        not_coming=counts.not_coming,
        no_answer=counts.no_answer,
        questions=counts.questions,
        link=meeting_link(turn, meeting.id),
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
                turn.button(worded("meetings.staff.edit", meeting.kind), "edit"),
                turn.button(worded("meetings.staff.cancel_meeting", meeting.kind), "cancel"),
            ]
        )
    rows.append([turn.button("meetings.staff.back", "home")])
    turn.reply(text, rows)


def _show_edit(turn: Turn, meeting: Any) -> None:
    step = StaffMeetingStep(turn.step)
    changes = dict(turn.data.get("changes") or {})
    if step is StaffMeetingStep.EDIT_PICK:
        rows = [[turn.button(f"meetings.field.{f}", f"edit:{f}")] for f in service.EDITABLE]
        if changes:
            rows.append([turn.button("meetings.staff.send_change", "send_change")])
        rows.append([turn.button("meetings.staff.back", "back")])
        summary = ", ".join(turn.t(f"meetings.field.{f}") for f in changes) or "–"
        turn.reply(turn.t("meetings.staff.edit_pick", changes=summary), rows)
        return
    field = EDITED_FIELD[step]
    municipality = service.municipality_of(turn.session, meeting.municipality_slug)
    params: dict[str, object] = {"zone": zone_name(municipality.timezone, turn.lang)}
    if field == "ends_at":
        start = parse_iso(changes.get("starts_at") or iso(meeting.starts_at))
        params["start"] = format_local(
            start, municipality.timezone, turn.lang, short_pattern(turn.lang)
        )
    turn.reply(
        turn.t(worded(f"meetings.ask.{field}", meeting.kind), **params),
        [[turn.button("meetings.staff.back", "back_to_pick")]],
    )


async def on_event(turn: Turn, event: Event, value: str | None) -> None:
    """A button on the meeting (questions, CSV, change, cancel) or an answer while changing it."""
    meeting_id = int(turn.data.get("meeting_id") or 0)
    staff_id = turn.user.telegram_id
    now = turn.services.clock()
    try:
        meeting = service.staff_meeting(turn.session, staff_id, meeting_id)
    except NotStaffError:
        turn.say("meetings.staff.denied")
        show_home(turn)
        return
    step = StaffMeetingStep(turn.step)
    if value == "home":
        show_home(turn)
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
        show(turn)
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
        show(turn)
    elif value == "cancel" and meeting.status == "active":
        turn.goto(JOURNEY, StaffMeetingStep.CANCEL)
        show(turn)
    elif value == "cancel_yes" and step is StaffMeetingStep.CANCEL:
        broadcast = service.cancel_meeting(
            turn.session, staff_id, meeting_id, now, channel=Channel.CHAT
        )
        turn.say_n(
            worded("meetings.staff.cancelled", meeting.kind), broadcast.total, count=broadcast.total
        )
        turn.done(worded("meetings.staff.already_cancelled", meeting.kind))
        turn.goto(JOURNEY, StaffMeetingStep.MEETING)
        show(turn)
    elif value == "edit" and meeting.status == "active":
        turn.goto(JOURNEY, StaffMeetingStep.EDIT_PICK, {**turn.data, "changes": {}})
        show(turn)
    elif step is StaffMeetingStep.EDIT_PICK or step in EDITED_FIELD:
        await _edit_event(turn, event, value, meeting)
    else:
        turn.goto(JOURNEY, StaffMeetingStep.MEETING)
        show(turn)


async def _edit_event(turn: Turn, event: Event, value: str | None, meeting: Any) -> None:
    step = StaffMeetingStep(turn.step)
    field = EDITED_FIELD.get(step)
    changes = dict(turn.data.get("changes") or {})
    picking = step is StaffMeetingStep.EDIT_PICK
    if value == "back":
        turn.goto(JOURNEY, StaffMeetingStep.MEETING)
    elif value == "back_to_pick":
        turn.goto(JOURNEY, StaffMeetingStep.EDIT_PICK)
    elif picking and value and value.removeprefix("edit:") in EDIT_STEPS:
        turn.goto(JOURNEY, EDIT_STEPS[value.removeprefix("edit:")])
    elif picking and value == "send_change":
        parsed = {
            name: parse_iso(v) if name in ("starts_at", "ends_at") else v
            for name, v in changes.items()
        }
        broadcast = service.change_meeting(
            turn.session,
            turn.user.telegram_id,
            meeting.id,
            parsed,
            turn.services.clock(),
            channel=Channel.CHAT,
        )
        if broadcast is None:
            turn.say("meetings.staff.nothing_changed")
        else:
            turn.say_n("meetings.staff.change_sent", broadcast.total, count=broadcast.total)
            turn.done("meetings.staff.change_already_sent")
        turn.goto(JOURNEY, StaffMeetingStep.MEETING, {**turn.data, "changes": {}})
    elif field is not None and ((value is None and event.text) or chosen_instant(turn, value)):
        current = {
            "starts_at": iso(meeting.starts_at),
            "ends_at": iso(meeting.ends_at),
            "rsvp_deadline": iso(meeting.rsvp_deadline),
            **changes,
        }
        now = turn.services.clock()
        picked = chosen_instant(turn, value) if value is not None else None
        try:
            if picked is not None:
                parsed_value = check(field, picked, current, now)
            else:
                typed = Typed(zone(turn), now, current)
                parsed_value = parse_field(field, event.text or "", typed)
        except AmbiguousTime as unclear:
            ask_which_instant(turn, unclear, zone(turn), back="back_to_pick")
            return
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **error.params))
            show(turn)
            return
        _change(turn, meeting, field, parsed_value, changes)
    show(turn)


def _change(
    turn: Turn, meeting: Any, field: str, parsed_value: Any, changes: dict[str, Any]
) -> None:
    """Record one changed field (the end moves with a moved start) and go back to the list."""
    current = {"starts_at": iso(meeting.starts_at), "ends_at": iso(meeting.ends_at), **changes}
    # A moved meeting keeps its length: the end moves with the start (`with_moved_end`).
    changes.update(with_moved_end(field, parsed_value, current))
    if field == "starts_at" and parse_iso(parsed_value) <= meeting.rsvp_deadline:
        turn.say(worded("meetings.staff.deadline_note", meeting.kind))
    turn.remember(changes=changes, unclear=None)
    turn.goto(JOURNEY, StaffMeetingStep.EDIT_PICK)
