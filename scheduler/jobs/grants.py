"""The daily grant reminders: drafts before the deadline, approved grants before the report."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.grants.reminders import queue_grant_reminders
from bot.store.database import transaction
from scheduler import runtime
from scheduler.zones import add_daily_jobs, slugs_in

JOB_ID = "grants-reminders"
#: 09:00 on the municipality's own wall clock, summer and winter, in Nuuk as in Copenhagen.
REMINDER_HOUR_LOCAL = 9


def send_grant_reminders(zone: str) -> int:
    """Queue today's grant reminders for the municipalities in `zone` (today = their calendar
    day: a deadline ends at midnight there); the dispatcher sends them; safe to rerun."""
    services = runtime.services()
    now = services.clock()
    schemes = services.grants.schemes
    with transaction(services.db) as session:
        return queue_grant_reminders(
            session,
            now.astimezone(ZoneInfo(zone)).date(),
            now,
            municipalities=slugs_in(services, zone),
            schemes=schemes,
            zone=zone,
            directory=services.directory,
        )


def register_grant_jobs(scheduler: Any) -> None:
    """Add (or replace) the durable daily jobs, one per zone; call once at start-up."""
    add_daily_jobs(
        scheduler, runtime.services(), send_grant_reminders, JOB_ID, hour=REMINDER_HOUR_LOCAL
    )
