"""The matching migration creates exactly the tables the models describe (plus the full-text
table on SQLite) and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store import migrate
from bot.store.database import Database
from bot.store.schema import metadata

TABLES = {"association", "opportunity", "opportunity_interest", "saved_search"}


def _mentions_ours(diff: object) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item if isinstance(item, tuple) else ():
        table = getattr(part, "table", None)
        names = {getattr(part, "name", None), getattr(table, "name", None), part}
        if names & TABLES:
            return True
    return False


def test_migration_matches_the_models_and_downgrades(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(db.engine)
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
        connection.execute(text("SELECT count(*) FROM opportunity_fts")).scalar_one()
    ours = [d for d in diffs if _mentions_ours(d)]
    assert not ours, ours
    assert set(inspect(db.engine).get_table_names()) >= TABLES | {"opportunity_fts"}
    migrate.downgrade(db.engine, "matching@0001")
    left = set(inspect(db.engine).get_table_names())
    assert not (TABLES | {"opportunity_fts"}) & left
    migrate.upgrade(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    db.dispose()
