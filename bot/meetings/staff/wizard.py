"""The meeting wizard: one question at a time, a preview of exactly what recipients get, send.

The draft lives in the step data, so it survives a restart and /cancel keeps it. The next
question is always the first field still missing, which also makes "fix one field" and the
consistency checks (end after start, deadline before start) one mechanism.
"""

from __future__ import annotations

from typing import Any

from bot.core.events import Event
from bot.core.replies import Button
from bot.core.turn import Turn
from bot.meetings import service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.fields import Typed, check, iso, parse_field, parse_iso
from bot.meetings.kinds import DIALOGUE, KINDS, kind_of, worded
from bot.meetings.render import details, rsvp_buttons
from bot.meetings.staff import admin, discard
from bot.meetings.staff.common import (
    ask_to_send,
    meeting_link,
    refuse,
    slug,
    zone,
)
from bot.meetings.staff.fields import ask_which_instant, chosen_instant
from bot.meetings.staff.steps import (
    FIELDS,
    JOURNEY,
    TEXT_FIELDS,
    WIZARD_FIELD,
    WIZARD_STEPS,
    StaffMeetingStep,
)
from bot.meetings.times import AmbiguousTime, default_deadline, format_local, short_pattern
from bot.staff.access import NotStaffError
from bot.staff.audit import Channel
from bot.validation.errors import InvalidInput
from bot.zones import zone_name


def kind_defaults(key: str) -> dict[str, Any]:
    """What choosing the kind `key` puts in the draft: the kind, and the answers its kind never
    asks (a course has no limit per association and no questions to the politicians)."""
    kind = KINDS[key]
    draft: dict[str, Any] = {"kind": key}
    if not kind.per_association:
        draft["per_association"] = None
    if not kind.questions:
        draft["questions_enabled"] = False
    return draft


def _asked(draft: dict[str, Any]) -> list[str]:
    """The fields the draft's kind asks (all of them before the kind is chosen)."""
    kind = KINDS.get(str(draft.get("kind")))
    return [
        f
        for f in FIELDS
        if kind is None
        or (
            (f != "per_association" or kind.per_association)
            and (f != "questions_enabled" or kind.questions)
        )
    ]


def _audiences(draft: dict[str, Any]) -> list[str]:
    """The audiences in the order offered: the kind's default first."""
    default = kind_of(draft.get("kind")).audience
    return sorted(AUDIENCES, key=lambda key: key != default)


def _draft(turn: Turn) -> dict[str, Any]:
    return dict(turn.data.get("draft") or {})


def next_field(turn: Turn, draft: dict[str, Any]) -> None:
    """Go to the first missing field, or to the preview when everything is there."""
    # Consistency first: a moved start may leave the end or the deadline on the wrong side.
    if "starts_at" in draft:
        start = parse_iso(draft["starts_at"])
        if "ends_at" in draft and parse_iso(draft["ends_at"]) <= start:
            draft.pop("ends_at")
            turn.say("meetings.error.end_before_start")
        if "rsvp_deadline" in draft and parse_iso(draft["rsvp_deadline"]) >= start:
            draft.pop("rsvp_deadline")
            turn.say("meetings.error.deadline_after_start")
    turn.remember(draft=draft)
    missing = next((f for f in FIELDS if f not in draft), None)
    turn.goto(JOURNEY, WIZARD_STEPS[missing] if missing else StaffMeetingStep.WIZARD_PREVIEW)
    show(turn)


def show(turn: Turn) -> None:
    """Show the wizard's current step: a question, the preview, or the list of fields to fix."""
    step = StaffMeetingStep(turn.step)
    draft = _draft(turn)
    if step is StaffMeetingStep.WIZARD_PREVIEW:
        _show_preview(turn, draft)
        return
    if step is StaffMeetingStep.WIZARD_FIX:
        rows = [[turn.button(f"meetings.field.{f}", f"fix:{f}")] for f in _asked(draft)]
        rows.append([turn.button("meetings.staff.back_to_preview", "preview")])
        turn.reply(turn.t("meetings.staff.fix"), rows)
        return
    field = WIZARD_FIELD[step]
    rows = []
    params: dict[str, object] = {}
    kind = kind_of(draft.get("kind"))
    question = f"meetings.ask.{field}"
    if field == "kind":
        rows += [[turn.button(f"meetings.kind.{key}", f"kind:{key}")] for key in KINDS]
    elif field == "audience":
        for key in _audiences(draft):
            audience = AUDIENCES[key]
            count = len(audience.recipients(turn.session, slug(turn)))
            rows.append([turn.button(audience.label_key, f"audience:{key}", count=count)])
        if kind.key != DIALOGUE:
            question = "meetings.ask.audience_for_kind"
            params["kind"] = turn.t(f"meetings.kind.{kind.key}")
    elif field == "title" and kind.key != DIALOGUE:
        question = "meetings.ask.title_for_kind"
        params["kind"] = turn.t(f"meetings.kind.{kind.key}")
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
        suggestion = default_deadline(parse_iso(draft["starts_at"]), zone(turn))
        if suggestion > turn.services.clock():
            label = format_local(suggestion, zone(turn), turn.lang, "d/M-y")
            rows.append(
                [turn.button("meetings.ask.deadline_default", "deadline_default", date=label)]
            )
    elif field == "ends_at" and "starts_at" in draft:
        params["start"] = format_local(
            parse_iso(draft["starts_at"]), zone(turn), turn.lang, short_pattern(turn.lang)
        )
    rows.append([turn.button("meetings.staff.discard", "discard")])
    municipality = service.municipality_of(turn.session, slug(turn))
    params.setdefault("zone", zone_name(municipality.timezone, turn.lang))
    turn.reply(turn.t(worded(question, kind.key), **params), rows)


