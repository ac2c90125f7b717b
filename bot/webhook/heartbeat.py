"""Heartbeats: a background process writes one every interval; /healthz reads its age."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from bot.store.database import Database, transaction
from bot.webhook.models import Heartbeat

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
INTERVAL_SECONDS = 30.0
#: A heartbeat older than this (three missed beats) means the process is gone or stuck.
STALE_SECONDS = 3 * INTERVAL_SECONDS


def beat(db: Database, name: str, now: datetime) -> None:
    with transaction(db) as session:
        row = session.get(Heartbeat, name)
        if row is None:
            session.add(Heartbeat(name=name, beat_at=now))
        else:
            row.beat_at = now


def last_beat(db: Database, name: str) -> datetime | None:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))


async def beat_forever(
    db: Database,
    name: str,
    clock: Callable[[], datetime],
    alive: Callable[[], bool],
    interval: float = INTERVAL_SECONDS,
) -> None:
    """Beat while `alive()` says the process does its work; a failed beat is logged, not fatal
    (the database may be back by the next one)."""
    while True:
        if alive():
            try:
                beat(db, name, clock())
            except Exception:
                log.warning("heartbeat.failed", extra={"service": name}, exc_info=True)
        await asyncio.sleep(interval)
