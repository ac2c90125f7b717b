"""Tables of consultations: the consultation, whom it was sent to, and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class Consultation(Base):
    """A consultation ("høring") of one municipality: a proposal, its document (a Telegram file
    id, sent again by id), answers until `deadline` (UTC). `draft_key` makes »Send« idempotent."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE"), index=True
    )
    draft_key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    document_file_id: Mapped[str] = mapped_column(String(300))
    document_name: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[datetime] = mapped_column()
    audience: Mapped[str] = mapped_column(String(24))
    thanked_at: Mapped[datetime | None] = mapped_column()
    #: The staff member's Telegram id; cleared when they are erased (`bot.privacy.generic`).
    created_by: Mapped[int | None] = mapped_column(BigInteger, info={"telegram_id": True})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsultationRecipient(Base):
    """Someone the consultation was sent to: they may answer, and get the reminder if they
    have not."""

    __tablename__ = "consultation_recipient"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)


class ConsultationAnswer(Base):
    """One recipient's answer: text and/or a file (a Telegram file id); replaced, not added to,
    when they change it before the deadline."""

    __tablename__ = "consultation_answer"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(200))
    #: The association the answer speaks for (the chair's association), if any.
    association: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
