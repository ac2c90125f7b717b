"""The scheduler: AsyncIOScheduler with a durable SQLAlchemy job store in our database.

Jobs survive restarts (they live in the `apscheduler_jobs` table). Only one process may run the
scheduler against one job store: the bot in a single-process deployment, `frivillig scheduler`
when there are several webhook workers.
"""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

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
