"""/mydata and /deletedata for consultations: the answers a user gave (and which consultations
reached them) are exported, and deleted on erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.consultations.models import Consultation
from bot.consultations.service import answers_of, recipient_rows_of
from bot.privacy.generic import json_safe
from bot.privacy.registry import register
from bot.store.models import User


def _title(session: Session, consultation_id: int) -> str | None:
    consultation = session.get(Consultation, consultation_id)
    return consultation.title if consultation is not None else None


def export_consultations(session: Session, user: User) -> dict[str, Any]:
    """The consultations sent to `user` and the answers they gave."""
    return {
        "received": [
            _title(session, row.consultation_id) for row in recipient_rows_of(session, user)
        ],
        "answers": [
            {
                "consultation": _title(session, row.consultation_id),
                "text": row.text,
                "file": row.file_name,
                "association": row.association,
                "answered_at": json_safe(row.updated_at),
            }
            for row in answers_of(session, user)
        ],
    }


def erase_consultations(session: Session, user: User, now: datetime) -> list[str]:
    """Delete the user's answers and their place on the recipient lists."""
    for row in [*answers_of(session, user), *recipient_rows_of(session, user)]:
        session.delete(row)
    return []


def register_consultation_privacy() -> None:
    """Register the consultations' data source (replaces the generic fallback for its tables)."""
    register(
        "consultations",
        export_consultations,
        erase_consultations,
        tables=["consultation_answer", "consultation_recipient"],
    )
