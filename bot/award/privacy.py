"""/mydata and /deletedata for the volunteer award: the nominations a user made (with what they
wrote about the nominee) are exported, and deleted on erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.award.models import AwardRound
from bot.award.service import nominations_of
from bot.privacy.generic import json_safe
from bot.privacy.registry import register
from bot.store.models import User


def export_nominations(session: Session, user: User) -> dict[str, Any]:
    """Every nomination `user` made, with the round's title."""
    result = []
    for row in nominations_of(session, user):
        award_round = session.get(AwardRound, row.round_id)
        result.append(
            {
                "round": award_round.title if award_round else None,
                "nominee_kind": row.nominee_kind,
                "nominee": row.nominee_name,
                "reason": row.reason,
                "your_name": row.nominator_name,
                "your_contact": row.nominator_contact,
                "may_contact_nominee": row.may_contact_nominee,
                "shortlisted": row.shortlisted,
                "created_at": json_safe(row.created_at),
            }
        )
    return {"nominations": result}


def erase_nominations(session: Session, user: User, now: datetime) -> list[str]:
    """Delete the user's nominations (the nominee's data written by them goes too)."""
    for row in nominations_of(session, user):
        session.delete(row)
    return []


def register_award_privacy() -> None:
    """Register the award's data source (replaces the generic fallback for its table)."""
    register(
        "award_nominations", export_nominations, erase_nominations, tables=["award_nomination"]
    )
