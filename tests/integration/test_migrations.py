"""Migrations up and down on a fresh database, and the models matching the migrated schema.

SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (in a schema of its own, so the shared
test database is left alone).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.store import migrate
from bot.store.database import make_engine
from bot.store.schema import metadata
from tests.fakes.databases import TEST_DATABASE_URL

#: Tables and indexes a migration creates on one dialect only (SQLite full-text search tables and
#: their shadow tables, PostgreSQL full-text indexes): not in the models, so not compared.
DIALECT_ONLY_MARKERS = ("_fts", "fulltext")


def _dialect_only(name: str | None) -> bool:
    return bool(name) and any(marker in str(name) for marker in DIALECT_ONLY_MARKERS)


@pytest.fixture(params=["sqlite", *(["postgres"] if TEST_DATABASE_URL else [])])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    assert TEST_DATABASE_URL is not None
    schema = f"migrations_{uuid.uuid4().hex[:8]}"
    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if not _dialect_only(name)}


def _differences(engine: Engine) -> list[Any]:
    def include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        table = getattr(obj, "table", None)
        return not _dialect_only(name) and not _dialect_only(getattr(table, "name", None))

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include}
        )
        return list(compare_metadata(context, metadata))


def test_upgrade_downgrade_upgrade(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    models = {table.name for table in metadata.sorted_tables}
    assert models <= _tables(fresh_engine)
    migrate.downgrade(fresh_engine, "base")
    assert _tables(fresh_engine) <= {"alembic_version"}
    migrate.upgrade(fresh_engine)
    assert models <= _tables(fresh_engine)


def test_the_models_match_the_migrated_schema(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    assert _differences(fresh_engine) == []


def test_the_production_branch_alone_goes_up_and_down(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, "production@head")
    assert {"processed_update", "service_heartbeat", "app_user"} <= _tables(fresh_engine)
    migrate.downgrade(fresh_engine, "production@0001")
    assert "processed_update" not in _tables(fresh_engine)
    assert "app_user" in _tables(fresh_engine)
