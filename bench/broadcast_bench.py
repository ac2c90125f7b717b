"""Broadcast benchmark: rate, concurrency, and crash safety of the outbox dispatcher.

Self-contained: a temporary SQLite database, the local fake Bot API (tests/fakes/bot_api.py) in
this process, and `frivillig dispatcher` as a subprocess so it can be killed for real.

1. 10,000 users (bulk insert) get a broadcast at a configured rate (default 200/s, distinct chats
   so the per-chat limit plays no part). Prints `broadcast_rate_ratio` (achieved ÷ configured,
   from the first to the last message the fake server received) and `broadcast_inflight_max`
   (most requests the server saw at once).
2. A second 10,000-message broadcast; the dispatcher is SIGKILLed at a random moment, the rows
   still `sending` are counted (in flight at the crash), a new dispatcher finishes the job.
   Prints `broadcast_lost_after_crash` (recipients who never got it; must be 0) and
   `broadcast_duplicates_after_crash` (extra copies; at most the rows in flight at the crash).

stdout carries only `name=value` lines; progress goes to stderr.

    .venv/bin/python bench/broadcast_bench.py [--recipients 10000] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.delivery.outbox import FINAL_STATUSES, Message, create_broadcast  # noqa: E402
from bot.store import migrate  # noqa: E402
from bot.store.base import utcnow  # noqa: E402
from bot.store.database import Database, transaction  # noqa: E402
from bot.store.models import Municipality, OutboxMessage, User  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402

FIRST_CHAT = 10_000_000
LEASE_SECONDS = 2.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(db: Database, recipients: int) -> list[int]:
    migrate.upgrade(db.engine)
    chats = list(range(FIRST_CHAT, FIRST_CHAT + recipients))
    now = utcnow()
    with transaction(db) as session:
        session.add(
            Municipality(
                slug="sonderborg", name="Sønderborg Kommune", code="SON",
                timezone="Europe/Copenhagen", languages=["da"], contacts={},
            )
        )  # fmt: skip
        session.flush()
        session.execute(
            insert(User),
            [
                {
                    "telegram_id": chat,
                    "language": "da",
                    "municipality_slug": "sonderborg",
                    "consent_notices": True,
                    "onboarded": True,
                    "blocked_bot": False,
                    "first_seen": now,
                    "last_seen": now,
                }
                for chat in chats
            ],
        )
    return chats


def queue(db: Database, chats: list[int], key: str) -> None:
    started = time.perf_counter()
    buttons = [[{"label": "Jeg kommer", "payload": "g:meetings:rsvp:1:y"}]]
    with transaction(db) as session:
        create_broadcast(
            session,
            key=key,
            kind="notice",
            title=key,
            messages=[
                Message(chat, f"{key}: Dialogmøde om frivillighed 2027", buttons) for chat in chats
            ],
            now=utcnow(),
        )
    log(f"queued {len(chats)} messages for {key} in {time.perf_counter() - started:.2f}s")


def unfinished(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(
            uow.session.scalar(
                select(func.count()).where(OutboxMessage.status.not_in(FINAL_STATUSES))
            )
            or 0
        )


def sending(db: Database) -> int:
    with db.unit_of_work() as uow:
        return int(
            uow.session.scalar(select(func.count()).where(OutboxMessage.status == "sending")) or 0
        )


def start_dispatcher(
    url: str, api: FakeBotApi, rate: float, concurrency: int, log_path: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": "123456:BENCH",
        "TELEGRAM_API_BASE_URL": api.base_url,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable, "-m", "bot.processes.cli", "dispatcher", "--rate", str(rate),
            "--concurrency", str(concurrency), "--lease-seconds", str(LEASE_SECONDS),
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("ab"),
    )  # fmt: skip


async def wait_until(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.1)
    return False


class Sends:
    """Times of the messages of one broadcast the server received, read incrementally (the
    server shares this process, so rescanning every call each poll would slow it down)."""

    def __init__(self, api: FakeBotApi, key: str) -> None:
        self.api, self.prefix, self.cursor = api, f"{key}:", 0
        self.times: list[float] = []
        #: When each of those requests reached the fake API's handler (`Call.received`).
        self.received: list[float] = []
        self.chats: Counter[int] = Counter()

    def count(self) -> int:
        calls = self.api.calls
        for call in calls[self.cursor :]:
            if call.method == "sendMessage" and str(call.params.get("text", "")).startswith(
                self.prefix
            ):
                self.times.append(call.at)
                self.received.append(call.received if call.received is not None else call.at)
                self.chats[int(call.params["chat_id"])] += 1
        self.cursor = len(calls)
        return len(self.times)


async def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    for _ in range(100):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.1)
    process.kill()


async def bench(recipients: int, rate: float, concurrency: int) -> dict[str, float | int]:
    figures: dict[str, float | int] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        log_path = Path(folder) / "dispatcher.log"
        db = Database(url)
        started = time.perf_counter()
        chats = prepare(db, recipients)
        log(f"{recipients} users inserted in {time.perf_counter() - started:.2f}s")
        # 10 ms per request, like a nearby Bot API server: requests overlap, so the server's
        # count of requests at once (inflight_max) shows the dispatcher's real concurrency.
        api = await FakeBotApi(latency=0.01).start()
        try:
            # --- 1. rate and concurrency -------------------------------------------------------
            queue(db, chats, "rate")
            process = start_dispatcher(url, api, rate, concurrency, log_path)
            budget = recipients / rate * 2 + 30
            first = Sends(api, "rate")
            done = await wait_until(lambda: first.count() >= recipients, budget)
            await stop(process)
            first.count()
            times = sorted(first.times)
            if not done or len(times) < 2:
                tail = log_path.read_text()[-3000:]
                log(f"phase 1 incomplete: {len(times)} of {recipients}\n{tail}")
                raise SystemExit(1)
            achieved = (len(times) - 1) / (times[-1] - times[0])
            log(f"phase 1: {len(times)} sent in {times[-1] - times[0]:.1f}s = {achieved:.1f}/s")
            figures["broadcast_rate_ratio"] = round(achieved / rate, 3)
            figures["broadcast_inflight_max"] = api.inflight_max

            # --- 2. SIGKILL at a random moment, then resume ------------------------------------
            queue(db, chats, "crash")
            process = start_dispatcher(url, api, rate, concurrency, log_path)
            kill_at = random.uniform(0.15, 0.85) * recipients
            second = Sends(api, "crash")
            await wait_until(lambda: second.count() >= kill_at, budget)
            process.send_signal(signal.SIGKILL)
            process.wait()
            await asyncio.sleep(0.2)  # requests already on the wire reach the server
            in_flight = sending(db)
            sent_before = second.count()
            log(f"killed after {sent_before} sends; {in_flight} rows were in flight (sending)")
            process = start_dispatcher(url, api, rate, concurrency, log_path)
            finished = await wait_until(lambda: unfinished(db) == 0, budget + LEASE_SECONDS * 4)
            await asyncio.sleep(0.5)
            await stop(process)
            if not finished:
                log(f"phase 2 did not finish\n{log_path.read_text()[-3000:]}")
            second.count()
            received = second.chats
            figures["broadcast_lost_after_crash"] = sum(1 for chat in chats if received[chat] == 0)
            figures["broadcast_duplicates_after_crash"] = sum(
                n - 1 for n in received.values() if n > 1
            )
            figures["broadcast_inflight_at_crash"] = in_flight
        finally:
            await api.stop()
            db.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    figures = asyncio.run(bench(args.recipients, args.rate, args.concurrency))
    for name, value in figures.items():
        print(f"{name}={value}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
