"""Keep a file's bytes in the database and find them again by its stored file id."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.files.models import StoredFile

#: How a stored file's id begins; a Telegram file id never contains a colon.
PREFIX = "stored:"


def is_stored(file_id: str | None) -> bool:
    """Whether `file_id` names a file kept in our database (not one on Telegram's servers)."""
    return bool(file_id) and str(file_id).startswith(PREFIX)


def keep(
    session: Session,
    content: bytes,
    *,
    file_name: str,
    mime_type: str | None,
    uploaded_by: int | None,
    now: datetime,
) -> str:
    """Store `content` (bytes) and return its file id (``stored:…``), usable wherever a Telegram
    file id is (an attachment's answer, `OutgoingDocument.file_id`)."""
    key = uuid.uuid4().hex
    session.add(
        StoredFile(
            key=key,
            file_name=file_name[:255],
            mime_type=(mime_type or "")[:127],
            size=len(content),
            content=content,
            uploaded_by=uploaded_by,
            created_at=now,
        )
    )
    session.flush()
    return PREFIX + key


def load(session: Session, file_id: str) -> StoredFile | None:
    """The stored file `file_id` names; None for another kind of id or a file that is gone."""
    if not is_stored(file_id):
        return None
    key = file_id.removeprefix(PREFIX)
    return session.scalars(select(StoredFile).where(StoredFile.key == key)).first()


def content_of(session: Session, file_id: str) -> bytes | None:
    """The bytes of the stored file `file_id` names, or None (see `load`)."""
    stored = load(session, file_id)
    return None if stored is None else bytes(stored.content)
