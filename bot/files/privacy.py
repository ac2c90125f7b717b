"""/mydata and /deletedata for stored files (terminal attachments, see `bot.files`).

/mydata exports the files a user attached (bytes up to the export's limit). /deletedata deletes
them, except those attached to an application that was sent: the municipality keeps a sent
application, attachments included (`bot.grants.privacy`), so those stay, no longer linked to the
person, as a Telegram attachment of a kept application stays on Telegram's servers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from bot.files.models import StoredFile
from bot.files.store import PREFIX
from bot.grants.models import GrantApplication, Status
from bot.privacy.generic import json_safe
from bot.privacy.registry import register
from bot.store.models import User


def _files(session: Session, user: User) -> list[StoredFile]:
    return list(
        session.scalars(
            select(StoredFile)
            .where(StoredFile.uploaded_by == user.telegram_id)
            .order_by(StoredFile.id)
        )
    )


def _in_a_sent_application(session: Session, stored: StoredFile) -> bool:
    """Whether an application that is not a draft has `stored` as an attachment."""
    found = session.scalars(
        select(GrantApplication.id)
        .where(
            GrantApplication.status != Status.DRAFT.value,
            cast(GrantApplication.answers, String).contains(PREFIX + stored.key),
        )
        .limit(1)
    ).first()
    return found is not None


def export_files(session: Session, user: User) -> dict[str, Any]:
    return {
        "files": [
            {
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "size": stored.size,
                "created_at": json_safe(stored.created_at),
                "content": json_safe(bytes(stored.content)),
            }
            for stored in _files(session, user)
        ]
    }


def erase_files(session: Session, user: User, now: datetime) -> list[str]:
    for stored in _files(session, user):
        if _in_a_sent_application(session, stored):
            stored.uploaded_by = None  # the grants source says what was kept and why
        else:
            session.delete(stored)
    return []


def register_file_privacy() -> None:
    """Register the stored files source (replaces the generic fallback for the table)."""
    register("stored_files", export_files, erase_files, tables=["stored_file"])
