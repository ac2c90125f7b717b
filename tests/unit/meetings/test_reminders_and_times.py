"""Reminders as durable scheduler jobs (with a frozen clock), and reading staff-typed times."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import select

from bot.core.conversation import Conversation
from bot.core.services import Services
from bot.meetings.models import Meeting
from bot.meetings.times import parse_deadline, parse_end, parse_start
from bot.staff.audit import Channel
from bot.store.database import transaction
from bot.store.models import OutboxMessage
from bot.validation.errors import InvalidInput
from scheduler.jobs import meetings as jobs
from scheduler.setup import build_scheduler
from tests.fakes.chat import ChatDriver
from tests.fakes.clock import FakeClock
from tests.unit.meetings.conftest import NOW, add_citizens, make_staff, publish

CPH, NUUK = "Europe/Copenhagen", "America/Nuuk"


@contextlib.contextmanager
def scheduler_at(services: Services, clock: FakeClock, when: datetime) -> Iterator[BaseScheduler]:
    """A paused scheduler with the meeting jobs registered, the clock (and time) at `when`."""
    clock.set(when)
    scheduler = build_scheduler(services)
    scheduler.start(paused=True)
    try:
        with time_machine.travel(when, tick=False):
            jobs.register_meeting_jobs(scheduler)
            yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def test_danish_ways_of_writing_a_time_are_read_in_the_municipalitys_zone() -> None:
    expected = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)  # 17.00 in Copenhagen (winter time)
    for text in (
        "15/3-2027 kl. 17",
        "15.03.2027 17:00",
        "15-03-2027 kl 17.00",
        "2027-03-15 17:00",
        "15. marts 2027 kl. 17",
    ):
        assert parse_start(text, CPH) == expected, text
    assert parse_start("15/3-2027 kl. 17", NUUK) == datetime(2027, 3, 15, 19, 0, tzinfo=UTC)
    assert parse_start("15/6-2027 kl. 17", CPH) == datetime(
        2027, 6, 15, 15, 0, tzinfo=UTC
    )  # summer


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("i morgen", "meetings.error.datetime"),
        ("31/2-2027 kl. 17", "meetings.error.date_impossible"),
        ("15/3-2027 kl. 25", "meetings.error.time_impossible"),
        ("15/3-2027", "meetings.error.time_missing"),
    ],
)
def test_unreadable_times_say_why(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_start(text, CPH)
    assert error.value.key == key


def test_the_end_follows_the_start_and_the_deadline_precedes_it() -> None:
    start = parse_start("15/3-2027 kl. 17", CPH)
    assert parse_end("20.30", CPH, start) == start + timedelta(hours=3, minutes=30)
    with pytest.raises(InvalidInput):
        parse_end("16", CPH, start)
    assert parse_deadline("8/3-2027", CPH, start, NOW) == datetime(2027, 3, 8, 22, 59, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        parse_deadline("16/3-2027", CPH, start, NOW)
    with pytest.raises(InvalidInput):
        parse_deadline("1/1-2027", CPH, start, NOW)


async def test_reminders_are_scheduled_7_and_1_days_before_and_sent_to_the_right_people(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    make_staff(conversation)
    add_citizens(conversation, range(9001, 9005))
    starts = NOW + timedelta(days=20)
    meeting_id = publish(conversation, starts=starts, questions=False)
    with transaction(conversation.services.db) as session:  # replies close two days before
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.rsvp_deadline = starts - timedelta(days=2)
    for chat_id, answer in ((9001, "y"), (9002, "n"), (9003, "m")):
        await ChatDriver(conversation, user_id=chat_id).press_payload(
            f"g:meetings:rsvp:{meeting_id}:{answer}"
        )
    services = conversation.services
    with scheduler_at(services, clock, NOW) as scheduler:
        assert jobs.sync_meeting_reminders() >= 2
        week = scheduler.get_job(f"meeting-{meeting_id}-reminder-7")
        day = scheduler.get_job(f"meeting-{meeting_id}-reminder-1")
        assert week.next_run_time == starts - timedelta(days=7)
        assert day.next_run_time == starts - timedelta(days=1)
        assert jobs.sync_meeting_reminders() == 0  # nothing moved, nothing replaced
        clock.set(starts - timedelta(days=7))
        assert jobs.send_meeting_reminder(meeting_id, 7) > 0
        assert jobs.send_meeting_reminder(meeting_id, 7) > 0  # a second run queues nothing new
        with services.db.unit_of_work() as uow:
            reminded = uow.session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.text.contains("Påmindelse"))
            ).all()
        # Coming (9001) and not answered (9004); not "no" (9002) or "maybe" (9003).
        assert sorted(reminded) == [9001, 9004]
        clock.set(starts - timedelta(days=1))
        jobs.send_meeting_reminder(meeting_id, 1)
        with services.db.unit_of_work() as uow:
            reminded = uow.session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.text.contains("Påmindelse"))
            ).all()
        assert sorted(reminded) == [9001, 9001, 9004]  # after the deadline: only those coming


async def test_a_cancelled_meeting_loses_its_reminder_jobs(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    from bot.meetings import service
    from tests.unit.meetings.conftest import STAFF_ID

    make_staff(conversation)
    meeting_id = publish(conversation, starts=NOW + timedelta(days=3))
    with scheduler_at(conversation.services, clock, NOW) as scheduler:
        jobs.sync_meeting_reminders()
        assert scheduler.get_job(f"meeting-{meeting_id}-reminder-7") is None  # already past
        assert scheduler.get_job(f"meeting-{meeting_id}-reminder-1") is not None
        with transaction(conversation.services.db) as session:
            service.cancel_meeting(session, STAFF_ID, meeting_id, NOW, channel=Channel.CHAT)
        jobs.sync_meeting_reminders()
        assert scheduler.get_job(f"meeting-{meeting_id}-reminder-1") is None


async def test_a_reminder_due_before_the_next_sync_is_sent_late_not_lost(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    """Created two minutes before its one-day moment; the sync runs five minutes later."""
    make_staff(conversation)
    add_citizens(conversation, range(9001, 9003))
    starts = NOW + timedelta(days=1, minutes=2)
    meeting_id = publish(conversation, starts=starts, questions=False)
    services = conversation.services
    with transaction(services.db) as session:  # replies are open until an hour before
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.rsvp_deadline = starts - timedelta(hours=1)
    with scheduler_at(services, clock, NOW + timedelta(minutes=5)) as scheduler:
        jobs.sync_meeting_reminders()
        owed = scheduler.get_job(f"meeting-{meeting_id}-reminder-1")
        assert owed is not None and owed.next_run_time == starts - timedelta(days=1)
        assert scheduler.get_job(f"meeting-{meeting_id}-reminder-7") is None  # never due
        # The job runs (at once, being late) and is done; the next sync leaves it be.
        assert jobs.send_meeting_reminder(meeting_id, 1) == 2  # both invited citizens
        scheduler.remove_job(owed.id)
        assert jobs.sync_meeting_reminders() == 0
        assert scheduler.get_job(owed.id) is None


async def test_a_reminder_is_not_sent_once_half_its_notice_has_gone(
    conversation: Conversation, frozen: datetime, clock: FakeClock
) -> None:
    """The scheduler was down for 13 hours over a one-day moment: too late to remind."""
    make_staff(conversation)
    add_citizens(conversation, range(9001, 9003))
    meeting_id = publish(conversation, starts=NOW + timedelta(days=1, minutes=2), questions=False)
    with scheduler_at(conversation.services, clock, NOW + timedelta(hours=13)) as scheduler:
        jobs.sync_meeting_reminders()
        assert scheduler.get_job(f"meeting-{meeting_id}-reminder-1") is None


def _dst_text(typed: str, zone: str, language: str = "da") -> str:
    from bot.i18n import t
    from bot.meetings.fields import dst_question
    from bot.meetings.times import AmbiguousTime

    with pytest.raises(AmbiguousTime) as unclear:
        parse_start(typed, zone)
    key, params = dst_question(unclear.value, zone, language)
    return t(language, key, **params)


def test_the_clock_change_question_gives_greenlands_own_hours() -> None:
    """Sermersooq (America/Nuuk) changes its clocks at 23.00 on Saturday evening, not at 2.00/3.00
    on Sunday night as Denmark: the question names the zone's own hours (issue 16 review, D)."""
    from bot.config import PROJECT_ROOT
    from bot.directory import Directory

    nuuk = Directory.load(PROJECT_ROOT / "data").zone("sermersooq")
    gap = _dst_text("27/3-2027 kl. 23.30", nuuk)
    assert "Klokken 23.30 findes ikke den 27/3-2027" in gap
    assert "fra kl. 23.00 til kl. 24.00 (sommertid)" in gap
    assert "28/3-2027 kl. 00.30" in gap  # the shifted time, on the next day
    fold = _dst_text("30/10-2027 kl. 23.30", nuuk)
    assert "Den 30/10-2027 stilles uret tilbage fra kl. 24.00 til kl. 23.00" in fold
    for text in (gap, fold):
        assert not re.search(r"(?<!\d)0?[23]\.00", text), text  # Denmark's 2.00 and 3.00
        assert "Natten" not in text
    english = _dst_text("27/3-2027 kl. 23.30", nuuk, "en")
    assert "from 23:00 to 24:00" in english and "28/3-2027 00:30" in english
    # Denmark keeps its hours.
    assert "fra kl. 02.00 til kl. 03.00" in _dst_text("28/3-2027 kl. 2.30", CPH)
    assert "tilbage fra kl. 03.00 til kl. 02.00" in _dst_text("31/10-2027 kl. 2.30", CPH)


