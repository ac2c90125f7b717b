"""The audit log: every staff decision, from chat or the web, with who, when, what and where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class AuditEntry(Base):
    """One action of a staff member on something of their municipality (append-only)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)  # UTC
    #: Telegram id of the staff member; NULL once they had their data erased.
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    municipality_slug: Mapped[str] = mapped_column(String(32), index=True)
    #: What was acted on: "grant_application" and its id.
    subject_kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column()
    #: "approve", "reject", "request_info".
    action: Mapped[str] = mapped_column(String(40))
    #: "chat" or "web".
    channel: Mapped[str] = mapped_column(String(10))
    #: What was decided: {"amount": øre, "reason": text} as it applies.
    detail: Mapped[dict[str, Any]] = mapped_column(type_=JSON, default=dict)
