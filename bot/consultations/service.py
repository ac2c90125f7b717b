"""Consultations: sending one, answering it, the reminder, what staff see, the thank-you.

Staff functions check that the caller is staff of the consultation's municipality first
(`NotStaffError`; ids come from button payloads). Only the recipients of a consultation may open
and answer it (`NotFoundError` for anyone else, the same as for a missing id). Send-outs go
through `bot.delivery.outbox.create_broadcast`, whose key makes each happen once.

Source: Sermersooq's policy (»nye større tiltag og væsentlige ændringer, der vedrører det
frivillige arbejde sendes i høring tidligt i forløbet«), issue 18 §3.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.consultations.models import Consultation, ConsultationAnswer, ConsultationRecipient
from bot.delivery.models import Broadcast
from bot.delivery.outbox import Message, create_broadcast
from bot.i18n import t
from bot.matching.models import Association
from bot.meetings.audiences import AUDIENCES, Recipient
from bot.meetings.times import format_local
from bot.staff.access import NotStaffError, require_staff
from bot.store.models import Municipality, User
from bot.zones import municipality_zone

#: The reminder goes this many days before the deadline, to recipients who have not answered.
REMINDER_DAYS_BEFORE = 3
REMINDER_KIND = "consultations:reminder"
#: Longest answer text, and largest answer file (Telegram's bots may fetch up to 20 MB).
ANSWER_MAX = 4000


class NotFoundError(LookupError):
    """No such consultation for this user (missing, or not sent to them)."""


class ClosedError(Exception):
    """The consultation's deadline has passed: answers can no longer be given or changed."""


@dataclass(frozen=True)
class Draft:
    """A consultation as the staff wizard collected it (deadline in UTC)."""

    key: str
    municipality: str
    title: str
    summary: str
    document_file_id: str
    document_name: str
    deadline: datetime
    audience: str


def deadline_text(session: Session, consultation: Consultation, language: str) -> str:
    """The deadline on the municipality's wall clock."""
    return format_local(
        consultation.deadline,
        municipality_zone(session, consultation.municipality_slug),
        language,
        t(language, "consultations.format.deadline"),
    )


def recipients(session: Session, audience: str, municipality: str) -> list[Recipient]:
    """Who a consultation to `audience` would reach now (`bot.meetings.audiences`)."""
    chosen = AUDIENCES.get(audience)
    return chosen.recipients(session, municipality) if chosen is not None else []


def _messages(
    recipients_: list[Recipient], render: Callable[[str], str], consultation_id: int
) -> list[Message]:
    texts: dict[str, str] = {}
    messages = []
    for recipient in recipients_:
        language = recipient.language if recipient.language in ("da", "en") else "da"
        if language not in texts:
            texts[language] = render(language)
        label = t(language, "consultations.button.open")
        buttons = [[{"label": label, "payload": f"g:consultations:open:{consultation_id}"}]]
        messages.append(Message(recipient.telegram_id, texts[language], buttons))
    return messages


def send(
    session: Session, staff_id: int, draft: Draft, now: datetime
) -> tuple[Consultation, Broadcast, bool]:
    """Create the consultation and queue it to its audience; once per draft key (a second call
    returns what the first made, with created False)."""
    require_staff(session, staff_id, draft.municipality)
    existing = session.scalars(
        select(Consultation).where(Consultation.draft_key == draft.key)
    ).one_or_none()
    if existing is not None:
        broadcast = session.scalars(
            select(Broadcast).where(Broadcast.key == f"consultation:{existing.id}")
        ).one()
        return existing, broadcast, False
    consultation = Consultation(
        municipality_slug=draft.municipality,
        draft_key=draft.key,
        title=draft.title,
        summary=draft.summary,
        document_file_id=draft.document_file_id,
        document_name=draft.document_name,
        deadline=draft.deadline,
        audience=draft.audience,
        created_by=staff_id,
        created_at=now,
    )
    session.add(consultation)
    session.flush()
    chosen = recipients(session, draft.audience, draft.municipality)
    for recipient in chosen:
        session.add(
            ConsultationRecipient(consultation_id=consultation.id, user_id=recipient.user_id)
        )
    name = session.get(Municipality, draft.municipality)

    def render(language: str) -> str:
        return t(
            language,
            "consultations.invitation",
            municipality=html.escape(name.name if name else "", quote=False),
            title=html.escape(consultation.title, quote=False),
            summary=html.escape(consultation.summary, quote=False),
            deadline=deadline_text(session, consultation, language),
        )

    broadcast, _ = create_broadcast(
        session,
        key=f"consultation:{consultation.id}",
        kind="notice",
        title=consultation.title,
        messages=_messages(chosen, render, consultation.id),
        municipality_slug=draft.municipality,
        created_by=staff_id,
        now=now,
    )
    return consultation, broadcast, True


# --- recipients ---------------------------------------------------------------------------------
def is_recipient(session: Session, consultation_id: int, user: User) -> bool:
    return (
        session.scalars(
            select(ConsultationRecipient.id).where(
                ConsultationRecipient.consultation_id == consultation_id,
                ConsultationRecipient.user_id == user.id,
            )
        ).first()
        is not None
    )


