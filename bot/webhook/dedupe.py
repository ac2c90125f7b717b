"""Update de-duplication: each Telegram update id is handled by exactly one worker, once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.store.database import Database, transaction
from bot.webhook.models import ProcessedUpdate

#: Telegram gives up re-delivering an update after about a day; ids are kept twice as long.
KEEP_HOURS = 48


def claim_update(db: Database, update_id: int, now: datetime) -> bool:
    """True for the first claim of `update_id`, False for every later one (any process).

    Committed in its own short transaction before the update is handled, so a second delivery
    arriving while the first is still being handled is already refused.
    """
    values = {"update_id": update_id, "received_at": now}
    statement: Any
    if db.is_postgres:
        statement = postgres_insert(ProcessedUpdate).values(values).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(ProcessedUpdate).values(values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    with transaction(db) as session:
        inserted = session.execute(statement.returning(ProcessedUpdate.update_id)).first()
    return inserted is not None


def prune_processed(db: Database, older_than: datetime) -> int:
    """Forget update ids received before `older_than`; the number forgotten."""
    with transaction(db) as session:
        result: Any = session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.received_at < older_than)
        )
        return int(result.rowcount or 0)
