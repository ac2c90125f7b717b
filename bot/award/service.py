"""The volunteer award: rounds, nominations, the shortlist, the reminder and the announcement.

Every staff function checks that the caller is staff of the round's municipality before it reads
or changes anything (`NotStaffError` otherwise; ids come from button payloads). Send-outs go
through `bot.delivery.outbox.create_broadcast`, whose key makes each happen once.

Source of the rules: Solrød's policy (»der årligt uddeles en frivillighedspris, som gives til
enkeltpersoner, grupper eller foreninger, der har gjort en særlig indsats«), issue 18 §2.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.award.models import AwardNomination, AwardRound
from bot.delivery.models import Broadcast
from bot.delivery.outbox import Message, create_broadcast
from bot.i18n import t
from bot.meetings.audiences import AUDIENCES
from bot.meetings.times import format_local
from bot.staff.access import NotStaffError, require_staff
from bot.store.models import User
from bot.zones import municipality_zone

#: Who can be nominated (issue 18: »a person, group or association«).
NOMINEE_KINDS = ("person", "group", "association")
#: The reminder goes this many days before the deadline, to the municipality's citizens who
#: said yes to notices.
REMINDER_DAYS_BEFORE = 7
REMINDER_KIND = "award:reminder"
#: Nominations (the nominee's name, what they did, the nominator's contact) are deleted this
#: many days after their round's deadline; the round keeps only the public winner's name.
RETENTION_DAYS = 365
#: The audience the reminder and the announcement go to (`bot.meetings.audiences`).
AUDIENCE = "citizens"


class RoundClosedError(Exception):
    """No round is open for nominations (none opened, or its deadline has passed)."""


@dataclass(frozen=True)
class Nomination:
    """A nomination as the chat collected it (plain text, validated)."""

    kind: str
    nominee: str
    reason: str
    name: str
    contact: str
    may_contact: bool


def deadline_text(session: Session, award_round: AwardRound, language: str) -> str:
    """The deadline on the municipality's wall clock (»fredag den 15. januar 2027 kl. 23.59«)."""
    return format_local(
        award_round.deadline,
        municipality_zone(session, award_round.municipality_slug),
        language,
        t(language, "award.format.deadline"),
    )


def open_round(session: Session, municipality: str, now: datetime) -> AwardRound | None:
    """The round of `municipality` taking nominations at `now` (UTC), if any."""
    return session.scalars(
        select(AwardRound)
        .where(
            AwardRound.municipality_slug == municipality,
            AwardRound.status == "open",
            AwardRound.deadline > now,
        )
        .order_by(AwardRound.deadline)
    ).first()


def rounds(session: Session, staff_id: int, municipality: str) -> list[AwardRound]:
    """Every round of the municipality, newest first (staff only)."""
    require_staff(session, staff_id, municipality)
    return list(
        session.scalars(
            select(AwardRound)
            .where(AwardRound.municipality_slug == municipality)
            .order_by(AwardRound.deadline.desc())
        )
    )


def start_round(
    session: Session,
    staff_id: int,
    municipality: str,
    title: str,
    deadline: datetime,
    now: datetime,
) -> AwardRound:
    """Open a round taking nominations until `deadline` (UTC, after `now`). Only one round is
    open at a time: an open one is returned as it is."""
    require_staff(session, staff_id, municipality)
    current = open_round(session, municipality, now)
    if current is not None:
        return current
    award_round = AwardRound(
        municipality_slug=municipality,
        title=title,
        deadline=deadline,
        created_by=staff_id,
        created_at=now,
    )
    session.add(award_round)
    session.flush()
    return award_round


