"""Tables of the production path: updates already taken, and the scheduler's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class ProcessedUpdate(Base):
    """A Telegram update id some worker has taken. Telegram re-delivers an update when our answer
    was slow or lost; with several workers the second delivery may reach another process, so the
    claim lives in the database (the primary key makes the second insert a no-op)."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: When the claim was taken (or taken over from a worker that died with it).
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: When the update was handled and acknowledged; None while a worker is at it.
    done_at: Mapped[datetime | None] = mapped_column()


class Heartbeat(Base):
    """The last sign of life of a background process (`scheduler`), read by /healthz."""

    __tablename__ = "service_heartbeat"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)
