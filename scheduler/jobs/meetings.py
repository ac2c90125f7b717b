"""Meeting reminders as durable APScheduler jobs (one date job per meeting and reminder).

The database is the truth: `sync_meeting_reminders` runs every few minutes in the scheduler's
process and makes the jobs match the meetings (new, moved or cancelled), so the bot's workers
never need a handle on the scheduler. A reminder whose moment fell between two syncs is still
owed and runs at once (see `reminder_plan`). Each reminder job queues a broadcast whose key makes
a second run harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.meetings.reminders import reminder_plan
from bot.meetings.service import queue_reminder
from bot.store.database import transaction
from scheduler import runtime

log = logging.getLogger(__name__)

SYNC_JOB_ID = "meetings-sync-reminders"
SYNC_MINUTES = 5
_PREFIX = "meeting-"
_scheduler: Any = None


def register_meeting_jobs(scheduler: Any) -> None:
    """Add (or replace) the sync job, which runs at once and then every few minutes; call once
    at start-up, before `start()`."""
    global _scheduler  # the job functions must be module-level; this is their scheduler
    _scheduler = scheduler
    scheduler.add_job(
        sync_meeting_reminders,
        "interval",
        minutes=SYNC_MINUTES,
        id=SYNC_JOB_ID,
        replace_existing=True,
        next_run_time=runtime.services().clock(),
    )


def sync_meeting_reminders() -> int:
    """Make the reminder jobs match the meetings; returns how many jobs were added or moved."""
    if _scheduler is None:
        raise RuntimeError("register_meeting_jobs() was not called")
    services = runtime.services()
    with transaction(services.db) as session:
        plan = reminder_plan(session, services.clock())
    wanted = {p.job_id: p for p in plan}
    changed = 0
    for job in _scheduler.get_jobs():
        if job.id.startswith(_PREFIX) and job.id not in wanted:
            job.remove()  # cancelled, or the reminder moment has passed
    for planned in plan:
        job = _scheduler.get_job(planned.job_id)
        if job is not None and job.trigger.run_date == planned.run_at:
            continue
        _scheduler.add_job(
            send_meeting_reminder,
            "date",
            run_date=planned.run_at,
            id=planned.job_id,
            kwargs={"meeting_id": planned.meeting_id, "days": planned.days},
            replace_existing=True,
        )
        changed += 1
    if changed:
        log.info("meetings.reminders_synced", extra={"changed": changed})
    return changed


def send_meeting_reminder(meeting_id: int, days: int) -> int:
    """Queue the reminder broadcast; returns its size (0 when there is nothing to remind of)."""
    services = runtime.services()
    with transaction(services.db) as session:
        broadcast = queue_reminder(session, meeting_id, days, services.clock())
        total = broadcast.total if broadcast is not None else 0
    log.info(
        "meetings.reminder_queued", extra={"meeting_id": meeting_id, "days": days, "total": total}
    )
    return total