def _to_draft(turn: Turn, draft: dict[str, Any]) -> service.Draft:
    return service.Draft(
        key=str(draft["key"]),
        municipality=slug(turn),
        title=str(draft["title"]),
        starts_at=parse_iso(draft["starts_at"]),
        ends_at=parse_iso(draft["ends_at"]),
        place=str(draft["place"]),
        address=str(draft["address"]),
        agenda=str(draft["agenda"]),
        capacity=draft["capacity"],
        per_association=draft["per_association"],
        rsvp_deadline=parse_iso(draft["rsvp_deadline"]),
        audience=str(draft["audience"]),
        questions_enabled=bool(draft["questions_enabled"]),
        kind=str(draft.get("kind") or DIALOGUE),
    )


def _show_preview(turn: Turn, draft: dict[str, Any]) -> None:
    meeting = _to_draft(turn, draft)
    view = service.draft_view(turn.session, meeting)
    # Exactly what recipients get, buttons included (pressing them here only explains).
    preview_rows = [
        [Button(b["label"], "preview_button") for b in row] for row in rsvp_buttons(0, turn.lang)
    ]
    turn.reply(details(view, turn.lang), preview_rows)
    count = len(service.audience_recipients(turn.session, meeting.audience, meeting.municipality))
    rows = [
        [turn.button("meetings.staff.fix_button", "fix")],
        [turn.button("meetings.staff.discard", "discard")],
    ]
    ask_to_send(turn, meeting.audience, count, rows)


async def on_event(turn: Turn, event: Event, value: str | None) -> None:
    """Take an answer (typed, a button, a DST choice) at any wizard step."""
    step = StaffMeetingStep(turn.step)
    draft = _draft(turn)
    if value == "discard":
        # Asks »Er du sikker?« first (issue 12); `discard` throws the draft away on »Ja«.
        discard.ask(turn)
        return
    if value == "preview_button":
        turn.say("meetings.staff.preview_only")
        return
    if step is StaffMeetingStep.WIZARD_PREVIEW:
        if value == "send":
            await _publish(turn, draft)
        elif value == "fix":
            turn.goto(JOURNEY, StaffMeetingStep.WIZARD_FIX)
            show(turn)
        else:
            show(turn)
        return
    if step is StaffMeetingStep.WIZARD_FIX:
        chosen = (value or "").removeprefix("fix:")
        if chosen in _asked(draft):
            draft.pop(chosen, None)
            if chosen == "kind":  # the new kind decides again what it asks
                draft.pop("per_association", None)
                draft.pop("questions_enabled", None)
            turn.remember(draft=draft)
            turn.goto(JOURNEY, WIZARD_STEPS[chosen])
        else:
            turn.goto(JOURNEY, StaffMeetingStep.WIZARD_PREVIEW)
        show(turn)
        return
    field = WIZARD_FIELD[step]
    answer: Any
    if field == "kind" and value and value.removeprefix("kind:") in KINDS:
        draft.update(kind_defaults(value.removeprefix("kind:")))
        turn.remember(unclear=None)
        next_field(turn, draft)
        return
    if field == "audience" and value and value.removeprefix("audience:") in AUDIENCES:
        answer = value.removeprefix("audience:")
    elif field == "questions_enabled" and value in ("questions:on", "questions:off"):
        answer = value == "questions:on"
    elif value == "no_limit" and field in ("capacity", "per_association"):
        answer = None
    elif value == "no_agenda" and field == "agenda":
        answer = ""
    elif value == "deadline_default" and field == "rsvp_deadline" and "starts_at" in draft:
        answer = iso(default_deadline(parse_iso(draft["starts_at"]), zone(turn)))
    elif field in TEXT_FIELDS and value is None and event.text:
        try:
            answer = parse_field(field, event.text, Typed(zone(turn), turn.services.clock(), draft))
        except AmbiguousTime as unclear:
            ask_which_instant(turn, unclear, zone(turn), back="dst:retype")
            return
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **error.params))
            show(turn)
            return
    elif (picked := chosen_instant(turn, value)) is not None and field in TEXT_FIELDS:
        try:
            answer = check(field, picked, draft, turn.services.clock())
        except InvalidInput as error:
            turn.reply(turn.t(error.key, **error.params))
            show(turn)
            return
    else:
        show(turn)
        return
    draft[field] = answer
    turn.remember(unclear=None)
    next_field(turn, draft)


async def _publish(turn: Turn, draft: dict[str, Any]) -> None:
    try:
        meeting, broadcast, created = service.publish_meeting(
            turn.session,
            turn.user.telegram_id,
            _to_draft(turn, draft),
            turn.services.clock(),
            channel=Channel.CHAT,
        )
    except NotStaffError:
        await refuse(turn)
        return
    if created:
        turn.say_n(
            "meetings.staff.sent",
            broadcast.total,
            count=broadcast.total,
            link=meeting_link(turn, meeting.id),
        )
    else:
        turn.say("meetings.staff.already_sent")
    turn.done("meetings.staff.already_sent")
    turn.goto(
        JOURNEY, StaffMeetingStep.MEETING, {"municipality": slug(turn), "meeting_id": meeting.id}
    )
    admin.show(turn)
