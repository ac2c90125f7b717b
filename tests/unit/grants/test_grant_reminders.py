"""Reminders: open drafts a week and a day before the deadline, approved grants before the report
is due; each once, however often the daily job runs (frozen clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.core.services import Services
from bot.delivery import outbox
from bot.grants.models import GrantApplication, Status
from bot.store.database import transaction
from bot.store.models import OutboxMessage, User
from scheduler import runtime
from scheduler.jobs.grants import JOB_ID, register_grant_jobs, send_grant_reminders
from scheduler.setup import build_scheduler
from tests.fakes.chat import ChatDriver, text_of
from tests.fakes.clock import FakeClock
from tests.unit.grants.grant_chat import FEBRUARY, pass_eligibility


def _reminders(services: Services) -> list[OutboxMessage]:
    with transaction(services.db) as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.dedupe_key.like("grant-%"))
                .order_by(OutboxMessage.id)
            )
        )


def _run_on(
    services: Services, clock: FakeClock, when: datetime, zone: str = "Europe/Copenhagen"
) -> int:
    clock.set(when)
    runtime.install(services)
    return send_grant_reminders(zone)


async def test_drafts_are_reminded_7_and_1_days_before_the_deadline(
    onboarded_chat: ChatDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await onboarded_chat.press("§ 18")
    await pass_eligibility(onboarded_chat)
    await onboarded_chat.send("Sønderborg Besøgsvenner")
    assert _run_on(services, clock, datetime(2027, 2, 15, 7, tzinfo=UTC)) == 0  # 14 days left
    # The Nuuk job serves only Greenland's municipalities, never this Sønderborg draft.
    assert _run_on(services, clock, datetime(2027, 2, 22, 11, tzinfo=UTC), "America/Nuuk") == 0
    assert _run_on(services, clock, datetime(2027, 2, 22, 7, tzinfo=UTC)) == 1  # 7 days left
    assert _run_on(services, clock, datetime(2027, 2, 22, 7, 5, tzinfo=UTC)) == 0  # ran twice: once
    assert _run_on(services, clock, datetime(2027, 2, 28, 7, tzinfo=UTC)) == 1  # 1 day left
    week, day = _reminders(services)
    assert week.chat_id == onboarded_chat.user_id
    assert "1. marts 2027" in week.text and "Om en uge" in week.text
    assert "i morgen" in day.text
    assert _run_on(services, clock, datetime(2027, 3, 2, 7, tzinfo=UTC)) == 0  # past the deadline
    # The reminder's button brings the chair straight back to the draft.
    replies = await onboarded_chat.press_payload(day.buttons[0][0]["payload"])
    assert "Du har en kladde" in text_of(replies)


async def test_approved_grants_are_reminded_of_the_report(
    onboarded_chat: ChatDriver, services: Services, clock: FakeClock
) -> None:
    with transaction(services.db) as session:
        from bot.store.models import User

        user = session.scalars(select(User)).one()
        app = GrantApplication(
            user_id=user.id,
            municipality_slug="sonderborg",
            round_key="2027",
            status=Status.APPROVED.value,
            reference="SON-2027-0007",
            answers={},
            eligibility={},
            messages=[],
            report_due=datetime(2028, 3, 1).date(),
        )
        session.add(app)
    assert _run_on(services, clock, datetime(2027, 12, 1, 7, tzinfo=UTC)) == 0
    assert _run_on(services, clock, datetime(2028, 2, 10, 7, tzinfo=UTC)) == 1
    assert _run_on(services, clock, datetime(2028, 2, 11, 7, tzinfo=UTC)) == 0
    [reminder] = _reminders(services)
    assert "SON-2027-0007" in reminder.text and "1. marts 2028" in reminder.text
    replies = await onboarded_chat.press_payload(reminder.buttons[0][0]["payload"])
    assert "Hvad har I brugt tilskuddet til?" in text_of(replies)


ZONE_JOBS = {f"{JOB_ID}@Europe/Copenhagen", f"{JOB_ID}@America/Nuuk"}


async def test_the_daily_job_is_durable_and_registered_once(services: Services) -> None:
    scheduler = build_scheduler(services)
    scheduler.start(paused=True)
    try:
        # The job of an older release, at a fixed UTC hour, still in the durable store.
        scheduler.add_job(send_grant_reminders, "cron", hour=7, id=JOB_ID, kwargs={"zone": "UTC"})
        register_grant_jobs(scheduler)
        register_grant_jobs(scheduler)  # at every start-up: replaced, not duplicated
        assert {job.id for job in scheduler.get_jobs()} == ZONE_JOBS
    finally:
        scheduler.shutdown(wait=False)
    # It lives in the database, so a restarted process finds it.
    again = build_scheduler(services)
    again.start(paused=True)
    try:
        assert {job.id for job in again.get_jobs()} == ZONE_JOBS
    finally:
        again.shutdown(wait=False)


def _claim(services: Services, when: datetime) -> list[int]:
    """What the dispatcher takes to send at `when` (chat ids); rows that no longer apply are
    closed as skipped on the way."""
    with transaction(services.db) as session:
        return [row.chat_id for row in outbox.claim(session, worker="t", limit=10, now=when)]


def _statuses(services: Services) -> list[str]:
    return [row.status for row in _reminders(services)]


async def test_a_draft_with_eligibility_answers_only_gets_no_deadline_reminder(
    onboarded_chat: ChatDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await onboarded_chat.press("§ 18")
    await pass_eligibility(onboarded_chat)  # eligible, but not one answer to the form
    assert _run_on(services, clock, datetime(2027, 2, 22, 7, tzinfo=UTC)) == 0
    assert _reminders(services) == []


async def test_a_deadline_reminder_queued_before_the_draft_was_submitted_is_not_sent(
    onboarded_chat: ChatDriver,
    services: Services,
    clock: FakeClock,
    no_flood_limit: None,
) -> None:
    clock.set(FEBRUARY)
    await onboarded_chat.press("§ 18")
    await pass_eligibility(onboarded_chat)
    await onboarded_chat.send("Sønderborg Besøgsvenner")
    when = datetime(2027, 2, 22, 7, tzinfo=UTC)
    assert _run_on(services, clock, when) == 1
    with transaction(services.db) as session:  # sent in before the dispatcher got to it
        draft = session.scalars(select(GrantApplication)).one()
        draft.status = Status.SUBMITTED.value
    assert _claim(services, when) == []
    assert _statuses(services) == ["skipped"]


async def test_a_report_reminder_queued_before_the_report_was_handed_in_is_not_sent(
    onboarded_chat: ChatDriver, services: Services, clock: FakeClock
) -> None:
    with transaction(services.db) as session:
        user = session.scalars(select(User).where(User.telegram_id == onboarded_chat.user_id)).one()
        session.add(
            GrantApplication(
                user_id=user.id, municipality_slug="sonderborg", round_key="2027-1",
                status=Status.APPROVED.value, reference="SON-2027-0001", answers={"a": 1},
                eligibility={}, messages=[], report_due=date(2027, 3, 1),
            )
        )  # fmt: skip
    when = datetime(2027, 2, 15, 7, tzinfo=UTC)
    assert _run_on(services, clock, when) == 1
    with transaction(services.db) as session:
        session.scalars(select(GrantApplication)).one().status = Status.REPORTED.value
    assert _claim(services, when) == []
    assert _statuses(services) == ["skipped"]


async def _sermersooq_draft(chat: ChatDriver, clock: FakeClock) -> None:
    """A Sermersooq chair with a draft of one answer; the round's deadline is 1 February 2027."""
    clock.set(datetime(2027, 1, 10, 12, tzinfo=UTC))
    await chat.onboard(municipality="Sermersooq")
    replies = await chat.press("Søg tilskud")  # Greenland has no § 18 (issue 16 §2)
    assert "1. februar 2027 (grønlandsk tid)" in text_of(replies)  # the deadline as first shown
    for _ in range(12):  # every eligibility question, however many the scheme asks
        if "Ja" not in [b.label for r in replies for row in r.buttons for b in row]:
            break
        replies = await chat.press("Ja")
    await chat.send("Nuuk Besøgsvenner")


