"""The grants migration creates exactly the tables the models describe, and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.store import migrate
from bot.store.database import Database
from bot.store.schema import metadata

GRANT_TABLES = {"grant_application", "grant_reference_counter"}


def _table_of(diff: object) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item if isinstance(item, tuple) else ():
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None) in GRANT_TABLES:
            return str(table.name)
        if name in GRANT_TABLES:
            return str(name)
        if isinstance(part, str) and part in GRANT_TABLES:
            return part
    return None


def test_migration_matches_the_models_and_downgrades(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(db.engine)
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    ours = [d for d in diffs if _table_of(d)]
    assert not ours, ours
    assert set(inspect(db.engine).get_table_names()) >= GRANT_TABLES
    migrate.downgrade(db.engine, "grants@0001")
    assert not GRANT_TABLES & set(inspect(db.engine).get_table_names())
    migrate.upgrade(db.engine)
    assert set(inspect(db.engine).get_table_names()) >= GRANT_TABLES
    db.dispose()
