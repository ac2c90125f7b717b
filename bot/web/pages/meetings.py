"""Møder: the municipality's meetings, one meeting's answers and questions, the attendee CSV,
the RSVP chart, and creating, changing and cancelling a meeting.

Every field is read by `bot.meetings.fields` and every change made by `bot.meetings.service`,
exactly as the chat wizard does: times typed in the municipality's zone, the end after the start,
the deadline before the start. A new meeting is shown as its invitation first (the preview) and
sent only on confirmation; the page then follows the send-out (`broadcasts.detail`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import t
from bot.meetings import service
from bot.meetings.audiences import AUDIENCES
from bot.meetings.fields import (
    Typed,
    dst_question,
    iso,
    parse_field_or_pick,
    parse_iso,
    with_moved_end,
)
from bot.meetings.kinds import DIALOGUE, KINDS, kind_of, worded
from bot.meetings.models import Meeting
from bot.meetings.render import details
from bot.meetings.times import AmbiguousTime, default_deadline, format_local
from bot.staff.audit import Channel, entries_for, who
from bot.validation.errors import InvalidInput
from bot.web.charts import line_chart_svg
from bot.web.common import in_db, language, redirect, render, require_municipality, services_of
from bot.web.pages.shared import local, path_id, plain, serve, zone_of
from bot.zones import zone_name

#: The form's text fields, in the order the wizard asks them (`bot.meetings.staff.steps`).
TEXT_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "place",
    "address",
    "agenda",
    "capacity",
    "per_association",
    "rsvp_deadline",
)
#: Fields a published meeting may change (`service.EDITABLE`).
EDIT_FIELDS = service.EDITABLE
#: Fields that hold a time, which may fall in a DST change: the form then asks which instant
#: is meant, in a field ``<name>_instant`` (the chosen instant, UTC ISO).
TIME_FIELDS = ("starts_at", "ends_at", "rsvp_deadline")
STATUS_ORDER = ("confirmed", "waitlist", "maybe", "no")


def meeting_row(
    session: Session, staff_id: int, meeting: Meeting, zone: str, lang: str, now: datetime
) -> dict[str, Any]:
    """A meeting as the lists show it: start local to `zone`, state (active, past, cancelled;
    `now` UTC) and its confirmed and waitlist counts (`service.summary`)."""
    counts = service.summary(session, staff_id, meeting.id)
    return {
        "id": meeting.id,
        "title": meeting.title,
        "kind": kind_of(meeting.kind).key,
        "starts": local(meeting.starts_at, zone, lang),
        "status": meeting.state(now),
        "coming": counts.coming,
        "waitlist": counts.waitlist,
        "capacity": meeting.capacity,
    }


def upcoming_rows(
    session: Session, staff_id: int, slug: str, zone: str, lang: str, now: datetime, limit: int
) -> list[dict[str, Any]]:
    """The next `limit` meetings of `slug` that are not cancelled and have not ended (`now`
    UTC), soonest first, as `meeting_row`s. Raises `NotStaffError` unless staff there."""
    coming = [
        meeting
        for meeting in service.meetings_of(session, staff_id, slug)
        if meeting.status != "cancelled" and meeting.ends_at > now
    ]
    coming.sort(key=lambda meeting: (meeting.starts_at, meeting.id))
    return [meeting_row(session, staff_id, m, zone, lang, now) for m in coming[:limit]]


async def index(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    lang = language(request)
    zone = zone_of(request, slug)
    now = services_of(request).clock()

    def load(session: Session) -> list[dict[str, Any]]:
        return [
            meeting_row(session, tid, meeting, zone, lang, now)
            for meeting in service.meetings_of(session, tid, slug)
        ]

    rows = await serve(request, load)
    return render(request, "meeting_list.html", {"slug": slug, "rows": rows})


async def detail(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    meeting_id = path_id(request, "meeting_id")
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> dict[str, Any] | None:
        meeting = service.staff_meeting(session, tid, meeting_id)
        if meeting.municipality_slug != slug:
            return None
        answers = service.answers(session, tid, meeting_id)
        lists: dict[str, list[dict[str, str]]] = {status: [] for status in STATUS_ORDER}
        for answer in answers:
            lists.setdefault(answer.status, []).append(
                {
                    "name": answer.name,
                    "association": answer.association,
                    "when": local(answer.answered_at, zone, lang),
                }
            )
        log = entries_for(session, slug, service.AUDIT_KIND, meeting.id)
        names = who(session, log)
        timeline = [
            {"day": day.isoformat(), "yes": yes, "maybe": maybe, "no": no}
            for day, yes, maybe, no in service.rsvp_timeline(session, tid, meeting_id)
        ]
        return {
            "meeting": {
                "id": meeting.id,
                "title": meeting.title,
                "kind": kind_of(meeting.kind).key,
                "status": meeting.status,
                "starts": local(meeting.starts_at, zone, lang),
                "ends": local(meeting.ends_at, zone, lang),
                "deadline": local(meeting.rsvp_deadline, zone, lang),
                "place": meeting.place,
                "address": meeting.address,
                "capacity": meeting.capacity,
                "audience": meeting.audience,
            },
            "summary": service.summary(session, tid, meeting_id),
            "lists": lists,
            "questions": service.questions(session, tid, meeting_id),
            "timeline": timeline,
            "audit": [
                {
                    "at": local(entry.at, zone, lang),
                    "who": names.get(entry.actor_telegram_id),
                    "action": entry.action,
                    "channel": entry.channel,
                }
                for entry in log
            ],
        }

    data = await serve(request, load)
    return render(request, "meeting.html", {**data, "slug": slug, "statuses": list(STATUS_ORDER)})


async def attendees(request: Request) -> Response:
    """The attendee list as CSV for Excel (the same file the chat sends)."""
    tid, slug = await require_municipality(request)
    meeting_id = path_id(request, "meeting_id")
    lang = language(request)

    def load(session: Session) -> bytes | None:
        meeting = service.staff_meeting(session, tid, meeting_id)
        if meeting.municipality_slug != slug:
            return None
        return service.attendee_csv(session, tid, meeting_id, lang)

    body = await serve(request, load)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="deltagere-{meeting_id}.csv"'},
    )


async def rsvp_chart(request: Request) -> Response:
    """Answers over time (running totals of yes, maybe, no), as SVG; 404 before the first
    answer (the page says so instead of showing an empty chart)."""
    tid, slug = await require_municipality(request)
    meeting_id = path_id(request, "meeting_id")
    lang = language(request)

    def load(session: Session) -> list[tuple[Any, int, int, int]] | None:
        meeting = service.staff_meeting(session, tid, meeting_id)
        if meeting.municipality_slug != slug:
            return None
        return service.rsvp_timeline(session, tid, meeting_id)

    timeline = await serve(request, load)
    if not timeline:
        raise HTTPException(404)  # nothing to draw: the page says nobody has answered yet

    def draw() -> bytes:
        days = [day.strftime("%d.%m") for day, *_ in timeline]
        return line_chart_svg(
            days,
            [
                (t(lang, "web.meetings.answer.yes"), [row[1] for row in timeline]),
                (t(lang, "web.meetings.answer.maybe"), [row[2] for row in timeline]),
                (t(lang, "web.meetings.answer.no"), [row[3] for row in timeline]),
            ],
            title=t(lang, "web.meetings.chart_title"),
            unit=t(lang, "web.meetings.chart_unit"),
        )

    return Response(await run_in_threadpool(draw), media_type="image/svg+xml")


# --- creating a meeting ---------------------------------------------------------------------------
@dataclass
class MeetingForm:
    """What the form sent (text as typed), the draft read from it, and what to correct."""

    texts: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: Time fields in a DST change: the question and its choices (`dst_choice`).
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)


def _error_text(lang: str, problem: InvalidInput) -> str:
    return t(lang, problem.key, **problem.params)


def dst_choice(unclear: AmbiguousTime, zone: str, lang: str) -> dict[str, Any]:
    """The chat's question about a time in a DST change (`dst_question`) with its answers as
    (instant in UTC ISO, label): the shifted time for the spring gap, »kl. 02.30 sommertid« and
    »kl. 02.30 vintertid« for the repeated hour in October."""
    key, params = dst_question(unclear, zone, lang)
    if unclear.key == "meetings.dst.gap":
        [shifted] = unclear.choices
        when = params["when_shift"]  # as the question says it
        options = [(iso(shifted), t(lang, "meetings.dst.use_shifted", when=when))]
    else:
        first, second = unclear.choices
        options = [
            (iso(first), t(lang, "web.meetings.dst.summer", time=_clock(first, zone, lang))),
            (iso(second), t(lang, "web.meetings.dst.winter", time=_clock(second, zone, lang))),
        ]
    return {"text": t(lang, key, **params), "options": options}


def _clock(moment: Any, zone: str, lang: str) -> str:
    return format_local(moment, zone, lang, "HH:mm" if lang == "en" else "HH.mm")


def read_form(texts: dict[str, str], zone: str, now: Any, lang: str) -> MeetingForm:
    """Every field of the form read as the wizard reads it (`bot.meetings.fields`), in the
    wizard's order so the end and the deadline are checked against the start."""
    form = MeetingForm(texts)
    kind_key = texts.get("kind") or DIALOGUE
    if kind_key not in KINDS:
        form.errors["kind"] = t(lang, "web.meetings.pick_kind")
        kind_key = DIALOGUE
    kind = KINDS[kind_key]
    form.values["kind"] = kind_key
    for name in TEXT_FIELDS:
        text = texts.get(name, "").strip()
        if name == "per_association" and not kind.per_association:
            form.values[name] = None
            continue
        if name in ("capacity", "per_association") and not text:
            text = "-"  # an empty limit is no limit
        if name == "rsvp_deadline" and not text and "starts_at" in form.values:
            form.values[name] = default_deadline(parse_iso(form.values["starts_at"]), zone)
            continue
        if name in ("ends_at", "rsvp_deadline") and "starts_at" not in form.values:
            continue  # the start's own error says what to fix first
        picked = texts.get(f"{name}_instant")
        try:
            value = parse_field_or_pick(name, text, Typed(zone, now, form.values), picked)
        except AmbiguousTime as unclear:
            form.questions[name] = dst_choice(unclear, zone, lang)
            continue
        except InvalidInput as problem:
            form.errors[name] = _error_text(lang, problem)
            continue
        form.values[name] = value
    for name in ("starts_at", "ends_at", "rsvp_deadline"):
        if isinstance(form.values.get(name), str):
            form.values[name] = parse_iso(form.values[name])
    audience = texts.get("audience") or kind.audience
    if audience not in AUDIENCES:
        form.errors["audience"] = t(lang, "web.meetings.pick_audience")
    form.values["audience"] = audience
    form.values["questions_enabled"] = kind.questions and texts.get("questions_enabled") == "1"
    return form


