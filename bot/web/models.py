"""One-time login links for the staff dashboard (stored hashed: a database dump opens nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class WebLoginLink(Base):
    """A link `/staff/login/<token>` sent to one Telegram user; single use, short-lived."""

    __tablename__ = "web_login_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token (hex); the token itself is only in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # UTC
    expires_at: Mapped[datetime] = mapped_column()  # UTC
    used_at: Mapped[datetime | None] = mapped_column()  # UTC
