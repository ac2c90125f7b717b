"""Tables of meetings: the meeting, who was invited, and who answered what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class Meeting(Base):
    """An event of one municipality: a dialogue meeting, a stormøde, a course … (`kind`, a key of
    `bot.meetings.kinds.KINDS`). Times are UTC; the municipality's
    time zone is used to read and show them.

    `version` counts changes staff announced; `draft_key` is the wizard's id for the draft, so a
    double tap on "send" finds the meeting it already created instead of making a second one.
    """

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE"), index=True
    )
    draft_key: Mapped[str] = mapped_column(String(40), unique=True)
    #: A key of `bot.meetings.kinds.KINDS`; rows from before kinds are dialogue meetings.
    kind: Mapped[str] = mapped_column(String(24), default="dialogmode", server_default="dialogmode")
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    agenda: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column()
    per_association: Mapped[int | None] = mapped_column()
    rsvp_deadline: Mapped[datetime] = mapped_column()
    audience: Mapped[str] = mapped_column(String(24))
    questions_enabled: Mapped[bool] = mapped_column(default=False)
    reminder_days: Mapped[list[int]] = mapped_column(type_=JSON, default=lambda: [7, 1])
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | cancelled
    version: Mapped[int] = mapped_column(default=1)
    #: The staff member's Telegram id; cleared when they are erased (`bot.privacy.generic`).
    created_by: Mapped[int | None] = mapped_column(BigInteger, info={"telegram_id": True})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def state(self, now: datetime) -> str:
        """The meeting as staff name it at `now` (UTC), in chat and on the dashboard:
        ``cancelled``, ``past`` once it has ended, else ``active`` (»kommende«)."""
        if self.status == "cancelled":
            return "cancelled"
        return "past" if self.ends_at <= now else "active"


class Invitation(Base):
    """Someone the meeting was sent to (or who opened its link): they hear of changes, and
    those who have not answered get the reminders too."""

    __tablename__ = "meeting_invitation"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(12), default="broadcast")  # broadcast | link
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rsvp(Base):
    """One person's answer. `answer` is what they said (yes | no | maybe); `seat` is what they
    got when they said yes (confirmed | waitlist), None otherwise."""

    __tablename__ = "meeting_rsvp"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        Index("ix_meeting_rsvp_seats", "meeting_id", "seat", "seat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    seat: Mapped[str | None] = mapped_column(String(12))
    #: When the current seat was given: the waitlist moves up in this order.
    seat_at: Mapped[datetime | None] = mapped_column()
    association: Mapped[str | None] = mapped_column(String(200))
    #: `association` folded (case, accents, æøå) so "Ældre Sagen" and "ældre sagen" count as one.
    association_key: Mapped[str | None] = mapped_column(String(200))
    question: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
