"""Keys built at run time exist in both languages; the migration matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.i18n import has
from bot.meetings.audiences import AUDIENCES
from bot.meetings.service import CSV_COLUMNS, EDITABLE
from bot.meetings.staff.notices import NOTICE_KINDS
from bot.meetings.staff.steps import FIELDS, TEXT_FIELDS
from bot.store.database import Database
from bot.store.schema import metadata

DYNAMIC_KEYS = (
    [f"meetings.ask.{f}" for f in (*TEXT_FIELDS, "audience", "questions_enabled")]
    + [f"meetings.field.{f}" for f in (*FIELDS, *EDITABLE)]
    + [f"meetings.notice.kind.{k}" for k in NOTICE_KINDS]
    + [f"meetings.notice.ask_{s}" for s in ("title", "body")]
    + [f"meetings.error.notice_{s}" for s in ("title", "body")]
    + [f"meetings.error.{f}" for f in ("title", "place", "address", "agenda", "number")]
    + [f"meetings.csv.{c}" for c in CSV_COLUMNS]
    + [f"meetings.status.{s}" for s in ("confirmed", "waitlist", "yes", "no", "maybe", "none")]
    + [f"meetings.staff.status.{s}" for s in ("active", "past", "cancelled")]
    + [a.label_key for a in AUDIENCES.values()]
    + ["delivery.progress", "delivery.tally"]
)


@pytest.mark.parametrize("language", ["da", "en"])
def test_keys_built_at_run_time_have_texts(language: str) -> None:
    missing = [key for key in DYNAMIC_KEYS if not has(language, key)]
    assert not missing


def test_the_migration_creates_exactly_what_the_models_describe(database: Database) -> None:
    ours = {"meeting", "meeting_invitation", "meeting_rsvp", "broadcast", "outbox_message"}
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)

    def table_of(op: object) -> str | None:
        item = op[0] if isinstance(op, list) else op
        for part in item[1:] if isinstance(item, tuple) else ():
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if isinstance(name, str) and name in ours:
                return name
        return None

    assert [d for d in diff if table_of(d) in ours] == []


def test_the_branch_downgrades_and_upgrades_again(tmp_path: object) -> None:
    from pathlib import Path

    from sqlalchemy import inspect

    from bot.store import migrate

    db = Database(f"sqlite:///{Path(str(tmp_path)) / 'm.db'}")
    migrate.upgrade(db.engine)
    migrate.downgrade(db.engine, "meetings@0001")
    names = inspect(db.engine).get_table_names()
    assert "meeting" not in names and "broadcast" not in names
    assert "claimed_at" not in {c["name"] for c in inspect(db.engine).get_columns("outbox_message")}
    migrate.upgrade(db.engine)
    assert "meeting_rsvp" in inspect(db.engine).get_table_names()
    db.dispose()
