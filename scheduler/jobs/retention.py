"""The daily retention job: erase users who have not written for `retention_days`."""

from __future__ import annotations

import asyncio

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.privacy.retention import erase_inactive_users
from scheduler import runtime

JOB_ID = "privacy-retention"


async def run_retention() -> int:
    """One pass; the number of users erased."""
    services = runtime.services()
    # The erasure is synchronous database work: keep it off the event loop the bot runs on.
    return await asyncio.to_thread(
        erase_inactive_users,
        services.db,
        services.clock(),
        services.settings.retention_days,
    )


def register_retention_job(scheduler: BaseScheduler) -> None:
    """Every night at 03:15 UTC, when hardly anyone writes; replaces the stored job on restart."""
    scheduler.add_job(
        run_retention,
        CronTrigger(hour=3, minute=15, timezone="UTC"),
        id=JOB_ID,
        name="erase inactive users",
        replace_existing=True,
    )
