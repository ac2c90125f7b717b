"""Tables of the volunteer award: a round per municipality and year, and its nominations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class AwardRound(Base):
    """One round of a municipality's award: open for nominations until `deadline` (UTC), then
    decided; `winner_name` is what the announcement made public."""

    __tablename__ = "award_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | announced
    winner_name: Mapped[str | None] = mapped_column(String(200))
    announced_at: Mapped[datetime | None] = mapped_column()
    #: The staff member's Telegram id; cleared when they are erased (`bot.privacy.generic`).
    created_by: Mapped[int | None] = mapped_column(BigInteger, info={"telegram_id": True})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AwardNomination(Base):
    """A nomination: who (a person, a group or an association), what they did, and who nominated
    them. Personal data of two people: the nominator's (exported and erased with them) and the
    nominee's (deleted with the round's nominations after `RETENTION_DAYS`)."""

    __tablename__ = "award_nomination"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("award_round.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    nominee_kind: Mapped[str] = mapped_column(String(12))  # person | group | association
    nominee_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    nominator_name: Mapped[str] = mapped_column(String(200))
    nominator_contact: Mapped[str] = mapped_column(String(254))
    #: The nominator says the municipality may contact the nominee about the nomination.
    may_contact_nominee: Mapped[bool] = mapped_column(default=False)
    shortlisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
