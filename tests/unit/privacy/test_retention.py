"""Retention: users silent for longer than `retention_days` are erased by the nightly job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.store.models import DialogueState, User
from scheduler import runtime
from scheduler.jobs.retention import JOB_ID, register_retention_job, run_retention
from scheduler.setup import build_scheduler
from tests.fakes.chat import ChatDriver, text_of
from tests.fakes.clock import FakeClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _telegram_ids(services: Services) -> set[int]:
    with services.db.unit_of_work() as uow:
        return set(uow.session.scalars(select(User.telegram_id)))


async def test_inactive_users_are_erased_and_active_ones_kept(
    services: Services, conversation: Conversation, clock: FakeClock
) -> None:
    clock.set(START)
    assert services.settings.retention_days == 730
    quiet, active = ChatDriver(conversation, 1001), ChatDriver(conversation, 1002)
    await quiet.onboard()
    clock.set(START + timedelta(days=400))
    await active.onboard(municipality="Tønder")

    runtime.install(services)
    clock.set(START + timedelta(days=729))
    assert await run_retention("Europe/Copenhagen") == 0  # a day early: nobody goes
    clock.set(START + timedelta(days=731))
    assert await run_retention("Europe/Copenhagen") == 1
    assert _telegram_ids(services) == {1002}
    with services.db.unit_of_work() as uow:
        chats = set(uow.session.scalars(select(DialogueState.chat_id)))
    assert chats == {1002}

    replies = await quiet.send("hej")  # they come back: a newcomer again
    assert "velkommen" in text_of(replies).lower()


async def test_the_period_is_a_setting(
    services: Services, conversation: Conversation, clock: FakeClock
) -> None:
    clock.set(START)
    services.settings.retention_days = 30
    await ChatDriver(conversation, 1003).onboard()
    runtime.install(services)
    clock.set(START + timedelta(days=31))
    assert await run_retention("Europe/Copenhagen") == 1
    assert _telegram_ids(services) == set()


async def test_the_job_runs_every_night_and_survives_restarts(services: Services) -> None:
    for _ in range(2):  # two start-ups against the same durable job store
        scheduler = build_scheduler(services)
        register_retention_job(scheduler)
        scheduler.start(paused=True)
        jobs = [job for job in scheduler.get_jobs() if job.id == f"{JOB_ID}@Europe/Copenhagen"]
        scheduler.shutdown(wait=False)
    assert len(jobs) == 1
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    first = jobs[0].trigger.get_next_fire_time(None, now)
    second = jobs[0].trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert (first.hour, first.minute) == (3, 15) and second - first == timedelta(days=1)
    assert str(first.tzinfo) == "Europe/Copenhagen"  # 03:15 on the local wall clock