def nominate(
    session: Session, user: User, municipality: str, nomination: Nomination, now: datetime
) -> tuple[AwardRound, AwardNomination]:
    """Save a nomination in the municipality's open round; `RoundClosedError` when none is."""
    award_round = open_round(session, municipality, now)
    if award_round is None:
        raise RoundClosedError(municipality)
    row = AwardNomination(
        round_id=award_round.id,
        user_id=user.id,
        nominee_kind=nomination.kind,
        nominee_name=nomination.nominee,
        reason=nomination.reason,
        nominator_name=nomination.name,
        nominator_contact=nomination.contact,
        may_contact_nominee=nomination.may_contact,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return award_round, row


def staff_round(session: Session, staff_id: int, round_id: int) -> AwardRound:
    """The round, if `staff_id` is staff of its municipality; `NotStaffError` otherwise (a
    missing id looks the same as someone else's)."""
    award_round = session.get(AwardRound, round_id)
    if award_round is None:
        raise NotStaffError(f"no award round {round_id}")
    require_staff(session, staff_id, award_round.municipality_slug)
    return award_round


def nominations(
    session: Session, staff_id: int, round_id: int, *, shortlisted_only: bool = False
) -> list[AwardNomination]:
    """The round's nominations, oldest first (staff only)."""
    staff_round(session, staff_id, round_id)
    query = select(AwardNomination).where(AwardNomination.round_id == round_id)
    if shortlisted_only:
        query = query.where(AwardNomination.shortlisted.is_(True))
    return list(session.scalars(query.order_by(AwardNomination.id)))


def staff_nomination(session: Session, staff_id: int, nomination_id: int) -> AwardNomination:
    """One nomination, if `staff_id` is staff of its round's municipality."""
    row = session.get(AwardNomination, nomination_id)
    if row is None:
        raise NotStaffError(f"no nomination {nomination_id}")
    staff_round(session, staff_id, row.round_id)
    return row


def toggle_shortlist(session: Session, staff_id: int, nomination_id: int) -> AwardNomination:
    """Put the nomination on the shortlist, or take it off."""
    row = staff_nomination(session, staff_id, nomination_id)
    row.shortlisted = not row.shortlisted
    return row


def delete_nomination(session: Session, staff_id: int, nomination_id: int) -> str:
    """Delete a nomination (a nominee who asks to be forgotten, a nomination sent by mistake);
    returns the nominee's name for the confirmation."""
    row = staff_nomination(session, staff_id, nomination_id)
    name = row.nominee_name
    session.delete(row)
    session.flush()
    return name


def export_rows(
    session: Session, staff_id: int, round_id: int, language: str
) -> list[dict[str, object]]:
    """One row per nomination for the CSV (column names in `language`)."""
    zone = municipality_zone(session, staff_round(session, staff_id, round_id).municipality_slug)

    def column(name: str) -> str:
        return t(language, f"award.csv.{name}")

    return [
        {
            column("number"): row.id,
            column("kind"): t(language, f"award.kind_noun.{row.nominee_kind}"),
            column("nominee"): row.nominee_name,
            column("reason"): row.reason,
            column("nominator"): row.nominator_name,
            column("contact"): row.nominator_contact,
            column("may_contact"): t(
                language, "award.yes" if row.may_contact_nominee else "award.no"
            ),
            column("shortlisted"): t(language, "award.yes" if row.shortlisted else "award.no"),
            column("received"): format_local(row.created_at, zone, language, "yyyy-MM-dd HH:mm"),
        }
        for row in nominations(session, staff_id, round_id)
    ]


def _messages(session: Session, municipality: str, render: object) -> list[Message]:
    texts: dict[str, str] = {}
    messages = []
    for recipient in AUDIENCES[AUDIENCE].recipients(session, municipality):
        language = recipient.language if recipient.language in ("da", "en") else "da"
        if language not in texts:
            texts[language] = render(language)  # type: ignore[operator]
        buttons = [[{"label": t(language, "award.button.nominate"), "payload": "g:go:award"}]]
        messages.append(Message(recipient.telegram_id, texts[language], buttons))
    return messages


def audience_size(session: Session, municipality: str) -> int:
    """How many would get the reminder and the announcement."""
    return len(AUDIENCES[AUDIENCE].recipients(session, municipality))


def announce(
    session: Session,
    staff_id: int,
    nomination_id: int,
    text: str,
    award_name: str,
    now: datetime,
) -> tuple[Broadcast, bool]:
    """Announce the nomination's nominee as the winner: a notice to the municipality's citizens
    (once per round), and the round is closed with the winner's name."""
    row = staff_nomination(session, staff_id, nomination_id)
    award_round = staff_round(session, staff_id, row.round_id)
    municipality = award_round.municipality_slug

    def render(language: str) -> str:
        return t(
            language,
            "award.announcement",
            award=html.escape(award_name, quote=False),
            title=html.escape(award_round.title, quote=False),
            winner=html.escape(row.nominee_name, quote=False),
            text=html.escape(text, quote=False),
        )

    texts: dict[str, str] = {}
    messages = []
    for recipient in AUDIENCES[AUDIENCE].recipients(session, municipality):
        language = recipient.language if recipient.language in ("da", "en") else "da"
        texts.setdefault(language, render(language))
        messages.append(Message(recipient.telegram_id, texts[language], []))
    broadcast, created = create_broadcast(
        session,
        key=f"award-winner:{award_round.id}",
        kind="notice",
        title=award_round.title,
        messages=messages,
        municipality_slug=municipality,
        created_by=staff_id,
        now=now,
    )
    if created:
        award_round.status = "announced"
        award_round.winner_name = row.nominee_name
        award_round.announced_at = now
    return broadcast, created


# --- the reminder -------------------------------------------------------------------------------
def reminder_due(award_round: AwardRound, now: datetime) -> bool:
    """Whether the round's reminder belongs to `now`: open, deadline ahead, within the days."""
    return award_round.status == "open" and now < award_round.deadline <= now + timedelta(
        days=REMINDER_DAYS_BEFORE
    )


def queue_reminders(
    session: Session, now: datetime, *, municipalities: list[str], award_names: dict[str, str]
) -> int:
    """Queue the reminder of every open round in `municipalities` whose deadline is within
    `REMINDER_DAYS_BEFORE` days: once per round (its broadcast key), to the citizens who have not
    nominated anyone in it, each row checked again when sent. Returns rows queued."""
    queued = 0
    for award_round in session.scalars(
        select(AwardRound).where(
            AwardRound.municipality_slug.in_(municipalities), AwardRound.status == "open"
        )
    ):
        if not reminder_due(award_round, now):
            continue
        nominated = set(
            session.scalars(
                select(User.telegram_id)
                .join(AwardNomination, AwardNomination.user_id == User.id)
                .where(AwardNomination.round_id == award_round.id)
            )
        )
        name = award_names.get(award_round.municipality_slug, award_round.title)

        def render(language: str, award_round: AwardRound = award_round, name: str = name) -> str:
            return t(
                language,
                "award.reminder",
                award=html.escape(name, quote=False),
                deadline=deadline_text(session, award_round, language),
            )

        messages = [
            m
            for m in _messages(session, award_round.municipality_slug, render)
            if m.chat_id not in nominated
        ]
        broadcast, created = create_broadcast(
            session,
            key=f"award-reminder:{award_round.id}",
            kind="reminder",
            title=award_round.title,
            messages=messages,
            municipality_slug=award_round.municipality_slug,
            row_kind=REMINDER_KIND,
            subject_id=award_round.id,
            now=now,
        )
        queued += broadcast.total if created else 0
    return queued


def reminder_applies(session: Session, chat_id: int, round_id: int | None, now: datetime) -> bool:
    """At send time: the round still takes nominations, and the recipient still wants notices
    and has not nominated anyone in it since the reminder was queued."""
    award_round = session.get(AwardRound, round_id) if round_id is not None else None
    if award_round is None or award_round.status != "open" or award_round.deadline <= now:
        return False
    user = session.scalars(select(User).where(User.telegram_id == chat_id)).first()
    if user is None or not user.consent_notices:
        return False
    count = session.scalar(
        select(func.count(AwardNomination.id)).where(
            AwardNomination.round_id == award_round.id, AwardNomination.user_id == user.id
        )
    )
    return not count


def forget_old_nominations(session: Session, now: datetime) -> int:
    """Delete the nominations of rounds whose deadline is more than `RETENTION_DAYS` ago (the
    retention rule for nominees' data); returns how many were deleted."""
    old_rounds = select(AwardRound.id).where(
        AwardRound.deadline < now - timedelta(days=RETENTION_DAYS)
    )
    result = session.execute(
        delete(AwardNomination).where(AwardNomination.round_id.in_(old_rounds))
    )
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def nominations_of(session: Session, user: User) -> list[AwardNomination]:
    """Everything `user` nominated (for /mydata and /deletedata)."""
    return list(
        session.scalars(
            select(AwardNomination)
            .where(AwardNomination.user_id == user.id)
            .order_by(AwardNomination.id)
        )
    )
