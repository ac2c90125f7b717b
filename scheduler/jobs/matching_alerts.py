"""The daily digest of new volunteering opportunities for saved searches."""

from __future__ import annotations

from typing import Any

from bot.matching.alerts import queue_digests
from bot.store.database import transaction
from scheduler import runtime

JOB_ID = "matching-alerts-digest"
#: 17:00 UTC: after work in Denmark (18/19 local) and early afternoon in Nuuk.
DIGEST_HOUR_UTC = 17


def send_matching_alerts() -> int:
    """Queue today's digests in the outbox (the dispatcher sends them); safe to run twice."""
    services = runtime.services()
    with transaction(services.db) as session:
        return queue_digests(session, services.clock())


def register_matching_jobs(scheduler: Any) -> None:
    """Add (or replace) the durable daily job; call once at start-up, before `start()`."""
    scheduler.add_job(
        send_matching_alerts,
        "cron",
        hour=DIGEST_HOUR_UTC,
        minute=0,
        id=JOB_ID,
        replace_existing=True,
    )
