"""The dispatcher against the local fake Bot API: pacing, 429, 403, network errors, crash/resume."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher, Progress, format_count, run_dispatcher
from bot.delivery.models import Broadcast
from bot.delivery.outbox import Message, create_broadcast
from bot.store.base import utcnow
from bot.store.database import Database, transaction
from bot.store.models import OutboxMessage, User
from tests.fakes.bot_api import Failure, FakeBotApi

STAFF = 900


def make_bot(api: FakeBotApi) -> Bot:
    return Bot(
        "123:TEST",
        base_url=f"{api.base_url}/bot",
        request=HTTPXRequest(connection_pool_size=32),
    )


def queue(db: Database, chats: list[int], key: str = "b1", created_by: int | None = STAFF) -> int:
    with transaction(db) as session:
        broadcast, _ = create_broadcast(
            session,
            key=key,
            kind="notice",
            title="Nyt fra kommunen",
            messages=[
                Message(
                    c, f"Hej {c}", [[{"label": "Jeg kommer", "payload": "g:meetings:rsvp:1:y"}]]
                )
                for c in chats
            ],
            created_by=created_by,
            now=utcnow(),
        )
        return broadcast.id


def statuses(db: Database) -> dict[int, str]:
    with db.unit_of_work() as uow:
        return dict(uow.session.execute(select(OutboxMessage.chat_id, OutboxMessage.status)).all())


async def drain(
    db: Database, api: FakeBotApi, *, seconds: float = 10.0, **options: object
) -> list[Progress]:
    """Run a dispatcher until no row is pending or sending."""
    reports: list[Progress] = []
    stop = asyncio.Event()
    bot = make_bot(api)
    options = {
        "rate": 200.0,
        "per_chat_interval": 0.05,
        "backoff_base": 0.05,
        "poll_interval": 0.05,
        **options,
    }
    async with bot:
        task = asyncio.create_task(
            run_dispatcher(bot, db, stop_event=stop, on_progress=reports.append, **options)  # type: ignore[arg-type]
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if all(s in outbox.FINAL_STATUSES for s in statuses(db).values()) and any(
                r.finished for r in reports
            ):
                break
        stop.set()
        await asyncio.wait_for(task, 10)
    return reports


async def test_every_recipient_gets_one_message_with_buttons_and_staff_gets_a_tally(
    database: Database, bot_api: FakeBotApi
) -> None:
    queue(database, list(range(1, 21)))
    reports = await drain(database, bot_api)
    sent = bot_api.sent(method="sendMessage")
    to_recipients = [c for c in sent if c.chat_id != STAFF]
    assert sorted(c.chat_id for c in to_recipients) == list(range(1, 21))
    assert to_recipients[0].buttons == [("Jeg kommer", "g:meetings:rsvp:1:y")]
    assert to_recipients[0].parse_mode == "HTML"
    tally = [c for c in sent if c.chat_id == STAFF]
    assert len(tally) == 1 and "20 leveret, 0 har blokeret assistenten" in tally[0].text
    assert reports[-1].finished and reports[-1].delivered == 20
    with database.unit_of_work() as uow:
        broadcast = uow.session.scalars(select(Broadcast)).one()
        assert (broadcast.status, broadcast.delivered) == ("done", 20)
        assert broadcast.finished_at is not None


async def test_the_global_rate_is_never_exceeded(database: Database, bot_api: FakeBotApi) -> None:
    queue(database, list(range(1, 41)), created_by=None)
    await drain(database, bot_api, rate=20.0)
    times = sorted(c.at for c in bot_api.sent(method="sendMessage"))
    assert len(times) == 40
    # 40 messages at 20/s: the first and the last are at least 39 intervals apart.
    assert times[-1] - times[0] >= 39 / 20 * 0.95
    # (exact spacing is checked on RateLimiter with a fake clock: the server's timestamps
    # jitter when the machine is busy)


async def test_messages_to_one_chat_are_a_second_apart(
    database: Database, bot_api: FakeBotApi
) -> None:
    with transaction(database) as session:
        for n in range(3):
            session.add(OutboxMessage(chat_id=77, text=f"besked {n}", buttons=[]))
    await drain(database, bot_api, per_chat_interval=0.5)
    times = [c.at for c in bot_api.sent(77)]
    assert len(times) == 3
    assert all(b - a >= 0.45 for a, b in itertools.pairwise(times))


async def test_a_429_is_obeyed_and_the_message_still_arrives_once(
    database: Database, bot_api: FakeBotApi
) -> None:
    queue(database, [5], created_by=None)
    bot_api.fail_chat(5, Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    started = time.monotonic()
    await drain(database, bot_api)
    attempts = list(bot_api.sent(5))
    assert len(attempts) == 2  # the refused one and the real one
    assert attempts[1].at - attempts[0].at >= 0.95  # retry_after respected
    assert statuses(database) == {5: "sent"}
    assert time.monotonic() - started < 8


async def test_a_flood_on_several_chats_pauses_everyone(
    database: Database, bot_api: FakeBotApi
) -> None:
    queue(database, [1, 2, 3, 4, 5, 6], created_by=None)
    flood = Failure(429, "Too Many Requests: retry after 1", retry_after=1)
    bot_api.fail_chat(1, flood)
    bot_api.fail_chat(2, flood)
    await drain(database, bot_api, rate=5.0)
    calls = bot_api.sent(method="sendMessage")
    assert [c.chat_id for c in calls[:2]] == [1, 2]
    later = [c.at for c in calls[2:]]
    assert len(later) == 6 and min(later) - calls[1].at >= 0.9  # nobody was sent to meanwhile
    assert set(statuses(database).values()) == {"sent"}


async def test_a_user_who_blocked_the_bot_is_marked_and_not_sent_to_again(
    database: Database, bot_api: FakeBotApi
) -> None:
    with transaction(database) as session:
        session.add(User(telegram_id=31, language="da"))
    bot_api.blocked_chats.add(31)
    queue(database, [30, 31, 32])
    reports = await drain(database, bot_api)
    assert statuses(database) == {30: "sent", 31: "blocked", 32: "sent"}
    with database.unit_of_work() as uow:
        assert uow.session.scalars(select(User.blocked_bot).where(User.telegram_id == 31)).one()
    assert reports[-1].blocked == 1
    # A later broadcast skips them without asking Telegram.
    bot_api.clear()
    queue(database, [31, 33], key="b2")
    await drain(database, bot_api)
    assert [c.chat_id for c in bot_api.sent(method="sendMessage") if c.chat_id != STAFF] == [33]


async def test_network_errors_are_retried_with_backoff_then_given_up(
    database: Database, bot_api: FakeBotApi
) -> None:
    queue(database, [41, 42], created_by=None)
    bot_api.fail_chat(41, Failure(500, "Internal Server Error"), times=2)
    bot_api.fail_chat(42, Failure(502, "Bad Gateway", drop_connection=True), times=10)
    await drain(database, bot_api, max_attempts=3)
    assert statuses(database) == {41: "sent", 42: "failed"}
    assert len(bot_api.sent(41)) == 3
    assert len(bot_api.sent(42)) == 3
    with database.unit_of_work() as uow:
        row = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == 42)).one()
        assert row.attempts == 3 and row.last_error


async def test_a_bad_request_fails_at_once(database: Database, bot_api: FakeBotApi) -> None:
    queue(database, [51], created_by=None)
    bot_api.fail_chat(51, Failure(400, "Bad Request: chat not found"))
    await drain(database, bot_api)
    assert statuses(database) == {51: "failed"}
    assert len(bot_api.sent(51)) == 1


async def test_rows_of_a_crashed_dispatcher_are_resumed_after_the_lease(
    database: Database, bot_api: FakeBotApi
) -> None:
    queue(database, [61, 62, 63], created_by=None)
    with transaction(database) as session:  # a dispatcher took two rows and died
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id.in_([61, 62]))
            .values(
                status="sending", claimed_by="dead:1", claimed_at=utcnow() - timedelta(seconds=120)
            )
        )
        session.execute(
            update(OutboxMessage).where(OutboxMessage.chat_id == 63).values(status="sent")
        )
    await drain(database, bot_api, lease_seconds=60)
    assert sorted(c.chat_id for c in bot_api.sent(method="sendMessage")) == [61, 62]
    assert set(statuses(database).values()) == {"sent"}


async def test_a_fresh_claim_is_not_taken_from_a_live_dispatcher(database: Database) -> None:
    queue(database, [71], created_by=None)
    with transaction(database) as session:
        session.execute(
            update(OutboxMessage).values(
                status="sending", claimed_by="alive:1", claimed_at=utcnow()
            )
        )
    with transaction(database) as session:
        assert (
            outbox.reclaim_stale(session, worker="me", lease=timedelta(seconds=60), now=utcnow())
            == 0
        )


async def test_progress_is_reported_while_a_broadcast_runs(
    database: Database, bot_api: FakeBotApi
) -> None:
    with transaction(database) as session:
        session.add(User(telegram_id=STAFF, language="da"))
    queue(database, list(range(100, 160)))
    with transaction(database) as session:  # created a while ago, so progress is due at once
        session.execute(update(Broadcast).values(created_at=utcnow() - timedelta(seconds=10)))
    await drain(database, bot_api, rate=40.0, progress_interval=0.5)
    to_staff = bot_api.sent(STAFF)
    assert any(
        c.method == "sendMessage" and "Sendt" in c.text and "af 60" in c.text for c in to_staff
    )
    assert any(c.method == "editMessageText" for c in to_staff)  # one message, edited
    assert "60 leveret" in to_staff[-1].text


def test_double_queueing_under_one_key_sends_once(database: Database) -> None:
    first = queue(database, [1, 2])
    second = queue(database, [1, 2, 3])
    assert first == second
    assert len(statuses(database)) == 2


def test_counts_read_the_danish_way() -> None:
    assert format_count(1200, "da") == "1.200"
    assert format_count(5000, "en") == "5,000"


@pytest.mark.parametrize("rate", [0, -1])
def test_a_rate_must_be_positive(rate: float) -> None:
    from bot.delivery.pacing import RateLimiter

    with pytest.raises(ValueError):
        RateLimiter(rate)


def test_dispatcher_defaults_stay_under_telegrams_limit(database: Database) -> None:
    dispatcher = Dispatcher(Bot("1:x"), database)
    assert dispatcher.rate == 25.0 and dispatcher.chats.interval == 1.0


async def test_the_rate_limiter_hands_out_evenly_spaced_slots_and_pauses() -> None:
    from bot.delivery.pacing import RateLimiter

    now = [100.0]
    slots: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(25, clock=lambda: now[0], sleep=sleep)
    for _ in range(50):
        await limiter.acquire()
        slots.append(now[0])
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) >= 0.04 - 1e-9  # never two within 1/25 s: no burst at the start either
    limiter.pause(3)
    paused_at = now[0]
    await limiter.acquire()
    assert now[0] - paused_at >= 3


async def test_a_group_chat_id_never_gets_a_broadcast(
    database: Database, bot_api: FakeBotApi
) -> None:
    """Send-outs are personal: a group id is left out when queued, and a row that reached the
    table around the ORM is refused by the dispatcher instead of being sent."""
    group = -1001234567890
    queue(database, [11, group, 12])
    now = utcnow()
    with transaction(database) as session:
        session.execute(
            OutboxMessage.__table__.insert().values(
                chat_id=-55,
                text="x",
                buttons=[],
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await drain(database, bot_api)
    assert {c.chat_id for c in bot_api.sent(method="sendMessage")} == {11, 12, STAFF}
    assert statuses(database) == {11: "sent", 12: "sent", -55: "failed"}


async def test_a_database_error_does_not_end_the_dispatcher(
    database: Database, bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadlock or a dropped connection while recording outcomes used to end the dispatcher
    (and with it all sending from that worker); now it logs, waits a moment and goes on, and the
    outcomes are written with the next flush."""
    from sqlalchemy.exc import OperationalError

    real_record = outbox.record
    failures = [OperationalError("UPDATE outbox_message", {}, Exception("deadlock detected"))]

    def record(session: object, outcomes: object) -> None:
        if failures:
            raise failures.pop()
        real_record(session, outcomes)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "record", record)
    queue(database, [41, 42, 43], created_by=None)
    await drain(database, bot_api)
    assert not failures  # the error happened
    assert statuses(database) == {41: "sent", 42: "sent", 43: "sent"}
    assert sorted(c.chat_id or 0 for c in bot_api.sent(method="sendMessage")) == [41, 42, 43]