def _draft(form: MeetingForm, slug: str, key: str) -> service.Draft:
    v = form.values
    return service.Draft(
        key=key,
        municipality=slug,
        title=v["title"],
        starts_at=v["starts_at"],
        ends_at=v["ends_at"],
        place=v["place"],
        address=v["address"],
        agenda=v["agenda"],
        capacity=v["capacity"],
        per_association=v["per_association"],
        rsvp_deadline=v["rsvp_deadline"],
        audience=v["audience"],
        questions_enabled=v["questions_enabled"],
        kind=v["kind"],
    )


def _choices(request: Request, slug: str) -> dict[str, Any]:
    """What the new-meeting form offers, and the zone its times are read in as staff say it
    (»dansk tid«, »grønlandsk tid«, as the chat's questions say it)."""
    zone = zone_name(zone_of(request, slug), language(request))
    return {"kinds": list(KINDS), "audiences": list(AUDIENCES), "slug": slug, "zone": zone}


async def new(request: Request) -> Response:
    """The empty form; its draft key makes a double-sent confirmation one meeting."""
    _, slug = await require_municipality(request)
    texts = {"kind": DIALOGUE, "draft_key": "web-" + secrets.token_hex(16)}
    return render(
        request,
        "meeting_form.html",
        {**_choices(request, slug), "texts": texts, "errors": {}, "questions": {}, "counts": {}},
    )


