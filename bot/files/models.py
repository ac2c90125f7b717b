"""The stored files table (see `bot.files`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, utcnow


class StoredFile(Base):
    """A file's bytes, kept for as long as what refers to it (an application's attachment).

    `uploaded_by` is the Telegram id of the person who attached it: /mydata exports the file and
    /deletedata unlinks it (the generic privacy fallback clears the pointer), while the file itself
    stays with the application it belongs to, as a Telegram attachment stays on Telegram.
    """

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127), default="")
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int | None] = mapped_column(BigInteger, info={"telegram_id": True})
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
