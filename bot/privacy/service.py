"""Export and erasure of one user's data, across every registered source (no Telegram here)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.privacy import generic, registry
from bot.privacy.sources import register_all
from bot.store.models import User

log = logging.getLogger(__name__)

EXPORT_FORMAT = "frivillig-export/1"
_ready = False


def _ensure_sources() -> None:
    global _ready  # the registry is process-wide by design; fill it once
    if not _ready:
        register_all()
        _ready = True


def export_user_data(session: Session, user: User, now: datetime) -> dict[str, Any]:
    """Everything stored about `user`: one section per source, plus `other` for the tables no
    source covers (empty sections are left out)."""
    _ensure_sources()
    sections: dict[str, Any] = {}
    for source in registry.sources():
        data = source.export(session, user)
        if any(data.values()):
            sections[source.name] = data
    other = generic.export_rows(session, user, registry.covered_tables())
    if other:
        sections["other"] = other
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "telegram_id": user.telegram_id,
        "sections": sections,
    }


def erase_user(session: Session, user: User, now: datetime) -> list[str]:
    """Erase everything about `user` at `now` (UTC), the user row last.

    Everything the user held is released as if they had withdrawn it themselves (each source uses
    its feature's own withdraw/cancel function), so others notice the same: a freed meeting seat
    goes to the first on the waitlist, who is told. Returns catalog keys of what had to be kept
    and why (no duplicates, in order). Runs in the caller's transaction; never commits.
    """
    _ensure_sources()
    telegram_id = user.telegram_id
    kept: list[str] = []
    # Features registered after the core go first: their rows may point at the core's. The
    # sources run before the generic fallback, so their withdraw functions still find the rows
    # (and the user) they release.
    for source in reversed(registry.sources()):
        for note in source.erase(session, user, now):
            if note not in kept:
                kept.append(note)
    session.flush()
    deleted, unlinked = generic.erase_rows(session, user, registry.covered_tables())
    if unlinked:
        kept.insert(0, "privacy.kept.unlinked")
    session.delete(user)
    session.flush()
    log.info(
        "privacy.erased",
        extra={"user_id": telegram_id, "rows_deleted": deleted, "rows_unlinked": unlinked},
    )
    return kept