async def create(request: Request) -> Response:
    """Form → preview (the invitation as recipients get it, and how many) → confirm → sent."""
    tid, slug = await require_municipality(request)
    lang = language(request)
    zone = zone_of(request, slug)
    services = services_of(request)
    posted = await request.form()
    texts = {k: str(v) for k, v in posted.items() if isinstance(v, str) and k != "csrftoken"}
    key = texts.get("draft_key", "")
    if not key.startswith("web-") or len(key) != 36:
        texts["draft_key"] = key = "web-" + secrets.token_hex(16)
    now = services.clock()
    form = read_form(texts, zone, now, lang)

    def audience_counts(session: Session) -> dict[str, int]:
        return {name: len(service.audience_recipients(session, name, slug)) for name in AUDIENCES}

    unsure = form.errors or form.questions
    if unsure or texts.get("confirm") == "back":  # "back": the preview's »Ret i mødet«
        texts.pop("confirm", None)
        counts = await in_db(request, audience_counts)
        return render(
            request,
            "meeting_form.html",
            {
                **_choices(request, slug),
                "texts": texts,
                "errors": form.errors,
                "questions": form.questions,
                "counts": counts,
            },
            status_code=400 if form.errors else 200,
        )
    draft = _draft(form, slug, key)
    if texts.get("confirm") != "1":

        def preview(session: Session) -> dict[str, Any]:
            view = service.draft_view(session, draft)
            return {
                "text": plain(details(view, lang)),
                "count": len(service.audience_recipients(session, draft.audience, slug)),
            }

        shown = await serve(request, preview)
        return render(
            request,
            "meeting_preview.html",
            {**shown, "slug": slug, "texts": texts, "audience": draft.audience},
        )

    def publish(session: Session) -> int:
        _, broadcast, _ = service.publish_meeting(session, tid, draft, now, channel=Channel.WEB)
        return broadcast.id

    broadcast_id = await serve(request, publish)
    return redirect(f"/staff/{slug}/broadcasts/{broadcast_id}")