def visible(session: Session, consultation_id: int, user: User) -> Consultation:
    """The consultation, if it was sent to `user`; `NotFoundError` otherwise."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or not is_recipient(session, consultation_id, user):
        raise NotFoundError(consultation_id)
    return consultation


def mine(session: Session, user: User, now: datetime) -> list[Consultation]:
    """The consultations sent to `user` whose deadline is ahead, soonest first."""
    return list(
        session.scalars(
            select(Consultation)
            .join(ConsultationRecipient, ConsultationRecipient.consultation_id == Consultation.id)
            .where(ConsultationRecipient.user_id == user.id, Consultation.deadline > now)
            .order_by(Consultation.deadline)
        )
    )


def answer_of(session: Session, consultation_id: int, user: User) -> ConsultationAnswer | None:
    return session.scalars(
        select(ConsultationAnswer).where(
            ConsultationAnswer.consultation_id == consultation_id,
            ConsultationAnswer.user_id == user.id,
        )
    ).one_or_none()


def _association_of(session: Session, user: User, municipality: str) -> str | None:
    return session.scalars(
        select(Association.name)
        .where(
            Association.contact_telegram_id == user.telegram_id,
            Association.municipality_slug == municipality,
        )
        .order_by(Association.name)
    ).first()


def give_answer(
    session: Session,
    consultation_id: int,
    user: User,
    *,
    text: str | None,
    file_id: str | None,
    file_name: str | None,
    now: datetime,
) -> tuple[ConsultationAnswer, bool]:
    """Save the user's answer (text and/or a file), replacing an earlier one; returns (answer,
    changed: True when it replaced one). `NotFoundError` for a consultation not sent to them,
    `ClosedError` after the deadline, `ValueError` for an answer with neither text nor file."""
    consultation = visible(session, consultation_id, user)
    if consultation.deadline <= now:
        raise ClosedError(consultation_id)
    if not (text or file_id):
        raise ValueError("an answer needs text or a file")
    row = answer_of(session, consultation_id, user)
    changed = row is not None
    if row is None:
        row = ConsultationAnswer(consultation_id=consultation_id, user_id=user.id, created_at=now)
        session.add(row)
    row.text = text
    row.file_id = file_id
    row.file_name = file_name
    row.association = _association_of(session, user, consultation.municipality_slug)
    row.updated_at = now
    session.flush()
    return row, changed


# --- staff --------------------------------------------------------------------------------------
def staff_consultation(session: Session, staff_id: int, consultation_id: int) -> Consultation:
    """The consultation, if `staff_id` is staff of its municipality; `NotStaffError` otherwise."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotStaffError(f"no consultation {consultation_id}")
    require_staff(session, staff_id, consultation.municipality_slug)
    return consultation


def of_municipality(session: Session, staff_id: int, municipality: str) -> list[Consultation]:
    """The municipality's consultations, newest deadline first (staff only)."""
    require_staff(session, staff_id, municipality)
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.municipality_slug == municipality)
            .order_by(Consultation.deadline.desc())
        )
    )


@dataclass(frozen=True)
class AnswerView:
    """An answer as staff see it: who (their name in Telegram and association), what, when."""

    id: int
    who: str
    association: str | None
    text: str | None
    file_id: str | None
    file_name: str | None
    answered_at: datetime


def answers(session: Session, staff_id: int, consultation_id: int) -> list[AnswerView]:
    """Every answer to the consultation, oldest first (staff only)."""
    staff_consultation(session, staff_id, consultation_id)
    rows = session.execute(
        select(ConsultationAnswer, User.display_name, User.telegram_id)
        .join(User, User.id == ConsultationAnswer.user_id)
        .where(ConsultationAnswer.consultation_id == consultation_id)
        .order_by(ConsultationAnswer.id)
    ).all()
    return [
        AnswerView(
            row.id,
            name or str(telegram_id),
            row.association,
            row.text,
            row.file_id,
            row.file_name,
            row.updated_at,
        )
        for row, name, telegram_id in rows
    ]


def counts(session: Session, consultation_id: int) -> tuple[int, int]:
    """(recipients, answers) of the consultation."""
    sent = session.scalars(
        select(ConsultationRecipient.id).where(
            ConsultationRecipient.consultation_id == consultation_id
        )
    ).all()
    answered = session.scalars(
        select(ConsultationAnswer.id).where(ConsultationAnswer.consultation_id == consultation_id)
    ).all()
    return len(sent), len(answered)


def export_rows(
    session: Session, staff_id: int, consultation_id: int, language: str
) -> list[dict[str, object]]:
    """One row per answer for CSV/XLSX, column names in `language`; times local."""
    consultation = staff_consultation(session, staff_id, consultation_id)
    zone = municipality_zone(session, consultation.municipality_slug)

    def column(name: str) -> str:
        return t(language, f"consultations.csv.{name}")

    return [
        {
            column("number"): index,
            column("who"): view.who,
            column("association"): view.association or "",
            column("answer"): view.text or "",
            column("file"): view.file_name or "",
            column("answered"): format_local(view.answered_at, zone, language, "yyyy-MM-dd HH:mm"),
        }
        for index, view in enumerate(answers(session, staff_id, consultation_id), start=1)
    ]


