"""The daily retention job: erase users who have not written for `retention_days`."""

from __future__ import annotations

import asyncio

from apscheduler.schedulers.base import BaseScheduler

from bot.privacy.retention import erase_inactive_users
from scheduler import runtime
from scheduler.zones import DEFAULT_ZONE, add_daily_jobs, slugs_in

JOB_ID = "privacy-retention"


async def run_retention(zone: str) -> int:
    """One pass over the users of the municipalities in `zone`; the number of users erased."""
    services = runtime.services()
    # The erasure is synchronous database work: keep it off the event loop the bot runs on.
    return await asyncio.to_thread(
        erase_inactive_users,
        services.db,
        services.clock(),
        services.settings.retention_days,
        municipalities=slugs_in(services, zone),
        without_municipality=zone == DEFAULT_ZONE,
    )


def register_retention_job(scheduler: BaseScheduler) -> None:
    """Every night at 03:15 local time in each zone, when hardly anyone writes; replaces the
    stored jobs on restart."""
    add_daily_jobs(
        scheduler,
        runtime.services(),
        run_retention,
        JOB_ID,
        hour=3,
        minute=15,
        name="erase inactive users",
    )