def test_a_deadline_typed_as_a_day_ends_with_that_day_on_the_local_clock() -> None:
    """»The end of the day« is one minute before the next local midnight, not »23.59«, which
    Nuuk skips on the last Saturday of March and has twice on the last Saturday of October (its
    clocks change at 23.00/24.00). Before, a Sermersooq meeting a week after such a Saturday
    crashed the default deadline, and a typed day asked about a clock change nobody typed."""
    from bot.meetings.times import default_deadline
    from bot.validation.deadlines import parse_deadline as parse_day_deadline

    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    spring = datetime(2027, 3, 28, 0, 59, tzinfo=UTC)  # 22.59 (-02) on Saturday 27 March
    autumn = datetime(2027, 10, 31, 1, 59, tzinfo=UTC)  # the second 23.59 (-02) on 30 October
    assert default_deadline(datetime(2027, 4, 3, 19, 0, tzinfo=UTC), NUUK) == spring
    assert default_deadline(datetime(2027, 11, 6, 19, 0, tzinfo=UTC), NUUK) == autumn
    start = datetime(2027, 4, 3, 19, 0, tzinfo=UTC)
    assert parse_deadline("27/3-2027", NUUK, start, now) == spring
    assert parse_day_deadline("30/10-2027", NUUK, now, errors="consultations") == autumn
    # Denmark: 23.59 as ever, summer and winter.
    assert default_deadline(datetime(2027, 4, 4, 15, 0, tzinfo=UTC), CPH) == datetime(
        2027, 3, 28, 21, 59, tzinfo=UTC
    )
    assert parse_deadline("1/3-2027", CPH, start, now - timedelta(days=1)) == datetime(
        2027, 3, 1, 22, 59, tzinfo=UTC
    )


def test_the_spring_gap_has_no_instant_and_the_autumn_hour_two() -> None:
    from bot.meetings.times import AmbiguousTime, instants

    assert instants(date(2027, 3, 28), time(2, 30), CPH) == ()
    assert instants(date(2027, 10, 31), time(2, 30), CPH) == (
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # summer time, +02
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # winter time, +01
    )
    with pytest.raises(AmbiguousTime) as gap:
        parse_start("28/3-2027 kl. 2.30", CPH)
    assert gap.value.key == "meetings.dst.gap"
    assert gap.value.choices == (datetime(2027, 3, 28, 1, 30, tzinfo=UTC),)  # 3.30 summer time
    with pytest.raises(AmbiguousTime) as fold:
        parse_start("31/10-2027 kl. 2.30", CPH)
    assert fold.value.key == "meetings.dst.fold"
    # Nuuk changes at 01:00 UTC like the EU: Saturday 23.00 local (-02 → -01 and back).
    assert instants(date(2027, 3, 27), time(23, 30), NUUK) == ()
    assert len(instants(date(2027, 10, 30), time(23, 30), NUUK)) == 2
    assert parse_start("28/3-2027 kl. 2.30", NUUK) == datetime(2027, 3, 28, 3, 30, tzinfo=UTC)
