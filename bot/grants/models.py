"""The grant tables: applications (drafts included) and the reference counter.

A draft and the application it becomes are one row: the status moves from ``draft`` to
``submitted`` and on, so "never losing an answer" needs no copying, and one unique constraint
covers drafts and applications alike.

One draft per association per round: `association_key` is set as soon as the form names the
association (``cvr:<8 digits>`` when a CVR number is given, else ``name:<the name, case-folded>``)
and is unique per (municipality, round). A second chair of the same association is told that an
application already exists instead of starting a rival one. Until the key is known, a user has at
most one draft per municipality and round (`ix_grant_application_open_draft`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, utcnow
from bot.store.models import User


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    REPORTED = "reported"


#: Statuses staff see (a draft is the applicant's own business until it is sent).
REVIEWABLE = (
    Status.SUBMITTED,
    Status.INFO_REQUESTED,
    Status.APPROVED,
    Status.REJECTED,
    Status.REPORTED,
)


class GrantApplication(Base):
    """One § 18 application, from the first eligibility answer to the report on use of funds."""

    __tablename__ = "grant_application"
    __table_args__ = (
        UniqueConstraint("municipality_slug", "round_key", "association_key"),
        Index(
            "ix_grant_application_open_draft",
            "user_id",
            "municipality_slug",
            "round_key",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
        Index("ix_grant_application_review", "municipality_slug", "round_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: NULL once the applicant's data was erased: the application itself stays for the accounts.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE")
    )
    round_key: Mapped[str] = mapped_column(String(40))
    #: The round's deadline (None when the scheme accepts applications all year).
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value)
    language: Mapped[str] = mapped_column(String(8), default="da")
    eligibility: Mapped[dict[str, Any]] = mapped_column(default=dict)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The question the applicant was at, so "continue" resumes exactly there.
    current_field: Mapped[str | None] = mapped_column(String(60))
    association_key: Mapped[str | None] = mapped_column(String(160))
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    amount_applied: Mapped[int | None] = mapped_column(BigInteger)  # øre
    amount_granted: Mapped[int | None] = mapped_column(BigInteger)  # øre
    decision_reason: Mapped[str | None] = mapped_column(Text)
    #: Telegram id of the staff member who decided or asked last (told of answers and reports).
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    #: Questions from staff and the applicant's answers: [{"by", "text", "at"}].
    messages: Mapped[list[dict[str, Any]]] = mapped_column(type_=JSON, default=list)
    report: Mapped[dict[str, Any] | None] = mapped_column(type_=JSON)
    report_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    reported_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT.value


class GrantReferenceCounter(Base):
    """The last reference number handed out per municipality and round year ("SON-2027-0042":
    the »2027« round, whenever it was sent)."""

    __tablename__ = "grant_reference_counter"

    municipality_slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
