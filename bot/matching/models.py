"""Tables of matching: associations, opportunities, interests and saved searches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, utcnow


class Association(Base):
    """A voluntary association (or group) that offers opportunities; `key` is its stable id in
    `data/` and in CSV imports."""

    __tablename__ = "association"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    #: The contact's Telegram user id once they have linked it: interests are then told in chat.
    contact_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Opportunity(Base):
    """One way to help. Areas, activities and availability are bitmasks over the vocabularies in
    `bot.matching.vocabulary` (see there why)."""

    __tablename__ = "opportunity"
    __table_args__ = (
        # The search: one municipality's open opportunities, and every column the ranking reads,
        # so the database answers from the index alone (7x faster at 100,000 rows on SQLite).
        Index(
            "ix_opportunity_search",
            "municipality_slug",
            "status",
            "area_mask",
            "availability_mask",
            "activity_mask",
            "expires_at",
            "created_at",
            "latitude",
            "longitude",
            "spots",
            "interest_count",
            "id",  # PostgreSQL needs it in the index for an index-only scan
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("association.id", ondelete="CASCADE"), index=True
    )
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    town: Mapped[str] = mapped_column(String(80))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    area_mask: Mapped[int] = mapped_column(default=0)
    activity_mask: Mapped[int] = mapped_column(default=0)
    availability_mask: Mapped[int] = mapped_column(default=0)
    one_off_date: Mapped[date | None] = mapped_column(Date)
    hours_per_week: Mapped[float | None] = mapped_column(Float)
    min_age: Mapped[int | None] = mapped_column()
    child_certificate: Mapped[bool] = mapped_column(default=False)
    other_requirements: Mapped[str | None] = mapped_column(Text)
    spots: Mapped[int | None] = mapped_column()
    #: Active interests, kept by the interest service so "spots left" needs no join when ranking.
    interest_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The first moment it no longer shows (end of the expiry day, or of the one-off date).
    expires_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    association: Mapped[Association] = relationship(lazy="joined")


class Interest(Base):
    """A citizen's "I'm interested" in an opportunity: one row per pair, however often pressed."""

    __tablename__ = "opportunity_interest"
    __table_args__ = (
        UniqueConstraint("user_id", "opportunity_id"),
        # The dashboard's interest charts count a year of interests per opportunity from the
        # index alone (`bot.matching.figures`).
        Index("ix_opportunity_interest_created", "opportunity_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | withdrawn
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    opportunity: Mapped[Opportunity] = relationship(lazy="joined")


class SavedSearch(Base):
    """ "Tell me about new opportunities": the filters of a search, checked by the daily digest."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column()
