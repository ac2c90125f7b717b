"""The job functions, one module per feature, and `register_jobs`: every recurring job of a
deployment, registered in the one process that runs the scheduler."""

from __future__ import annotations

from apscheduler.schedulers.base import BaseScheduler

from scheduler.jobs.civic import register_civic_jobs
from scheduler.jobs.grants import register_grant_jobs
from scheduler.jobs.matching_alerts import register_matching_jobs
from scheduler.jobs.meetings import register_meeting_jobs
from scheduler.jobs.retention import register_retention_job


def register_jobs(scheduler: BaseScheduler) -> None:
    """Add (or replace, by id) every recurring job. A feature with jobs adds its call here."""
    register_retention_job(scheduler)
    register_grant_jobs(scheduler)
    register_matching_jobs(scheduler)
    register_meeting_jobs(scheduler)
    register_civic_jobs(scheduler)
