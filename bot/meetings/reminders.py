"""Which reminders a meeting should have, and when (the scheduler turns this into jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.models import Broadcast
from bot.meetings.models import Meeting


@dataclass(frozen=True)
class PlannedReminder:
    job_id: str
    meeting_id: int
    days: int
    run_at: datetime


def job_id(meeting_id: int, days: int) -> str:
    return f"meeting-{meeting_id}-reminder-{days}"


def reminder_key(meeting: Meeting, days: int) -> str:
    """The reminder broadcast's key. The start time is in it: a meeting moved after one
    reminder gets a new one."""
    return f"meeting:{meeting.id}:reminder:{days}:{meeting.starts_at:%Y%m%d%H%M}"


def reminder_plan(session: Session, now: datetime) -> list[PlannedReminder]:
    """Reminders every active meeting should get (7 and 1 days before by default).

    Those still ahead, and those *owed*: the moment came while the meeting existed, no reminder
    went out, and at least half the notice is left (a one-day reminder up to 12 hours late).
    So a meeting created minutes before its one-day moment (the sync runs every few minutes),
    or while the scheduler was down, is still reminded; its job runs at once. A meeting
    created three days ahead gets the one-day reminder only: its invitation has just arrived,
    and a week's reminder was never due.
    """
    sent = set(session.scalars(select(Broadcast.key).where(Broadcast.key.startswith("meeting:"))))
    plan = []
    for meeting in session.scalars(
        select(Meeting).where(Meeting.status == "active", Meeting.starts_at > now)
    ):
        for days in meeting.reminder_days or []:
            run_at = meeting.starts_at - timedelta(days=int(days))
            notice = timedelta(days=int(days))
            owed = (
                meeting.created_at <= run_at <= now
                and meeting.starts_at - now >= notice / 2
                and reminder_key(meeting, int(days)) not in sent
            )
            if run_at > now or owed:
                plan.append(
                    PlannedReminder(job_id(meeting.id, int(days)), meeting.id, int(days), run_at)
                )
    return plan
