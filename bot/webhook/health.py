"""/healthz: is each part this worker depends on alive? One JSON object, one entry per part."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import text

from bot.core.services import Services
from bot.webhook.heartbeat import SCHEDULER, STALE_SECONDS, last_beat

NLU_TIMEOUT_SECONDS = 2.0


def _database(services: Services) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def _nlu(services: Services) -> dict[str, Any]:
    healthy = getattr(services.nlu, "healthy", None)
    if healthy is None:
        return {"ok": False, "error": "not configured"}
    try:
        ok = bool(await asyncio.wait_for(healthy(), NLU_TIMEOUT_SECONDS))
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": ok}


def _scheduler(services: Services) -> dict[str, Any]:
    try:
        beat = last_beat(services.db, SCHEDULER)
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    if beat is None:
        return {"ok": False, "error": "no heartbeat yet"}
    age = (services.clock() - beat).total_seconds()
    return {"ok": age <= STALE_SECONDS, "seconds_since_beat": round(age, 1)}


async def check_health(services: Services) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body). Without the database this worker can do nothing: 503. Without the NLU
    or the scheduler it still answers (buttons work, reminders wait): 200, status "degraded"."""
    # The SQL runs in threads: a stuck database must not stall this worker's updates.
    components = {
        "database": await asyncio.to_thread(_database, services),
        "nlu": await _nlu(services),
        "scheduler": await asyncio.to_thread(_scheduler, services),
    }
    if not components["database"]["ok"]:
        return 503, {"status": "down", "components": components}
    degraded = not all(part["ok"] for part in components.values())
    return 200, {"status": "degraded" if degraded else "ok", "components": components}
