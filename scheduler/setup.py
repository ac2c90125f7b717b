"""The scheduler: AsyncIOScheduler with a durable SQLAlchemy job store in our database.

Jobs survive restarts (they live in the `apscheduler_jobs` table). Only one process may run the
scheduler against one job store: the bot in a single-process deployment, `frivillig scheduler`
when there are several webhook workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.ext import Application

from bot.core.services import Services
from scheduler import runtime

JOB_DEFAULTS = {
    # A reminder that was due while the process was down is sent once when it comes back,
    # not once per missed run, and not at all if it is more than a day late.
    "coalesce": True,
    "misfire_grace_time": 24 * 3600,
    "max_instances": 1,
}


def build_scheduler(services: Services) -> AsyncIOScheduler:
    """A scheduler on the services' database; not started."""
    runtime.install(services)
    store = SQLAlchemyJobStore(engine=services.db.engine, tablename="apscheduler_jobs")
    return AsyncIOScheduler(
        jobstores={"default": store},
        job_defaults=JOB_DEFAULTS,
        timezone="UTC",
    )


def scheduler_task(services: Services) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    """The scheduler inside the single bot process (`frivillig run`, long polling): started with
    every job registered once the application runs, shut down when it stops."""

    async def run_scheduler(application: Application) -> None:  # type: ignore[type-arg]
        from scheduler.jobs import register_jobs  # the jobs import the features

        scheduler = build_scheduler(services)
        register_jobs(scheduler)
        scheduler.start()
        try:
            # PTB has no "stopped" event; its stop() waits for this task, so poll the flag.
            while not application.running:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            while application.running:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
        finally:
            scheduler.shutdown(wait=False)

    return run_scheduler
