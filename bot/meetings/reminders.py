"""Which reminders a meeting should have, and when (the scheduler turns this into jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.meetings.models import Meeting


@dataclass(frozen=True)
class PlannedReminder:
    job_id: str
    meeting_id: int
    days: int
    run_at: datetime


def job_id(meeting_id: int, days: int) -> str:
    return f"meeting-{meeting_id}-reminder-{days}"


def reminder_plan(session: Session, now: datetime) -> list[PlannedReminder]:
    """Reminders still ahead for every active meeting (7 and 1 days before by default).

    A reminder whose moment has passed is left out: a meeting created three days ahead gets
    the one-day reminder only, its invitation having just arrived.
    """
    plan = []
    for meeting in session.scalars(
        select(Meeting).where(Meeting.status == "active", Meeting.starts_at > now)
    ):
        for days in meeting.reminder_days or []:
            run_at = meeting.starts_at - timedelta(days=int(days))
            if run_at > now:
                plan.append(
                    PlannedReminder(job_id(meeting.id, int(days)), meeting.id, int(days), run_at)
                )
    return plan