async def test_a_greenland_deadline_reminder_says_it_is_greenland_time(
    chat: ChatDriver, services: Services, clock: FakeClock, no_flood_limit: None
) -> None:
    await _sermersooq_draft(chat, clock)
    # 25 January 2027, 09:00 in Nuuk (UTC-3): seven days before Sermersooq's 1 February deadline.
    assert _run_on(services, clock, datetime(2027, 1, 25, 12, tzinfo=UTC), "America/Nuuk") == 1
    (week,) = _reminders(services)
    assert "1. februar 2027 (grønlandsk tid)" in week.text
    # Sermersooq's own pool, not Serviceloven's: the scheduler passes the municipality's words.
    assert "ansøgningsfrist for puljen til frivilligt socialt arbejde –" in week.text
    assert "§ 18" not in week.text


async def test_a_greenland_reminder_late_on_the_deadline_day_is_still_sent(
    chat: ChatDriver, services: Services, clock: FakeClock, no_flood_limit: None
) -> None:
    """The send-time check reads the deadline on Nuuk's calendar, as the job queued it: at 22.30 on
    1 February in Nuuk it is already 2 February in Copenhagen, yet the draft can still be sent."""
    await _sermersooq_draft(chat, clock)
    # 31 January 2027, 09:00 in Nuuk: the one-day reminder is queued.
    assert _run_on(services, clock, datetime(2027, 1, 31, 12, tzinfo=UTC), "America/Nuuk") == 1
    # The dispatcher gets to it late (a backlog): 1 February 22:30 in Nuuk.
    assert _claim(services, datetime(2027, 2, 2, 1, 30, tzinfo=UTC)) == [chat.user_id]


async def test_a_greenland_reminder_after_the_deadline_day_is_skipped(
    chat: ChatDriver, services: Services, clock: FakeClock, no_flood_limit: None
) -> None:
    await _sermersooq_draft(chat, clock)
    assert _run_on(services, clock, datetime(2027, 1, 31, 12, tzinfo=UTC), "America/Nuuk") == 1
    # 2 February 01:00 in Nuuk: the deadline day is over there too.
    assert _claim(services, datetime(2027, 2, 2, 4, tzinfo=UTC)) == []
    assert _statuses(services) == ["skipped"]
