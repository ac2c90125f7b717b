"""Meetings as staff run them: publish, change, cancel, remind, and what they see of the answers.

Every staff function checks that the caller is staff of the meeting's municipality before it
reads or changes anything (`NotStaffError` otherwise): ids arrive in button payloads, which are user
input. Send-outs go through `bot.delivery.outbox.create_broadcast`, whose key makes each one
happen once however often it is asked for.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.delivery.models import Broadcast
from bot.delivery.outbox import Message, create_broadcast
from bot.i18n import t
from bot.meetings import notices
from bot.meetings.audiences import AUDIENCES, Recipient
from bot.meetings.kinds import DIALOGUE, worded
from bot.meetings.models import Invitation, Meeting, Rsvp
from bot.meetings.notices import NOTICE_FIELDS, read_field
from bot.meetings.reminders import reminder_key
from bot.meetings.render import MeetingView, details, rsvp_buttons
from bot.meetings.times import format_local
from bot.staff import audit
from bot.staff.access import NotStaffError, require_staff
from bot.staff.audit import Channel
from bot.store.models import Municipality, User

#: Fields of a meeting staff set in the wizard and may change later.
EDITABLE = ("title", "starts_at", "ends_at", "place", "address", "agenda")


@dataclass(frozen=True)
class Draft:
    """A meeting as the wizard collected it (times in UTC)."""

    key: str
    municipality: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    address: str
    agenda: str
    capacity: int | None
    per_association: int | None
    rsvp_deadline: datetime
    audience: str
    questions_enabled: bool
    #: A key of `bot.meetings.kinds.KINDS`.
    kind: str = DIALOGUE


def municipality_of(session: Session, slug: str) -> Municipality:
    row = session.get(Municipality, slug)
    if row is None:
        raise LookupError(slug)
    return row


def view_of(session: Session, meeting: Meeting) -> MeetingView:
    municipality = municipality_of(session, meeting.municipality_slug)
    return MeetingView(
        meeting.id,
        meeting.title,
        municipality.name,
        municipality.timezone,
        meeting.starts_at,
        meeting.ends_at,
        meeting.place,
        meeting.address,
        meeting.agenda,
        meeting.capacity,
        meeting.per_association,
        meeting.rsvp_deadline,
        meeting.questions_enabled,
        meeting.kind or DIALOGUE,
    )


def draft_view(session: Session, draft: Draft) -> MeetingView:
    municipality = municipality_of(session, draft.municipality)
    return MeetingView(
        None,
        draft.title,
        municipality.name,
        municipality.timezone,
        draft.starts_at,
        draft.ends_at,
        draft.place,
        draft.address,
        draft.agenda,
        draft.capacity,
        draft.per_association,
        draft.rsvp_deadline,
        draft.questions_enabled,
        draft.kind,
    )


def audience_recipients(session: Session, audience: str, municipality: str) -> list[Recipient]:
    chosen = AUDIENCES.get(audience)
    return chosen.recipients(session, municipality) if chosen is not None else []


def staff_meeting(session: Session, staff_id: int, meeting_id: int) -> Meeting:
    """The meeting, if `staff_id` is staff of its municipality; `NotStaffError` for anything else
    (a missing id looks the same as someone else's, so payloads cannot probe)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotStaffError(f"no meeting {meeting_id}")
    require_staff(session, staff_id, meeting.municipality_slug)
    return meeting


def _messages(recipients: Iterable[Recipient], render: Any, buttons: Any = None) -> list[Message]:
    """One message per recipient in their language (each language rendered once)."""
    texts: dict[str, str] = {}
    rows: dict[str, list[list[dict[str, str]]]] = {}
    messages = []
    for recipient in recipients:
        language = recipient.language if recipient.language in ("da", "en") else "da"
        if language not in texts:
            texts[language] = render(language)
            rows[language] = buttons(language) if buttons else []
        messages.append(Message(recipient.telegram_id, texts[language], rows[language]))
    return messages


# --- staff: publish, change, cancel --------------------------------------------------------------
#: `AuditEntry.subject_kind` of a meeting: creating, changing and cancelling one are audited like
#: a grant decision, from chat and web alike (issue 13).
AUDIT_KIND = "meeting"


def _audit(
    session: Session, meeting: Meeting, staff_id: int, action: str, channel: Channel, now: datetime
) -> None:
    session.flush()
    audit.record(
        session,
        actor=staff_id,
        municipality=meeting.municipality_slug,
        subject_kind=AUDIT_KIND,
        subject_id=meeting.id,
        action=action,
        channel=channel,
        now=now,
        detail={"title": meeting.title},
    )


def publish_meeting(
    session: Session, staff_id: int, draft: Draft, now: datetime, *, channel: Channel
) -> tuple[Meeting, Broadcast, bool]:
    """Create the meeting and queue its invitation (`now` UTC); a second call with the same draft
    returns what the first made (created=False), sends nothing and audits nothing. Raises
    `NotStaffError` unless `staff_id` is staff of the draft's municipality."""
    require_staff(session, staff_id, draft.municipality)
    existing = session.scalars(select(Meeting).where(Meeting.draft_key == draft.key)).first()
    if existing is not None:
        broadcast = session.scalars(
            select(Broadcast).where(Broadcast.key == f"meeting:{existing.id}:invite")
        ).one()
        return existing, broadcast, False
    meeting = Meeting(
        municipality_slug=draft.municipality,
        draft_key=draft.key,
        kind=draft.kind,
        title=draft.title,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=draft.place,
        address=draft.address,
        agenda=draft.agenda,
        capacity=draft.capacity,
        per_association=draft.per_association,
        rsvp_deadline=draft.rsvp_deadline,
        audience=draft.audience,
        questions_enabled=draft.questions_enabled,
        reminder_days=[7, 1],
        created_by=staff_id,
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    session.flush()
    recipients = audience_recipients(session, draft.audience, draft.municipality)
    invite(session, meeting, recipients, now)
    view = view_of(session, meeting)
    broadcast, _ = create_broadcast(
        session,
        key=f"meeting:{meeting.id}:invite",
        kind="invitation",
        title=meeting.title,
        messages=_messages(
            recipients,
            lambda lang: details(view, lang),
            lambda lang: rsvp_buttons(meeting.id, lang),
        ),
        municipality_slug=meeting.municipality_slug,
        created_by=staff_id,
        now=now,
    )
    _audit(session, meeting, staff_id, "meeting_created", channel, now)
    return meeting, broadcast, True


def invite(
    session: Session, meeting: Meeting, recipients: Sequence[Recipient], now: datetime
) -> None:
    already = set(
        session.scalars(select(Invitation.user_id).where(Invitation.meeting_id == meeting.id))
    )
    rows = [
        {"meeting_id": meeting.id, "user_id": r.user_id, "source": "broadcast", "created_at": now}
        for r in recipients
        if r.user_id not in already
    ]
    for start in range(0, len(rows), 2000):
        session.execute(insert(Invitation), rows[start : start + 2000])


def invited(session: Session, meeting: Meeting) -> list[Recipient]:
    """Everyone the meeting reached (sent to, opened its link, or answered), not blocked."""
    rows = session.execute(
        select(User.id, User.telegram_id, User.language)
        .where(
            User.blocked_bot.is_(False),
            User.id.in_(select(Invitation.user_id).where(Invitation.meeting_id == meeting.id))
            | User.id.in_(select(Rsvp.user_id).where(Rsvp.meeting_id == meeting.id)),
        )
        .order_by(User.id)
    ).all()
    return [Recipient(uid, tid, lang or "da") for uid, tid, lang in rows]


def change_meeting(
    session: Session,
    staff_id: int,
    meeting_id: int,
    changes: dict[str, Any],
    now: datetime,
    *,
    channel: Channel,
) -> Broadcast | None:
    """Apply `changes` (EDITABLE fields), bump the version, tell everyone invited and audit it.

    None when nothing actually changed (nothing is sent or audited then).
    """
    meeting = staff_meeting(session, staff_id, meeting_id)
    if meeting.status != "active":
        return None
    changed = False
    for name, value in changes.items():
        if name in EDITABLE and getattr(meeting, name) != value:
            setattr(meeting, name, value)
            changed = True
    if not changed:
        return None
    meeting.version += 1
    meeting.updated_at = now
    view = view_of(session, meeting)
    broadcast, _ = create_broadcast(
        session,
        key=f"meeting:{meeting.id}:v{meeting.version}:change",
        kind="change",
        title=meeting.title,
        messages=_messages(
            invited(session, meeting),
            lambda lang: details(view, lang, heading=worded("meetings.change.heading", view.kind)),
            lambda lang: rsvp_buttons(meeting.id, lang),
        ),
        municipality_slug=meeting.municipality_slug,
        created_by=staff_id,
        now=now,
    )
    _audit(session, meeting, staff_id, "meeting_changed", channel, now)
    return broadcast


def cancel_meeting(
    session: Session, staff_id: int, meeting_id: int, now: datetime, *, channel: Channel
) -> Broadcast:
    """Cancel and tell everyone invited; cancelling twice sends once and audits once."""
    meeting = staff_meeting(session, staff_id, meeting_id)
    if meeting.status != "cancelled":
        _audit(session, meeting, staff_id, "meeting_cancelled", channel, now)
    meeting.status = "cancelled"
    meeting.updated_at = now
    view = view_of(session, meeting)

    def render(language: str) -> str:
        return t(
            language,
            worded("meetings.cancel.text", view.kind),
            title=html.escape(view.title, quote=False),
            when=format_local(
                view.starts_at, view.timezone, language, t(language, "meetings.format.start")
            ),
        )

    broadcast, _ = create_broadcast(
        session,
        key=f"meeting:{meeting.id}:cancel",
        kind="cancellation",
        title=meeting.title,
        messages=_messages(invited(session, meeting), render),
        municipality_slug=meeting.municipality_slug,
        created_by=staff_id,
        now=now,
    )
    return broadcast


# --- reminders (run by the scheduler) ------------------------------------------------------------
#: Outbox row kind of a reminder (subject: the meeting's id), checked again when it is sent
#: (`bot.meetings.send_checks`).
REMINDER_KIND = "meetings:reminder"


def reminder_applies(
    meeting: Meeting, answer: tuple[str, str | None] | None, now: datetime
) -> bool:
    """Whether someone with `answer` ((answer, seat), None when they have not answered) is
    reminded of `meeting` at `now` (UTC): the meeting is active and ahead, and they have a seat,
    or have not answered while they still can. A "no", a "maybe" or a waitlist place is not."""
    if meeting.status != "active" or meeting.starts_at <= now:
        return False
    if answer is None:
        return now < meeting.rsvp_deadline
    return answer == ("yes", "confirmed")


def queue_reminder(session: Session, meeting_id: int, days: int, now: datetime) -> Broadcast | None:
    """The reminder `days` before the meeting, to those coming and those who have not answered
    (the latter only while they still can). None when there is nothing to remind of."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != "active" or meeting.starts_at <= now:
        return None
    answers = {
        user_id: (answer, seat)
        for user_id, answer, seat in session.execute(
            select(Rsvp.user_id, Rsvp.answer, Rsvp.seat).where(Rsvp.meeting_id == meeting.id)
        )
    }
    recipients = [
        r
        for r in invited(session, meeting)
        if reminder_applies(meeting, answers.get(r.user_id), now)
    ]
    view = view_of(session, meeting)
    broadcast, _ = create_broadcast(
        session,
        key=reminder_key(meeting, days),
        kind="reminder",
        title=meeting.title,
        messages=_messages(
            recipients,
            lambda lang: details(view, lang, heading="meetings.reminder.heading"),
            lambda lang: rsvp_buttons(meeting.id, lang),
        ),
        municipality_slug=meeting.municipality_slug,
        row_kind=REMINDER_KIND,
        subject_id=meeting.id,
        now=now,
    )
    return broadcast


# --- notices -------------------------------------------------------------------------------------
def send_notice(
    session: Session,
    staff_id: int,
    *,
    key: str,
    municipality: str,
    kind: str,
    title: str,
    body: str,
    audience: str,
    now: datetime,
    channel: Channel,
) -> tuple[Broadcast, bool]:
    """A news item, consultation or theme day to an audience; once per draft `key` (a second
    call returns the first broadcast with created False, and sends and audits nothing).

    Every field is read again by `bot.meetings.notices.read_field` (`InvalidInput` when one
    breaks its rule: the form or the wizard should have caught it); `NotStaffError` unless
    `staff_id` is staff of `municipality`. The send-out is audited as `notices.SENT` from
    `channel`, `now` UTC.
    """
    require_staff(session, staff_id, municipality)
    fields = {"kind": kind, "title": title, "body": body, "audience": audience}
    kind, title, body, audience = (read_field(name, fields[name]) for name in NOTICE_FIELDS)
    name = municipality_of(session, municipality).name

    def render(language: str) -> str:
        return notice_text(language, kind, title, body, name)

    broadcast, created = create_broadcast(
        session,
        key=f"notice:{key}",
        kind="notice",
        title=title,
        messages=_messages(audience_recipients(session, audience, municipality), render),
        municipality_slug=municipality,
        created_by=staff_id,
        now=now,
    )
    if created:
        session.flush()
        audit.record(
            session,
            actor=staff_id,
            municipality=municipality,
            subject_kind=notices.AUDIT_KIND,
            subject_id=broadcast.id,
            action=notices.SENT,
            channel=channel,
            now=now,
            detail={"kind": kind, "title": title, "audience": audience, "total": broadcast.total},
        )
    return broadcast, created


def notice_text(language: str, kind: str, title: str, body: str, municipality: str) -> str:
    """The notice as recipients get it in Telegram (HTML; the typed text escaped)."""

    def e(text: str) -> str:
        return html.escape(text, quote=False)

    return t(
        language,
        "meetings.notice.text",
        kind=t(language, f"meetings.notice.kind.{kind}"),
        title=e(title),
        body=e(body),
        municipality=e(municipality),
    )


# --- what staff see -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    coming: int
    waitlist: int
    maybe: int
    not_coming: int
    no_answer: int
    questions: int


def summary(session: Session, staff_id: int, meeting_id: int) -> Summary:
    meeting = staff_meeting(session, staff_id, meeting_id)
    rsvps = list(session.scalars(select(Rsvp).where(Rsvp.meeting_id == meeting.id)))
    counts = Counter(
        "coming" if r.seat == "confirmed" else "waitlist" if r.seat == "waitlist" else r.answer
        for r in rsvps
    )
    answered = {r.user_id for r in rsvps}
    invited_ids = set(
        session.scalars(select(Invitation.user_id).where(Invitation.meeting_id == meeting.id))
    )
    return Summary(
        coming=counts["coming"],
        waitlist=counts["waitlist"],
        maybe=counts["maybe"],
        not_coming=counts["no"],
        no_answer=len(invited_ids - answered),
        questions=sum(1 for r in rsvps if r.question),
    )


def questions(session: Session, staff_id: int, meeting_id: int) -> list[tuple[str, str, str]]:
    """(name, association, question) of every question asked, oldest first."""
    meeting = staff_meeting(session, staff_id, meeting_id)
    rows = session.execute(
        select(User.display_name, Rsvp.association, Rsvp.question)
        .join(User, User.id == Rsvp.user_id)
        .where(Rsvp.meeting_id == meeting.id, Rsvp.question.is_not(None))
        .order_by(Rsvp.answered_at, Rsvp.id)
    ).all()
    return [
        (name or "-", association or "", question or "") for name, association, question in rows
    ]


def attendee_csv(session: Session, staff_id: int, meeting_id: int, language: str) -> bytes:
    """The answers as CSV for Excel: UTF-8 with BOM and ";" as Danish Excel expects."""
    meeting = staff_meeting(session, staff_id, meeting_id)
    zone = municipality_of(session, meeting.municipality_slug).timezone
    rows = session.execute(
        select(User.display_name, User.telegram_id, Rsvp)
        .join(User, User.id == Rsvp.user_id)
        .where(Rsvp.meeting_id == meeting.id)
        .order_by(Rsvp.seat.is_(None), Rsvp.seat, Rsvp.seat_at, Rsvp.answered_at)
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([t(language, f"meetings.csv.{c}") for c in CSV_COLUMNS])
    for name, telegram_id, rsvp in rows:
        status = rsvp.seat if rsvp.answer == "yes" and rsvp.seat else rsvp.answer
        writer.writerow(
            [
                _cell(name or ""),
                telegram_id,
                t(language, f"meetings.status.{status}"),
                _cell(rsvp.association or ""),
                _cell(rsvp.question or ""),
                format_local(rsvp.answered_at, zone, language, "yyyy-MM-dd HH:mm"),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


CSV_COLUMNS = ("name", "telegram_id", "status", "association", "question", "answered_at")


def _cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to Excel: user text must never run as one.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def upcoming(session: Session, municipality: str, now: datetime) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.municipality_slug == municipality,
                Meeting.status == "active",
                Meeting.ends_at > now,
            )
            .order_by(Meeting.starts_at)
        )
    )


# --- the dashboard's views (bot.web.pages.meetings) ----------------------------------------------
def meetings_of(session: Session, staff_id: int, municipality: str) -> list[Meeting]:
    """Every meeting of `municipality`, newest start first (cancelled and past ones too).
    Raises `NotStaffError` unless `staff_id` is staff there."""
    require_staff(session, staff_id, municipality)
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.municipality_slug == municipality)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )


@dataclass(frozen=True)
class Answer:
    """One person's answer as staff see it; `status` is confirmed | waitlist | maybe | no."""

    name: str
    association: str
    status: str
    question: str
    answered_at: datetime


def answers(session: Session, staff_id: int, meeting_id: int) -> list[Answer]:
    """Everyone who answered, in seat order (confirmed and waitlist by when they got the seat,
    the rest by when they answered). Raises `NotStaffError` (as `staff_meeting`)."""
    meeting = staff_meeting(session, staff_id, meeting_id)
    rows = session.execute(
        select(User.display_name, Rsvp)
        .join(User, User.id == Rsvp.user_id)
        .where(Rsvp.meeting_id == meeting.id)
        .order_by(Rsvp.seat_at, Rsvp.answered_at, Rsvp.id)
    ).all()
    return [
        Answer(
            name or "-",
            rsvp.association or "",
            rsvp.seat if rsvp.answer == "yes" and rsvp.seat else rsvp.answer,
            rsvp.question or "",
            rsvp.answered_at,
        )
        for name, rsvp in rows
    ]


def rsvp_timeline(
    session: Session, staff_id: int, meeting_id: int
) -> list[tuple[date, int, int, int]]:
    """RSVP over time: per local day (the municipality's zone) with answers, the running totals
    of (coming or waitlisted, maybe, not coming) by each person's latest answer. Raises
    `NotStaffError` (as `staff_meeting`)."""
    meeting = staff_meeting(session, staff_id, meeting_id)
    zone = ZoneInfo(municipality_of(session, meeting.municipality_slug).timezone)
    rows = session.execute(
        select(Rsvp.answered_at, Rsvp.answer)
        .where(Rsvp.meeting_id == meeting.id)
        .order_by(Rsvp.answered_at)
    ).all()
    days: dict[date, Counter[str]] = {}
    for answered_at, answer in rows:
        days.setdefault(answered_at.astimezone(zone).date(), Counter())[answer] += 1
    totals: Counter[str] = Counter()
    timeline = []
    for day in sorted(days):
        totals.update(days[day])
        timeline.append((day, totals["yes"], totals["maybe"], totals["no"]))
    return timeline
