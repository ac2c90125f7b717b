"""The daily jobs run at a fixed time on each municipality's own wall clock: 09:00 for grant
reminders in Copenhagen in winter and summer alike, and 09:00 in Nuuk too (not 05:00)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.schedulers.base import BaseScheduler

from bot.core.services import Services
from scheduler.jobs import register_jobs
from scheduler.setup import build_scheduler
from tests.fakes.clock import FakeClock


@contextmanager
def scheduler_at(services: Services, clock: FakeClock, when: datetime) -> Iterator[BaseScheduler]:
    """A paused scheduler with every daily job registered, the clock (and time) at `when`."""
    clock.set(when)
    scheduler = build_scheduler(services)
    try:
        with time_machine.travel(when, tick=False):
            scheduler.start(paused=True)
            register_jobs(scheduler)
            yield scheduler
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.parametrize(
    ("zone", "now", "expected_utc"),
    [
        ("Europe/Copenhagen", datetime(2027, 1, 10, 0, 0, tzinfo=UTC), datetime(2027, 1, 10, 8, 0)),
        ("Europe/Copenhagen", datetime(2027, 7, 10, 0, 0, tzinfo=UTC), datetime(2027, 7, 10, 7, 0)),
        ("America/Nuuk", datetime(2027, 1, 10, 0, 0, tzinfo=UTC), datetime(2027, 1, 10, 11, 0)),
        ("America/Nuuk", datetime(2027, 7, 10, 0, 0, tzinfo=UTC), datetime(2027, 7, 10, 10, 0)),
    ],
)
async def test_grant_reminders_run_at_nine_local(
    services: Services, zone: str, now: datetime, expected_utc: datetime, clock: FakeClock
) -> None:
    with scheduler_at(services, clock, now) as scheduler:
        job = scheduler.get_job(f"grants-reminders@{zone}")
        assert job is not None and job.kwargs == {"zone": zone}
        fires = job.trigger.get_next_fire_time(None, now)
    assert fires.astimezone(UTC).replace(tzinfo=None) == expected_utc
    local = fires.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (9, 0)


async def test_every_daily_job_keeps_its_local_hour_across_the_dst_change(
    services: Services,
    clock: FakeClock,
) -> None:
    """The day after the clocks go forward the jobs still run at the same wall-clock time."""
    before = datetime(2027, 3, 27, 0, 0, tzinfo=UTC)
    with scheduler_at(services, clock, before) as scheduler:
        for prefix, hour in (
            ("grants-reminders", 9),
            ("matching-alerts-digest", 18),
            ("privacy-retention", 3),
            ("civic-reminders", 9),
        ):
            for zone in ("Europe/Copenhagen", "America/Nuuk"):
                job = scheduler.get_job(f"{prefix}@{zone}")
                assert job is not None, prefix
                first = job.trigger.get_next_fire_time(None, before)
                second = job.trigger.get_next_fire_time(first, first)
                third = job.trigger.get_next_fire_time(second, second)
                for fire in (first, second, third):  # 27, 28 (the change) and 29 March
                    assert fire.astimezone(ZoneInfo(zone)).hour == hour, (prefix, zone, fire)
        assert {j.id for j in scheduler.get_jobs() if "@" in j.id} == {
            f"{p}@{z}"
            for p in (
                "grants-reminders",
                "matching-alerts-digest",
                "privacy-retention",
                "civic-reminders",
            )
            for z in ("Europe/Copenhagen", "America/Nuuk")
        }
