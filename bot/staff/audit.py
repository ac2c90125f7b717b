"""Writing and reading the audit log (`AuditEntry`): the services record every staff decision
here, whichever channel it came from, so the log is the same for chat and web."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.staff.models import AuditEntry
from bot.store.models import User


class Channel(StrEnum):
    """Where a staff member acted."""

    CHAT = "chat"
    WEB = "web"


def record(
    session: Session,
    *,
    actor: int,
    municipality: str,
    subject_kind: str,
    subject_id: int,
    action: str,
    channel: Channel,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction (`now` UTC): it commits with the decision."""
    entry = AuditEntry(
        at=now,
        actor_telegram_id=actor,
        municipality_slug=municipality,
        subject_kind=subject_kind,
        subject_id=subject_id,
        action=action,
        channel=channel.value,
        detail=dict(detail or {}),
    )
    session.add(entry)
    return entry


def entries_for(
    session: Session, municipality: str, subject_kind: str, subject_id: int
) -> list[AuditEntry]:
    """The log of one thing, oldest first (the caller has checked the staff role)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.municipality_slug == municipality,
                AuditEntry.subject_kind == subject_kind,
                AuditEntry.subject_id == subject_id,
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def latest_of_kind(
    session: Session, municipality: str, subject_kind: str, limit: int = 50
) -> list[AuditEntry]:
    """The newest `limit` entries about things of one kind (notices …) in `municipality`,
    newest first (the caller has checked the staff role)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.municipality_slug == municipality,
                AuditEntry.subject_kind == subject_kind,
            )
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )


def who(session: Session, entries: Sequence[AuditEntry]) -> dict[int | None, str]:
    """How the log names each actor of `entries`: »Name (Telegram id)« when the bot knows their
    Telegram first name, otherwise the id alone (a staff member who never wrote to the bot).
    Staff at a desk read a colleague's name; the id stays so two »Anne« can be told apart.
    An entry without an actor (a system action) has no name: look it up with `.get`."""
    ids = {entry.actor_telegram_id for entry in entries if entry.actor_telegram_id is not None}
    names: dict[int, str | None] = {}
    if ids:
        query = select(User.telegram_id, User.display_name).where(User.telegram_id.in_(ids))
        names = {row.telegram_id: row.display_name for row in session.execute(query)}
    found: dict[int | None, str] = {
        actor: f"{names[actor]} ({actor})" if names.get(actor) else str(actor) for actor in ids
    }
    return found
