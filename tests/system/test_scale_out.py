"""Scale-out proven with real processes (issue 14): two `frivillig run --webhook` workers and one
`frivillig scheduler` on a fresh PostgreSQL database, the fake Bot API as a real HTTP server with
Telegram's per-bot cap, and a load balancer that re-posts what a worker did not answer.

Chats onboard, search for volunteer work — half by buttons, half by one sentence of free text
that the workers' real Rasa client sends to a fake Rasa server — and say they are interested;
every fourth applies for a § 18 grant through to submission; all interleaved. Meanwhile one
worker is SIGKILLed and started again, every database connection is dropped once
(`pg_terminate_backend`), the scheduler is paused exactly across the moment a meeting's reminder
is due and later restarted. Then: every update was answered, every chat's replies came in the
order of its updates, one interest per chat, one application per chair with consecutive
references, the reminder reached each invitee once (after the pause), and the fake Bot API never
had to answer 429.

`SYSTEM_CHATS` sets the number of chats (200, as issue 14 asks).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.meetings.models import Invitation, Meeting
from bot.store.database import Database, transaction
from bot.store.models import User
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.databases import TEST_DATABASE_URL
from tests.fakes.nlu import FakeNlu, FakeRasa
from tests.system.cluster import (
    ChatUser,
    LoadBalancer,
    Process,
    common_env,
    fresh_database,
    grant_application,
    make_worker,
    onboarding,
    prepare,
    search_by_buttons,
    search_by_free_text,
    terminate_connections,
    understand_search,
    wait_healthy,
    wait_scheduler_beat,
)

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="the multi-process system test needs PostgreSQL: set TEST_DATABASE_URL",
    ),
]

CHATS = int(os.environ.get("SYSTEM_CHATS", "200"))
APPLY_EVERY = 4
ARRIVAL_SECONDS = 60.0
AT_ONCE = 20
FIRST_USER = 700_000
#: People invited to the meeting whose reminder falls inside the run (not among the chats).
INVITEES = 20
FIRST_INVITEE = 900_000
#: Seconds from the meeting's creation to its reminder's moment: the scheduler is stopped then.
REMINDER_AFTER = 3.0
#: The workers' shared budget grants at most RATE messages in any second; the fake API refuses
#: anything above CAP, leaving room for the sends' differing latencies on a busy machine.
RATE = 100
CAP = 125


async def test_two_workers_and_a_scheduler_survive_a_kill_a_dropped_database_and_a_pause(
    tmp_path: Path,
) -> None:
    assert TEST_DATABASE_URL
    with fresh_database(TEST_DATABASE_URL, f"frivillig_system_{os.getpid()}") as url:
        prepare(url)
        api = await FakeBotApi(rate_cap=CAP).start()
        nlu = FakeNlu()
        understand_search(nlu)
        rasa = await FakeRasa(nlu).start()
        settings = {
            "BROADCAST_RATE_PER_SECOND": str(RATE),
            "WEBHOOK_CLAIM_LEASE_SECONDS": "5",
            "NLU_URL": rasa.url,
            # The fake Rasa answers from this test's process, which a busy machine may not
            # schedule for seconds: a timeout would open the NLU's circuit breaker.
            "NLU_TIMEOUT_SECONDS": "15",
        }
        workers = [make_worker(url, api, tmp_path, i, **settings) for i in range(2)]
        scheduler = Process(
            "scheduler", ["scheduler"], common_env(url, api), tmp_path / "scheduler.log"
        )
        lb = LoadBalancer(workers, timeout=20)
        try:
            for process in (*workers, scheduler):
                process.start()
            await asyncio.gather(*(wait_healthy(worker) for worker in workers))
            await _traffic_with_faults(api, lb, workers, scheduler, url)
            assert nlu.calls, "the free-text searches never reached the NLU"
        finally:
            await lb.close()
            for process in (*workers, scheduler):
                process.stop()
            await api.stop()
            await rasa.stop()


def _invite_to_a_meeting(url: str, reminder_at: datetime) -> datetime:
    """A Sønderborg meeting with a one-day reminder due at `reminder_at` (UTC), and INVITEES
    people invited who have not answered yet (so the reminder is for them)."""
    starts = reminder_at + timedelta(days=1)
    db = Database(url)
    try:
        with transaction(db) as session:
            meeting = Meeting(
                municipality_slug="sonderborg",
                draft_key="system-test-reminder",
                title="Dialogmøde om frivillighed",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                place="Borgen",
                address="Rådhustorvet 10, 6400 Sønderborg",
                rsvp_deadline=starts - timedelta(hours=2),
                audience="citizens",
                reminder_days=[1],
                created_at=datetime.now(UTC),
            )
            users = [
                User(telegram_id=FIRST_INVITEE + i, language="da", onboarded=True)
                for i in range(INVITEES)
            ]
            session.add_all([meeting, *users])
            session.flush()
            session.add_all(Invitation(meeting_id=meeting.id, user_id=user.id) for user in users)
    finally:
        db.dispose()
    return reminder_at


async def _traffic_with_faults(
    api: FakeBotApi,
    lb: LoadBalancer,
    workers: list,
    scheduler: Process,
    url: str,
) -> None:
    chats = [ChatUser(api, lb, FIRST_USER + i) for i in range(CHATS)]
    applicants = [chat for i, chat in enumerate(chats) if i % APPLY_EVERY == 0]
    by_text = [chat for i, chat in enumerate(chats) if i % 2 == 1]
    expected = 4 * CHATS + 5 * (CHATS - len(by_text)) + 3 * len(by_text) + 29 * len(applicants)

    in_conversation = asyncio.Semaphore(AT_ONCE)

    async def journey(index: int, chat: ChatUser) -> None:
        # People arrive over a minute, and at most AT_ONCE are mid-conversation together: 200 or
        # 50 at once starved this test's own process (it serves the fake Bot API and Rasa) on
        # a busy 2-core machine, and the workers' sends to it timed out.
        await asyncio.sleep(index * ARRIVAL_SECONDS / CHATS)
        async with in_conversation:
            await onboarding(chat)
            await (search_by_free_text(chat) if chat in by_text else search_by_buttons(chat))
            if chat in applicants:
                await grant_application(chat, index)

    async def at(share: float) -> None:
        while len(lb.deliveries) < share * expected:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    faults: list[str] = []

    async def inflict() -> None:
        await at(0.25)
        workers[0].kill()
        faults.append("kill")
        await asyncio.sleep(1.0)
        workers[0].start()
        await wait_healthy(workers[0])
        faults.append("restart")
        await at(0.5)
        dropped = await asyncio.to_thread(terminate_connections, url)
        faults.append(f"pg_terminate_backend:{dropped}")

    paused: list[float] = []

    invitees = range(FIRST_INVITEE, FIRST_INVITEE + INVITEES)

    async def stop_the_scheduler() -> None:
        # A meeting whose reminder is due in 3 s; the scheduler is restarted and held stopped
        # (SIGSTOP) until that moment is 1.5 s past: it can only send the reminder once it goes
        # on (its start-up sync finds it owed), and must send it once then. (Its start-up takes
        # a minute on a busy machine, so a moment timed to fall after it could not be hit.)
        await at(0.6)
        reminder_at = await asyncio.to_thread(
            _invite_to_a_meeting, url, datetime.now(UTC) + timedelta(seconds=REMINDER_AFTER)
        )
        await asyncio.to_thread(scheduler.stop)  # SIGTERM and wait: not on the event loop
        scheduler.start()
        scheduler.pause()
        paused.append(time.monotonic())
        await _until(reminder_at + timedelta(seconds=1.5))
        scheduler.resume()
        paused.append(time.monotonic())
        faults.append("scheduler restarted and paused across a reminder")
        await _until_reminded(api, invitees)
        # Restarted once more: its start-up sync must not plan the sent reminder again.
        await asyncio.to_thread(scheduler.stop)  # SIGTERM and wait: not on the event loop
        restarted = time.monotonic()
        scheduler.start()
        await wait_scheduler_beat(workers[1], since=restarted)
        faults.append("scheduler restarted")

    started = time.monotonic()
    await asyncio.gather(
        inflict(), stop_the_scheduler(), *(journey(i, chat) for i, chat in enumerate(chats))
    )
    elapsed = time.monotonic() - started

    # Every update was answered (the load balancer got a 200 for each), some after a retry.
    assert len(lb.deliveries) == expected
    assert faults[:2] == ["kill", "restart"] and len(faults) == 5, faults
    retried = [d for d in lb.deliveries if len(d.attempts) > 1]
    slowest = max(d.seconds for d in lb.deliveries)
    print(
        f"system: {CHATS} chats, {expected} updates in {elapsed:.1f}s, {len(retried)} re-posted, "
        f"slowest {slowest:.1f}s, {faults}"
    )

    # Each chat's replies came while its own update was in hand: in the order of its updates.
    calls_of: dict[int | None, list[int]] = {}
    for index, call in enumerate(api.calls):
        calls_of.setdefault(call.chat_id, []).append(index)
    for chat in chats:
        own = calls_of.get(chat.chat_id, [])
        outside = [i for i in own if not any(a <= i < b for a, b in chat.windows)]
        assert not outside, f"chat {chat.chat_id}: replies outside their update's turn"

    # The meeting's reminder reached every invitee once, and only after the scheduler went on
    # (and nothing more came after its second restart).
    await asyncio.sleep(2.0)  # time for a second copy, were one on its way
    reminded = _reminded(api, invitees)
    assert Counter(call.chat_id for call in reminded) == dict.fromkeys(invitees, 1)
    assert min(call.at for call in reminded) >= paused[1]
    assert _reminder_rows(url) == dict.fromkeys(invitees, 1)

    # No duplicate effects: one interest per chat, one application per chair, references
    # consecutive.
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            interests = dict(
                connection.execute(
                    text(
                        "SELECT u.telegram_id, count(*) FROM opportunity_interest i "
                        "JOIN app_user u ON u.id = i.user_id GROUP BY u.telegram_id"
                    )
                ).all()
            )
            applications = connection.execute(
                text(
                    "SELECT u.telegram_id, a.reference FROM grant_application a "
                    "JOIN app_user u ON u.id = a.user_id WHERE a.reference IS NOT NULL"
                )
            ).all()
    finally:
        db.dispose()
    assert interests == {chat.chat_id: 1 for chat in chats}
    assert sorted(telegram_id for telegram_id, _ in applications) == sorted(
        chat.chat_id for chat in applicants
    )
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for _, reference in applications)
    assert numbers == list(range(1, len(applicants) + 1))

    # The shared budget held both workers under Telegram's cap: never a 429.
    assert api.too_many == 0

    # The scheduler is back: its heartbeat is fresh on every worker's internal /healthz.
    async with httpx.AsyncClient() as http:
        for worker in workers:
            health = (
                await http.get(f"http://127.0.0.1:{worker.internal_port}/healthz", timeout=5)
            ).json()
            assert health["components"]["database"]["ok"]
            assert health["components"]["scheduler"]["ok"], health


async def _until(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def _until_reminded(api: FakeBotApi, invitees: range, within: float = 300.0) -> None:
    deadline = time.monotonic() + within
    while len(_reminded(api, invitees)) < len(invitees):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(_reminded(api, invitees))} of {len(invitees)} reminded")
        await asyncio.sleep(0.2)


def _reminded(api: FakeBotApi, invitees: range) -> list:
    return [call for call in api.sent(method="sendMessage") if call.chat_id in invitees]


def _reminder_rows(url: str) -> dict[int, int]:
    """Outbox rows of the meeting's reminder broadcasts, per recipient chat."""
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return dict(
                connection.execute(
                    text(
                        "SELECT o.chat_id, count(*) FROM outbox_message o "
                        "JOIN broadcast b ON b.id = o.broadcast_id "
                        "WHERE b.key LIKE 'meeting:%:reminder:%' GROUP BY o.chat_id"
                    )
                ).all()
            )
    finally:
        db.dispose()