# --- changing and cancelling ----------------------------------------------------------------------
def _edit_texts(meeting: Meeting, zone: str, lang: str) -> dict[str, str]:
    return {
        "title": meeting.title,
        "starts_at": local(meeting.starts_at, zone, lang),
        "ends_at": local(meeting.ends_at, zone, lang),
        "place": meeting.place,
        "address": meeting.address,
        "agenda": meeting.agenda,
    }


async def edit(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    meeting_id = path_id(request, "meeting_id")
    lang = language(request)
    zone = zone_of(request, slug)

    def load(session: Session) -> dict[str, str] | None:
        meeting = service.staff_meeting(session, tid, meeting_id)
        if meeting.municipality_slug != slug or meeting.status != "active":
            return None
        return {**_edit_texts(meeting, zone, lang), "heading": meeting.title}

    texts = await serve(request, load)
    return render(
        request,
        "meeting_edit.html",
        {
            "slug": slug,
            "meeting_id": meeting_id,
            "texts": texts,
            "errors": {},
            "questions": {},
            "note": "",
        },
    )


async def save(request: Request) -> Response:
    """The changed fields, read as the chat reads them, then `service.change_meeting` (which
    tells everyone invited); an unchanged form changes and sends nothing. A moved start moves the
    end with it (`with_moved_end`) unless the end is changed too; a time in a DST change is
    asked about as on the new-meeting form. A start moved to or before the registration
    deadline is not saved at once: the form comes back saying that registration will close when
    the meeting begins (the chat's »meetings.staff.deadline_note«), and the next submit saves."""
    tid, slug = await require_municipality(request)
    meeting_id = path_id(request, "meeting_id")
    lang = language(request)
    zone = zone_of(request, slug)
    posted = await request.form()
    texts = {name: str(posted.get(name) or "") for name in EDIT_FIELDS}
    picks = {name: str(posted.get(f"{name}_instant") or "") for name in TIME_FIELDS}
    now = services_of(request).clock()

    def apply(session: Session) -> Edited | None:
        meeting = service.staff_meeting(session, tid, meeting_id)
        if meeting.municipality_slug != slug or meeting.status != "active":
            return None
        shown = _edit_texts(meeting, zone, lang)
        current: dict[str, Any] = {
            "starts_at": iso(meeting.starts_at),
            "ends_at": iso(meeting.ends_at),
            "rsvp_deadline": iso(meeting.rsvp_deadline),
        }
        edited = Edited(meeting.title)
        changes: dict[str, Any] = {}
        for name in EDIT_FIELDS:
            if texts[name].strip() == shown[name].strip():
                continue
            typed = Typed(zone, now, current)
            try:
                value = parse_field_or_pick(name, texts[name], typed, picks.get(name))
            except AmbiguousTime as unclear:
                edited.questions[name] = dst_choice(unclear, zone, lang)
                continue
            except InvalidInput as problem:
                edited.errors[name] = _error_text(lang, problem)
                continue
            if name in TIME_FIELDS:
                moved = with_moved_end(name, value, current)
                current.update(moved)
                changes.update({key: parse_iso(when) for key, when in moved.items()})
            else:
                changes[name] = value
        if edited.errors or edited.questions:
            return edited
        moved_start = changes.get("starts_at")
        if (
            moved_start is not None
            and moved_start <= meeting.rsvp_deadline
            and posted.get("deadline_seen") != "1"
        ):
            edited.note = t(lang, worded("meetings.staff.deadline_note", meeting.kind))
            return edited
        broadcast = service.change_meeting(
            session, tid, meeting_id, changes, now, channel=Channel.WEB
        )
        edited.broadcast_id = broadcast.id if broadcast else 0
        return edited

    edited = await serve(request, apply)
    if edited.errors or edited.questions or edited.note:
        return render(
            request,
            "meeting_edit.html",
            {
                "slug": slug,
                "meeting_id": meeting_id,
                "texts": {**texts, "heading": edited.title},
                "errors": edited.errors,
                "questions": edited.questions,
                "note": edited.note,
            },
            status_code=400 if edited.errors else 200,
        )
    if not edited.broadcast_id:
        return redirect(f"/staff/{slug}/meetings/{meeting_id}")
    return redirect(f"/staff/{slug}/broadcasts/{edited.broadcast_id}")


@dataclass
class Edited:
    """What saving the edit form came to: what to correct or answer, or the change's send-out
    (0 when nothing changed)."""

    title: str
    errors: dict[str, str] = field(default_factory=dict)
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Said before saving, with the form kept: a moved start closes registration at the start.
    note: str = ""
    broadcast_id: int = 0


async def cancel(request: Request) -> Response:
    """Without ``confirm=1`` a confirmation page; with it the meeting is cancelled and everyone
    invited is told (once, however often it is sent)."""
    tid, slug = await require_municipality(request)
    meeting_id = path_id(request, "meeting_id")
    posted = await request.form()
    now = services_of(request).clock()

    def check(session: Session) -> str | None:
        meeting = service.staff_meeting(session, tid, meeting_id)
        return meeting.title if meeting.municipality_slug == slug else None

    title = await serve(request, check)
    if posted.get("confirm") != "1":
        return render(
            request,
            "meeting_cancel.html",
            {"slug": slug, "meeting_id": meeting_id, "title": title},
        )

    def cancel_it(session: Session) -> int:
        return service.cancel_meeting(session, tid, meeting_id, now, channel=Channel.WEB).id

    broadcast_id = await serve(request, cancel_it)
    return redirect(f"/staff/{slug}/broadcasts/{broadcast_id}")
