"""A broadcast groups the outbox rows of one send-out (an invitation, a reminder, a notice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class Broadcast(Base):
    """One send-out to many chats; its messages are `OutboxMessage` rows with its id.

    `key` makes creating a broadcast idempotent: a double tap on "send", a reminder job that runs
    twice or a retried turn finds the existing broadcast instead of queueing everything again.
    """

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    municipality_slug: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.slug", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    #: What staff recognise it by in the progress messages (a meeting's title, a notice's subject).
    title: Mapped[str] = mapped_column(String(200), default="")
    #: The staff member's Telegram id (their private chat gets progress and the tally); None for
    #: send-outs the system starts itself (reminders).
    #: Erasing that person clears it (`bot.privacy.generic`): no progress reaches them after.
    created_by: Mapped[int | None] = mapped_column(BigInteger, info={"telegram_id": True})
    total: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="sending")  # sending | done
    delivered: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class RateBudget(Base):
    """The bot's global send budget, shared by every process on PostgreSQL (`bot.delivery.budget`).

    One row per budget (`telegram`): the tokens left and when they were last counted, in seconds
    since the epoch by the database's own clock (so processes on different hosts agree).
    """

    __tablename__ = "rate_budget"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_epoch: Mapped[float] = mapped_column(Float)
    #: How many tokens the last take took (what its `UPDATE … RETURNING` reports).
    last_taken: Mapped[int] = mapped_column(default=0)
