"""Daily jobs at a fixed local time in every time zone the municipalities live in.

A reminder "in the morning" is 09:00 on the user's wall clock, in Nuuk as in Copenhagen, summer
and winter: one cron job per zone, each with its zone's `CronTrigger(timezone=…)` and selecting
only its own municipalities. Job ids are ``<prefix>@<zone>``; registering replaces them, and
removes any stored job of the same prefix that is no longer wanted (an old single UTC job, a
zone no municipality uses any more), because the SQLAlchemy job store keeps jobs across restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from bot.core.services import Services
from bot.directory import DEFAULT_ZONE  # users without a municipality are served in this zone

__all__ = ["DEFAULT_ZONE", "add_daily_jobs", "municipalities_by_zone", "slugs_in"]


def municipalities_by_zone(services: Services) -> dict[str, list[str]]:
    """Every zone in the directory with the slugs of its municipalities (always the default)."""
    zones: dict[str, list[str]] = {DEFAULT_ZONE: []}
    for info in services.directory.municipalities.values():
        zones.setdefault(info.timezone, []).append(info.slug)
    return zones


def slugs_in(services: Services, zone: str) -> list[str]:
    """The municipalities whose wall clock is `zone`."""
    return municipalities_by_zone(services).get(zone, [])


def add_daily_jobs(
    scheduler: Any,
    services: Services,
    func: Callable[..., Any],
    prefix: str,
    *,
    hour: int,
    minute: int = 0,
    name: str | None = None,
) -> list[str]:
    """One job per zone running `func(zone=…)` every day at `hour:minute` local time there;
    returns the job ids. Call at start-up, before `start()`; safe to call on every start."""
    wanted = [f"{prefix}@{zone}" for zone in municipalities_by_zone(services)]
    for job in scheduler.get_jobs():
        if (job.id == prefix or job.id.startswith(f"{prefix}@")) and job.id not in wanted:
            job.remove()
    for zone in municipalities_by_zone(services):
        scheduler.add_job(
            func,
            CronTrigger(hour=hour, minute=minute, timezone=zone),
            id=f"{prefix}@{zone}",
            name=f"{name or prefix} ({zone})",
            kwargs={"zone": zone},
            replace_existing=True,
        )
    return wanted
