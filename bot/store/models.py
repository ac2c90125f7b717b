"""The core tables: municipalities, users, dialogue state, staff roles, outbox.

Features keep their own tables in their own modules (`bot/<feature>/models.py`); all of them are
imported by `bot.store.metadata` so Alembic and the tests see one schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from bot.store.base import Base, utcnow


class Municipality(Base):
    __tablename__ = "municipality"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(3), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    languages: Mapped[list[str]] = mapped_column(type_=JSON)
    contacts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    municipality_slug: Mapped[str | None] = mapped_column(
        ForeignKey("municipality.slug", ondelete="SET NULL")
    )
    consent_notices: Mapped[bool | None] = mapped_column(default=None)
    onboarded: Mapped[bool] = mapped_column(default=False)
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality | None] = relationship()


class DialogueState(Base):
    """Where one chat is: the journey, the step, the draft data of that step, and the last
    update that wrote it.

    `version` counts the chat's moves. The core saves a move with `UPDATE … WHERE version = ?`
    (`Conversation._save_state`), so two writers of one chat's state cannot both win; it also
    stamps step-bound buttons, so a button from an earlier screen is recognised as stale. The
    mapper's `version_id_col` keeps any other ORM write of the row to the same rule.
    """

    __tablename__ = "dialogue_state"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    journey: Mapped[str] = mapped_column(String(40), default="onboarding")
    step: Mapped[str] = mapped_column(String(60), default="language")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: The Telegram update whose turn last wrote for this chat, saved in that turn's transaction:
    #: the same update delivered again (its worker died before acknowledging it) is not handled
    #: a second time (`Conversation._handle_once`). None for a chat no update has written yet.
    last_update_id: Mapped[int | None] = mapped_column(BigInteger, default=None)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own convention


class StaffRole(Base):
    """A Telegram user who works for a municipality and may use /staff there."""

    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("telegram_id", "municipality_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    municipality_slug: Mapped[str] = mapped_column(
        ForeignKey("municipality.slug", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(20), default="staff")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message to a chat that is not the reply to the current update (invitations, notices,
    alerts, a status change told to an applicant). Written in the same transaction as the change
    that causes it; sent later by the dispatcher, so nothing is lost if the process dies.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int | None] = mapped_column(index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[dict[str, str]]]] = mapped_column(type_=JSON, default=list)
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_body: Mapped[bytes | None] = mapped_column()
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    #: Set when a dispatcher takes the row (status "sending"): a row still "sending" after its
    #: lease belongs to a dispatcher that died and is taken back (bot/delivery/outbox.py).
    claimed_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    #: What the message is about, for a check at send time (`bot.delivery.checks`): e.g.
    #: "meetings:reminder" with the meeting's id. A row whose check says it no longer applies (the
    #: RSVP was withdrawn, the draft submitted) is closed as ``skipped`` instead of being sent.
    kind: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column()

    @validates("chat_id")
    def _private_chats_only(self, _key: str, chat_id: int) -> int:
        # Telegram gives private chats the user's own (positive) id and groups, supergroups and
        # channels negative ids. frivillig sends personal messages, so never to a group.
        if not is_private_chat_id(chat_id):
            raise ValueError(f"outbox messages go to private chats only, not chat {chat_id}")
        return chat_id


def is_private_chat_id(chat_id: int) -> bool:
    """True for a Telegram private chat id (the user's own id, always positive).

    Source: the Bot API's `Chat.id` — groups, supergroups and channels have negative ids. Used to
    keep every outbox row, broadcast recipient and dialogue out of group chats.
    """
    return chat_id > 0


class GroupChatNotice(Base):
    """A group, supergroup or channel the bot has told once that it answers only in private.

    Nothing about the members is kept: only the chat's id and when the note was posted, so the
    bot answers a group at most once (issue 11: frivillig keeps no dialogue in group chats).
    """

    __tablename__ = "group_chat_notice"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    noted_at: Mapped[datetime] = mapped_column(default=utcnow)
