"""The daily jobs of the volunteer award and consultations: reminders before their deadlines
(09:00 on the municipality's wall clock) and the retention of old nominations."""

from __future__ import annotations

from typing import Any

from bot.award import service as award
from bot.consultations import service as consultations
from bot.store.database import transaction
from scheduler import runtime
from scheduler.zones import add_daily_jobs, slugs_in

JOB_ID = "civic-reminders"
REMINDER_HOUR_LOCAL = 9


def send_civic_reminders(zone: str) -> int:
    """Queue the award and consultation reminders due in the municipalities of `zone`, and
    delete nominations past their retention; safe to rerun (each reminder has its broadcast key).
    Returns the rows queued."""
    services = runtime.services()
    now = services.clock()
    slugs = slugs_in(services, zone)
    names = {
        slug: name
        for slug in slugs
        if (info := services.directory.get(slug)) is not None
        and (name := info.award_name("da")) is not None
    }
    with transaction(services.db) as session:
        queued = award.queue_reminders(session, now, municipalities=slugs, award_names=names)
        queued += consultations.queue_reminders(session, now, municipalities=slugs)
        award.forget_old_nominations(session, now)
    return queued


def register_civic_jobs(scheduler: Any) -> None:
    """Add (or replace) the durable daily jobs, one per zone; call once at start-up."""
    add_daily_jobs(
        scheduler, runtime.services(), send_civic_reminders, JOB_ID, hour=REMINDER_HOUR_LOCAL
    )
