"""Reference data from `data/` into the database; safe to run any number of times."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.store.models import Municipality

log = logging.getLogger(__name__)


def seed_municipalities(session: Session, directory: Directory) -> int:
    """Insert or update the municipalities; returns how many there are."""
    for info in directory.municipalities.values():
        row = session.get(Municipality, info.slug) or Municipality(slug=info.slug)
        row.name = info.name
        row.code = info.code
        row.timezone = info.timezone
        row.languages = list(info.languages)
        row.contacts = {
            kind: {"name": c.name, "title": c.title, "email": c.email, "phone": c.phone}
            for kind, c in info.contacts.items()
        }
        session.add(row)
    session.flush()
    return len(directory.municipalities)