def send_thanks(
    session: Session, staff_id: int, consultation_id: int, now: datetime
) -> tuple[Broadcast, bool]:
    """After the deadline: a thank-you to everyone who answered, once. `ClosedError` is raised
    the other way round here: before the deadline there is nothing to thank for yet."""
    consultation = staff_consultation(session, staff_id, consultation_id)
    if consultation.deadline > now:
        raise ClosedError(consultation_id)
    rows = session.execute(
        select(User.telegram_id, User.language)
        .join(ConsultationAnswer, ConsultationAnswer.user_id == User.id)
        .where(
            ConsultationAnswer.consultation_id == consultation.id,
            User.blocked_bot.is_(False),
        )
    ).all()
    municipality = session.get(Municipality, consultation.municipality_slug)
    texts: dict[str, str] = {}
    messages = []
    for telegram_id, language in rows:
        language = language if language in ("da", "en") else "da"
        texts.setdefault(
            language,
            t(
                language,
                "consultations.thanks",
                title=html.escape(consultation.title, quote=False),
                municipality=html.escape(municipality.name if municipality else "", quote=False),
            ),
        )
        messages.append(Message(telegram_id, texts[language], []))
    broadcast, created = create_broadcast(
        session,
        key=f"consultation-thanks:{consultation.id}",
        kind="notice",
        title=consultation.title,
        messages=messages,
        municipality_slug=consultation.municipality_slug,
        created_by=staff_id,
        now=now,
    )
    if created:
        consultation.thanked_at = now
    return broadcast, created


# --- the reminder -------------------------------------------------------------------------------
def not_answered(session: Session, consultation: Consultation) -> list[tuple[int, str]]:
    """(telegram id, language) of the recipients who have not answered and not blocked the bot."""
    answered = select(ConsultationAnswer.user_id).where(
        ConsultationAnswer.consultation_id == consultation.id
    )
    rows = session.execute(
        select(User.telegram_id, User.language)
        .join(ConsultationRecipient, ConsultationRecipient.user_id == User.id)
        .where(
            ConsultationRecipient.consultation_id == consultation.id,
            ConsultationRecipient.user_id.not_in(answered),
            User.blocked_bot.is_(False),
        )
        .order_by(User.id)
    ).all()
    return [(telegram_id, language or "da") for telegram_id, language in rows]


def queue_reminders(session: Session, now: datetime, *, municipalities: list[str]) -> int:
    """Queue the reminder of every consultation in `municipalities` whose deadline is within
    `REMINDER_DAYS_BEFORE` days: once per consultation (its broadcast key), to the recipients who
    have not answered, each row checked again when it is sent. Returns rows queued."""
    queued = 0
    due = session.scalars(
        select(Consultation).where(
            Consultation.municipality_slug.in_(municipalities),
            Consultation.deadline > now,
            Consultation.deadline <= now + timedelta(days=REMINDER_DAYS_BEFORE),
        )
    )
    for consultation in due:
        texts: dict[str, str] = {}
        messages = []
        for telegram_id, raw_language in not_answered(session, consultation):
            language = raw_language if raw_language in ("da", "en") else "da"
            texts.setdefault(
                language,
                t(
                    language,
                    "consultations.reminder",
                    title=html.escape(consultation.title, quote=False),
                    deadline=deadline_text(session, consultation, language),
                ),
            )
            label = t(language, "consultations.button.open")
            payload = f"g:consultations:open:{consultation.id}"
            messages.append(
                Message(telegram_id, texts[language], [[{"label": label, "payload": payload}]])
            )
        broadcast, created = create_broadcast(
            session,
            key=f"consultation-reminder:{consultation.id}",
            kind="reminder",
            title=consultation.title,
            messages=messages,
            municipality_slug=consultation.municipality_slug,
            row_kind=REMINDER_KIND,
            subject_id=consultation.id,
            now=now,
        )
        queued += broadcast.total if created else 0
    return queued


def reminder_applies(
    session: Session, chat_id: int, consultation_id: int | None, now: datetime
) -> bool:
    """At send time: the deadline is still ahead and the recipient has still not answered."""
    consultation = session.get(Consultation, consultation_id) if consultation_id else None
    if consultation is None or consultation.deadline <= now:
        return False
    user = session.scalars(select(User).where(User.telegram_id == chat_id)).first()
    if user is None or not is_recipient(session, consultation.id, user):
        return False
    return answer_of(session, consultation.id, user) is None


def answers_of(session: Session, user: User) -> list[ConsultationAnswer]:
    """Every answer `user` gave (for /mydata and /deletedata)."""
    return list(
        session.scalars(
            select(ConsultationAnswer)
            .where(ConsultationAnswer.user_id == user.id)
            .order_by(ConsultationAnswer.id)
        )
    )


def recipient_rows_of(session: Session, user: User) -> list[ConsultationRecipient]:
    return list(
        session.scalars(
            select(ConsultationRecipient).where(ConsultationRecipient.user_id == user.id)
        )
    )
