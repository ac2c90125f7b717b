"""The matching reference data for PostgreSQL tests.

The shared `database` fixture empties every PostgreSQL table but `municipality` between tests, so
associations and opportunities are loaded again here (the SQLite template keeps them already).
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.directory import Directory
from bot.matching.catalog import seed_matching
from bot.matching.models import Opportunity
from bot.store.base import utcnow
from bot.store.database import Database, transaction


def ensure_seeded(database: Database) -> Database:
    with transaction(database) as session:
        if not session.scalar(select(func.count()).select_from(Opportunity)):
            data = PROJECT_ROOT / "data"
            seed_matching(session, Directory.load(data), data, utcnow())
    return database
