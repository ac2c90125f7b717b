"""The daily grant reminders: drafts before the deadline, approved grants before the report."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.grants.reminders import queue_grant_reminders
from bot.store.database import transaction
from scheduler import runtime

JOB_ID = "grants-reminders"
#: 07:00 UTC: the morning in Denmark (8/9 local); deadlines are calendar days in Copenhagen.
REMINDER_HOUR_UTC = 7
_DEADLINE_ZONE = ZoneInfo("Europe/Copenhagen")


def send_grant_reminders() -> int:
    """Queue today's grant reminders in the outbox (the dispatcher sends them); safe to rerun."""
    services = runtime.services()
    now = services.clock()
    grants = services.features.get("grants")
    schemes = getattr(grants, "schemes", None)
    with transaction(services.db) as session:
        return queue_grant_reminders(
            session, now.astimezone(_DEADLINE_ZONE).date(), now, schemes=schemes
        )


def register_grant_jobs(scheduler: Any) -> None:
    """Add (or replace) the durable daily job; call once at start-up, before `start()`."""
    scheduler.add_job(
        send_grant_reminders,
        "cron",
        hour=REMINDER_HOUR_UTC,
        minute=0,
        id=JOB_ID,
        replace_existing=True,
    )
