"""Scale-out proven with real processes (issue 14): two `frivillig run --webhook` workers and one
`frivillig scheduler` on a fresh PostgreSQL database, the fake Bot API as a real HTTP server with
Telegram's per-bot cap, and a load balancer that re-posts what a worker did not answer.

Chats onboard, search by buttons and say they are interested, every fourth applies for a § 18
grant through to submission, all interleaved. Meanwhile one worker is SIGKILLed and started
again, every database connection is dropped once (`pg_terminate_backend`), and the scheduler is
paused and resumed. Then: every update was answered, every chat's replies came in the order of its
updates, one interest per chat, one application per chair with consecutive references, and the
fake Bot API never had to answer 429.

`SYSTEM_CHATS` sets the number of chats (40 here; `make bench` runs more).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.store.database import Database
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.databases import TEST_DATABASE_URL
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
    terminate_connections,
    wait_healthy,
)

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="the multi-process system test needs PostgreSQL: set TEST_DATABASE_URL",
    ),
]

CHATS = int(os.environ.get("SYSTEM_CHATS", "40"))
APPLY_EVERY = 4
FIRST_USER = 700_000
#: The workers' shared budget; the fake API refuses anything above rate + the bucket's burst.
RATE = 100
CAP = 125


async def test_two_workers_and_a_scheduler_survive_a_kill_a_dropped_database_and_a_pause(
    tmp_path: Path,
) -> None:
    assert TEST_DATABASE_URL
    with fresh_database(TEST_DATABASE_URL, f"frivillig_system_{os.getpid()}") as url:
        prepare(url)
        api = await FakeBotApi(rate_cap=CAP).start()
        settings = {"BROADCAST_RATE_PER_SECOND": str(RATE), "WEBHOOK_CLAIM_LEASE_SECONDS": "5"}
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
        finally:
            await lb.close()
            for process in (*workers, scheduler):
                process.stop()
            await api.stop()


async def _traffic_with_faults(
    api: FakeBotApi, lb: LoadBalancer, workers: list, scheduler: Process, url: str
) -> None:
    chats = [ChatUser(api, lb, FIRST_USER + i) for i in range(CHATS)]
    applicants = [chat for i, chat in enumerate(chats) if i % APPLY_EVERY == 0]
    expected = 9 * CHATS + 29 * len(applicants)

    async def journey(index: int, chat: ChatUser) -> None:
        await asyncio.sleep(index * 0.05)  # people arrive over a couple of seconds
        await onboarding(chat)
        await search_by_buttons(chat)
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
        await at(0.6)
        scheduler.pause()
        await asyncio.sleep(3.0)
        scheduler.resume()
        faults.append("scheduler paused and resumed")

    started = time.monotonic()
    await asyncio.gather(inflict(), *(journey(i, chat) for i, chat in enumerate(chats)))
    elapsed = time.monotonic() - started

    # Every update was answered (the load balancer got a 200 for each), some after a retry.
    assert len(lb.deliveries) == expected
    assert faults[:2] == ["kill", "restart"] and len(faults) == 4, faults
    retried = [d for d in lb.deliveries if len(d.attempts) > 1]
    print(f"system: {expected} updates in {elapsed:.1f}s, {len(retried)} re-posted, {faults}")

    # Each chat's replies came while its own update was in hand: in the order of its updates.
    for chat in chats:
        own = [i for i, c in enumerate(api.calls) if c.chat_id == chat.chat_id]
        outside = [i for i in own if not any(a <= i < b for a, b in chat.windows)]
        assert not outside, f"chat {chat.chat_id}: replies outside their update's turn"

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
