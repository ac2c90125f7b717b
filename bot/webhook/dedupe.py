"""Update de-duplication: each Telegram update id is handled by one worker, and acknowledged
only once it has been handled.

A claim is a lease: the worker that inserted the row handles the update, marks it done and only
then answers Telegram 200. A worker killed in between never answers, so Telegram (or the load
balancer) delivers the update again; another worker finds the claim not done and answers 503
("try again") until the lease has run out, then takes the claim over and handles the update.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.store.database import Database, transaction
from bot.webhook.models import ProcessedUpdate

#: Telegram gives up re-delivering an update after about a day; ids are kept twice as long.
KEEP_HOURS = 48
#: A claim not done after this long belongs to a worker that died (or hangs): another may take it.
LEASE_SECONDS = 60.0


def claim_update(db: Database, update_id: int, now: datetime, lease: float = LEASE_SECONDS) -> bool:
    """True when this worker should handle `update_id`: its first claim, or the take-over of a
    claim older than `lease` seconds that was never marked done. False otherwise (any process).

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
        if session.execute(statement.returning(ProcessedUpdate.update_id)).first() is not None:
            return True
        taken_over = session.execute(
            update(ProcessedUpdate)
            .where(
                ProcessedUpdate.update_id == update_id,
                ProcessedUpdate.done_at.is_(None),
                ProcessedUpdate.received_at < now - timedelta(seconds=lease),
            )
            .values(received_at=now)
            .returning(ProcessedUpdate.update_id)
        ).first()
    return taken_over is not None


def finish_update(db: Database, update_id: int, now: datetime) -> None:
    """Mark `update_id` handled: later deliveries are acknowledged and dropped."""
    with transaction(db) as session:
        session.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)
            .values(done_at=now)
        )


def update_done(db: Database, update_id: int) -> bool:
    """Whether `update_id` has been handled (False while a worker is still at it)."""
    with db.unit_of_work() as uow:
        done = uow.session.scalar(
            select(ProcessedUpdate.done_at).where(ProcessedUpdate.update_id == update_id)
        )
    return done is not None


def prune_processed(db: Database, older_than: datetime) -> int:
    """Forget update ids received before `older_than`; the number forgotten."""
    with transaction(db) as session:
        result: Any = session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.received_at < older_than)
        )
        return int(result.rowcount or 0)
