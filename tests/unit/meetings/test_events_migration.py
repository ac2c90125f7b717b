"""Migration 0009: meetings made before kinds become dialogue meetings; the company tables are
exactly what the models describe; it downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store import migrate
from bot.store.database import Database
from bot.store.schema import metadata

OURS = {"company", "company_referral"}


def _about_us(diff: object) -> bool:
    rendered = repr(diff)
    return any(f"'{name}'" in rendered for name in OURS) or "'kind'" in rendered


def test_existing_meetings_become_dialogue_meetings(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(db.engine, "0007")
    migrate.upgrade(db.engine, "0003")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO municipality (slug, name, code, timezone, languages, contacts) "
                "VALUES ('sonderborg', 'Sønderborg Kommune', '540', 'Europe/Copenhagen', "
                "'[\"da\"]', '{}')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO meeting (municipality_slug, draft_key, title, starts_at, ends_at, "
                "place, address, agenda, rsvp_deadline, audience, questions_enabled, "
                "reminder_days, status, version, created_at, updated_at) VALUES ('sonderborg', "
                "'old', 'Dialogmøde', '2027-03-15 16:00:00', '2027-03-15 19:00:00', 'Huset', "
                "'Vej 1', '', '2027-03-08 22:59:00', 'citizens', 1, '[7, 1]', 'active', 1, "
                "'2027-01-01 00:00:00', '2027-01-01 00:00:00')"
            )
        )
    migrate.upgrade(db.engine)
    with db.engine.connect() as connection:
        kinds = connection.execute(text("SELECT kind FROM meeting")).scalars().all()
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    assert kinds == ["dialogmode"]
    assert not [d for d in diffs if _about_us(d)], diffs
    migrate.downgrade(db.engine, "0007")
    tables = set(inspect(db.engine).get_table_names())
    assert not OURS & tables
    assert "kind" not in {c["name"] for c in inspect(db.engine).get_columns("meeting")}
    db.dispose()
