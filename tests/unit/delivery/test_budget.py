"""The bot's one send budget: the rate held, replies before broadcast rows, across processes."""

from __future__ import annotations

import asyncio
import heapq
import json
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.config import PROJECT_ROOT
from bot.delivery.budget import (
    BULK_AHEAD_SECONDS,
    LATE_TOKENS,
    BudgetRateLimiter,
    Kind,
    MemoryTokens,
    PostgresTokens,
    RateBudget,
    bucket,
    build_budget,
    counts,
    due_times,
    thresholds,
)
from bot.store.database import Database
from tests.fakes.databases import TEST_DATABASE_URL

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="the shared budget needs PostgreSQL (set TEST_DATABASE_URL)"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def test_messages_count_and_other_calls_do_not() -> None:
    assert counts("sendMessage") and counts("editMessageText") and counts("sendDocument")
    assert not counts("answerCallbackQuery")
    assert not counts("getFile") and not counts("setWebhook") and not counts("sendChatAction")


def test_memory_bucket_refills_at_the_rate_up_to_its_capacity() -> None:
    clock = Clock()
    tokens = MemoryTokens(10, 3, clock=clock)
    assert tokens.take(1) == (0, 0.0, 1000.0)  # starts empty: no burst at start-up
    clock.now += 10  # a long quiet spell fills it to 3, not 100
    assert [tokens.take(1)[:2] for _ in range(3)] == [(1, 3.0), (1, 2.0), (1, 1.0)]
    assert tokens.take(1) == (0, 0.0, 1010.0)  # and the moment it counted them at
    clock.now += 10
    assert tokens.take(1, want=5)[:2] == (3, 3.0)  # several waiters at once: all there is


def test_a_take_may_draw_the_bucket_ahead_and_waits_for_its_moment() -> None:
    clock = Clock()
    tokens = MemoryTokens(10, 1, clock=clock)
    assert tokens.take(-2.0, want=5)[:2] == (3, 0.0)  # down to -3, no further
    # Due when the refill has brought the bucket back to zero behind each token.
    assert due_times(clock.now, 0.0, 3, 10) == pytest.approx([1000.1, 1000.2, 1000.3])
    assert tokens.take(-2.0)[:2] == (0, -3.0)
    clock.now += 0.15
    assert tokens.take(-2.0)[:2] == (1, pytest.approx(-1.5))
    assert due_times(clock.now, -1.5, 1, 10) == pytest.approx([1000.4])  # in line behind them


def _most_in_one_second(grants: list[tuple[float, int]]) -> int:
    """The most tokens granted in any closed window [t, t + 1 s] (a window that opens at a
    grant is the fullest; its far edge is counted too)."""
    grants = sorted(grants)
    best = 0
    for start, _ in grants:
        best = max(best, sum(n for at, n in grants if start <= at <= start + 1.0 + 1e-9))
    return best


def _dues(tokens: MemoryTokens, clock: Clock, threshold: float, want: int) -> list[float]:
    taken, level, at = tokens.take(threshold, want)
    return due_times(at, level, taken, tokens.rate)


@pytest.mark.parametrize("limit", [4, 7.5, 25, 30, 200])
def test_no_second_is_granted_more_than_the_limit_however_the_takers_come(limit: float) -> None:
    """Telegram counts messages per second: the bucket grants at most `limit` tokens in any
    window of one second, a grant counted at its due moment — after a quiet spell (a full
    bucket) too, with replies and outbox rows drawing it ahead — and still grants
    limit − capacity a second in a steady stream."""
    refill, capacity = bucket(limit)
    assert capacity + refill <= limit
    lines = thresholds(refill)
    chance = random.Random(int(limit * 10))
    for _ in range(20):
        clock = Clock()
        tokens = MemoryTokens(refill, capacity, clock=clock)
        grants: list[tuple[float, int]] = []
        while clock.now < 1030.0:
            # Greedy takers at random moments, in bursts, with quiet spells that fill the bucket.
            clock.now += chance.choice((0.0, 0.0005, 0.003, 0.02, 0.1, 0.7, 2.0))
            threshold = chance.choice((lines[Kind.REPLY], lines[Kind.BULK], 1.0))
            dues = _dues(tokens, clock, threshold, chance.choice((1, 3, 8)))
            grants += [(at, 1) for at in dues]
        assert _most_in_one_second(grants) <= limit
    # A greedy stream gets the refill: limit − capacity a second (and the bound is reached).
    clock = Clock()
    tokens = MemoryTokens(refill, capacity, clock=clock)
    clock.now += 10.0  # full
    grants = []
    for _ in range(20_000):
        clock.now += 0.001
        grants += [(at, 1) for at in _dues(tokens, clock, lines[Kind.BULK], 8)]
    assert _most_in_one_second(grants) == int(limit)
    assert sum(n for _, n in grants) / 20.0 == pytest.approx(refill, rel=0.06)


class Grants:
    """A bucket that notes every grant's kind, moment of asking and due moment."""

    def __init__(self, refill: float, capacity: float, clock: Clock | SimClock) -> None:
        self.tokens = MemoryTokens(refill, capacity, clock=clock)
        self.rate = refill
        self.clock = clock
        self.log: list[tuple[str, float, float]] = []
        self.kind = {refill_line: kind for kind, refill_line in thresholds(refill).items()}

    def take(self, threshold: float, want: int = 1) -> tuple[int, float, float]:
        taken, level, at = self.tokens.take(threshold, want)
        for due in due_times(at, level, taken, self.rate):
            self.log.append((self.kind[threshold], self.clock.now, due))
        return taken, level, at


class SimClock:
    """Simulated time for many coroutines: each sleep ends at its own moment, the clock jumps
    to the next one when every coroutine waits; each ends up to `late` seconds after it should
    (a busy event loop, a round trip)."""

    def __init__(self, late: float = 0.0, seed: int = 0) -> None:
        self.now = 1000.0
        self.late = late
        self.chance = random.Random(seed)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._count += 1
        wake = self.now + max(0.0, seconds) + self.chance.uniform(0, self.late)
        heapq.heappush(self._sleepers, (wake, self._count, future))
        await future

    async def run(self) -> None:
        while True:
            for _ in range(20):  # let every woken coroutine run until it sleeps again
                await asyncio.sleep(0)
            if self._sleepers:
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)


@pytest.mark.parametrize("limit", [25, 30, 200])
async def test_two_dispatchers_come_late_and_still_get_95_percent_of_the_limit(
    limit: float,
) -> None:
    """Issue 14: a broadcast through two dispatchers runs at ≥ 0.95 of the setting and no
    second above it, though every wake-up comes up to 20 ms late (or as late as a sender may
    still spend its token, `LATE_TOKENS`, if that is less: 2.5 ms at 200/s): a dispatcher finds
    its last grant still ahead of the refill, so the bucket never sits full and no token is
    lost."""
    refill, capacity = bucket(limit)
    clock = SimClock(late=min(0.02, LATE_TOKENS / refill), seed=int(limit))
    driver = asyncio.create_task(clock.run())
    store = Grants(refill, capacity, clock)
    budgets = [RateBudget(store, in_thread=False, clock=clock, sleep=clock.sleep) for _ in range(2)]
    end = clock.now + 20.0

    async def sender(budget: RateBudget) -> None:  # eight at once, as a dispatcher's sends are
        while clock.now < end:
            await budget.acquire(Kind.BULK)

    await asyncio.gather(*(sender(budget) for budget in budgets for _ in range(8)))
    driver.cancel()
    dues = [due for _, _, due in store.log]
    rate = (len(dues) - 1) / (max(dues) - min(dues))
    assert 0.95 * limit <= rate <= limit
    assert _most_in_one_second([(at, 1) for at in dues]) <= limit
    assert all(budget.taken[Kind.BULK] > 0.4 * len(dues) for budget in budgets)  # both send


class LaggingStore:
    """The shared bucket as the database holds it: the tokens are counted at the database's
    moment, and the answer reaches the taker up to `lag` seconds later (a thread hand-off, a
    busy machine), a different delay each take."""

    def __init__(
        self,
        refill: float,
        capacity: float,
        clock: SimClock,
        *,
        lag: float,
        seed: int,
        skew: float = 0.0,
    ) -> None:
        self.clock = clock
        self.skew = skew  # the database's clock − the takers'
        self.moment = clock.now + skew
        self.tokens = MemoryTokens(refill, capacity, clock=lambda: self.moment)
        self.rate = refill
        self.lag = lag
        self.chance = random.Random(seed)

    def take(self, threshold: float, want: int = 1) -> tuple[int, float, float]:
        # The database's moments follow one another in the takes' order (the row lock).
        self.moment = max(
            self.moment, self.clock.now + self.skew - self.chance.uniform(0, self.lag)
        )
        return self.tokens.take(threshold, want)


def stalling(clock: SimClock, *, every: float, length: float) -> Callable[[float], Awaitable[None]]:
    """The sleep of a process that gets no CPU for `length` seconds every `every` seconds:
    whatever would wake in a stall wakes when it ends."""

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        if (into := (clock.now - 1000.0) % every) < length:
            await clock.sleep(length - into)

    return sleep


async def _broadcast(
    clock: SimClock, budgets: list[RateBudget], seconds: float
) -> list[tuple[float, int]]:
    """Eight senders in each process, as a dispatcher's are, for `seconds`: the moments each
    had its token and sent (what Telegram counts, not when the bucket granted it)."""
    driver = asyncio.create_task(clock.run())
    end = clock.now + seconds
    sends: list[tuple[float, int]] = []

    async def sender(budget: RateBudget) -> None:
        while clock.now < end:
            await budget.acquire(Kind.BULK)
            sends.append((clock.now, 1))

    await asyncio.gather(*(sender(budget) for budget in budgets for _ in range(8)))
    driver.cancel()
    return sends


@pytest.mark.parametrize(("limit", "skew"), [(25, 0.0), (100, 0.0), (30, 1.7e9), (30, -500.0)])
async def test_no_second_above_the_limit_at_the_sends_though_the_answers_come_back_late(
    limit: float, skew: float
) -> None:
    """Issue 14: the takes' answers come back 0–50 ms after the database counted the tokens.
    Due moments reckoned from the database's moment (not from when the answer was in) keep
    every second of sends, counted when they are made, at the limit — whatever the database's
    clock reads against the takers' (seconds since 1970 against a monotonic clock's)."""
    clock = SimClock(late=0.001, seed=int(limit))
    refill, capacity = bucket(limit)
    store = LaggingStore(refill, capacity, clock, lag=0.05, seed=int(limit), skew=skew)
    budgets = [RateBudget(store, in_thread=False, clock=clock, sleep=clock.sleep) for _ in range(2)]
    sends = await _broadcast(clock, budgets, 20.0)
    assert _most_in_one_second(sends) <= limit
    assert (len(sends) - 1) / (sends[-1][0] - sends[0][0]) >= 0.95 * limit


@pytest.mark.parametrize("limit", [25, 100])
async def test_a_process_that_stalls_does_not_send_what_fell_due_meanwhile_at_once(
    limit: float,
) -> None:
    """Issue 14: one of two dispatchers gets no CPU for 200 ms every 1.3 s. Its senders wake
    after their tokens' moments; they give those tokens up and take new ones, so no second of
    sends goes above the limit, and the broadcast loses only those tokens."""
    clock = SimClock(late=0.001, seed=int(limit))
    refill, capacity = bucket(limit)
    store = Grants(refill, capacity, clock)
    stalls = RateBudget(
        store, in_thread=False, clock=clock, sleep=stalling(clock, every=1.3, length=0.2)
    )
    steady = RateBudget(store, in_thread=False, clock=clock, sleep=clock.sleep)
    sends = await _broadcast(clock, [stalls, steady], 20.0)
    assert _most_in_one_second(sends) <= limit
    assert stalls.given_up > 0
    assert (len(sends) - 1) / (sends[-1][0] - sends[0][0]) >= 0.9 * limit


async def test_replies_of_another_process_overtake_a_broadcast_in_the_smallest_bucket() -> None:
    """At 25/s the bucket holds one token. One process broadcasts with eight senders; another
    answers five users at once: each reply is due behind at most the broadcast's grants made
    before it asked (`BULK_AHEAD_SECONDS`), and no broadcast row asked for later goes first."""
    clock = SimClock()
    driver = asyncio.create_task(clock.run())
    refill, capacity = bucket(25)
    assert capacity == 1
    store = Grants(refill, capacity, clock)
    broadcast = RateBudget(store, in_thread=False, clock=clock, sleep=clock.sleep)
    replies = RateBudget(store, in_thread=False, clock=clock, sleep=clock.sleep)
    stop = False

    async def sender() -> None:
        while not stop:
            await broadcast.acquire(Kind.BULK)

    senders = [asyncio.create_task(sender()) for _ in range(8)]
    await clock.sleep(3.0)  # the broadcast is under way
    asked = clock.now
    await asyncio.gather(*(replies.acquire(Kind.REPLY) for _ in range(5)))
    stop = True
    await asyncio.gather(*senders)
    driver.cancel()
    reply_dues = sorted(due for kind, _, due in store.log if kind == Kind.REPLY)
    ahead = max(1.0, refill * BULK_AHEAD_SECONDS)
    assert len(reply_dues) == 5
    # Granted the moment they asked, though the broadcast had drawn the bucket below its line.
    assert all(at == asked for kind, at, _ in store.log if kind == Kind.REPLY)
    # The first reply waits for at most the broadcast's grants already made and one token.
    assert reply_dues[0] - asked <= (ahead + 1) / refill + 1e-9
    assert reply_dues[-1] - reply_dues[0] == pytest.approx(4 / refill)  # then at the full rate
    # No broadcast row granted after the replies asked is due before the last reply.
    assert not [
        due
        for kind, at, due in store.log
        if kind == Kind.BULK and asked < at and due < reply_dues[-1]
    ]
    assert broadcast.taken[Kind.BULK] > 60  # the broadcast did run (at 24/s)


def test_a_bucket_refilled_at_the_limit_lets_a_burst_over_it() -> None:
    """Why the refill is limit − capacity: refilled at the limit itself, the full bucket's
    burst comes on top of a second's refill (the 1.01 × rate the scale bench measured)."""
    clock = Clock()
    tokens = MemoryTokens(25, 5, clock=clock)
    clock.now += 10.0
    grants = []
    for _ in range(2000):
        clock.now += 0.001
        taken, *_ = tokens.take(1.0, want=8)
        if taken:
            grants.append((clock.now, taken))
    assert _most_in_one_second(grants) == 30


def test_a_rate_of_zero_or_less_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        bucket(0)


async def test_a_reply_takes_a_token_a_broadcast_row_would_have_to_wait_for() -> None:
    clock = Clock()
    refill, capacity = bucket(25)  # the smallest bucket: one token
    tokens = MemoryTokens(refill, capacity, clock=clock)
    lines = thresholds(refill)
    assert lines[Kind.REPLY] < lines[Kind.BULK] < capacity
    while tokens.take(lines[Kind.BULK])[0]:
        pass  # the broadcast has drawn the bucket as far ahead as it may
    assert tokens.take(lines[Kind.BULK])[0] == 0
    assert tokens.take(lines[Kind.REPLY])[0] == 1  # a reply still gets one, in line behind


async def test_the_rate_is_held_over_many_bulk_sends() -> None:
    clock = Clock()
    refill, capacity = bucket(25)
    budget = RateBudget(
        MemoryTokens(refill, capacity, clock=clock),
        in_thread=False,
        clock=clock,
        sleep=clock.sleep,
    )
    start = clock.now
    for _ in range(250):
        await budget.acquire(Kind.BULK)
    elapsed = clock.now - start
    assert 250 / elapsed <= 25
    assert 250 / elapsed >= 25 * 0.95


async def test_waiting_replies_go_before_broadcast_rows_in_one_process() -> None:
    budget = build_budget(Database("sqlite://"), 20)
    order: list[str] = []

    async def bulk() -> None:
        while True:
            await budget.acquire(Kind.BULK)
            order.append("bulk")

    async def reply(index: int) -> None:
        await budget.acquire(Kind.REPLY)
        order.append(f"reply{index}")

    sender = asyncio.create_task(bulk())
    await asyncio.sleep(0.5)  # the broadcast is under way
    started = len(order)
    await asyncio.gather(*(reply(i) for i in range(5)))
    sender.cancel()
    during = order[started:]
    replies_done = max(i for i, what in enumerate(during) if what.startswith("reply"))
    # Every reply went out before the broadcast got another token; rows granted before the
    # replies asked (at most two: one drawn ahead, one due) may still go out first.
    assert during[: replies_done + 1].count("bulk") <= 2


async def test_a_429_pauses_sends_and_the_reply_is_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    from telegram.error import RetryAfter

    budget = build_budget(Database("sqlite://"), 100)
    limiter = BudgetRateLimiter(budget, max_retries=2)
    calls: list[float] = []

    async def call() -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=1))
        return True

    assert await limiter.process_request(call, (), {}, "sendMessage", {}, None) is True
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.95


# --- PostgreSQL: one bucket for every process ---------------------------------------------

TAKER = """
import asyncio, json, sys, time
from bot.delivery.budget import Kind, PostgresTokens, RateBudget, bucket
from bot.store.database import Database

url, name, kind, seconds = sys.argv[1], sys.argv[2], Kind(sys.argv[3]), float(sys.argv[4])

async def main():
    db = Database(url)
    refill, capacity = bucket(20.0)
    budget = RateBudget(PostgresTokens(db, refill, capacity, name=name), in_thread=True)
    stamps = []
    print("ready", flush=True)
    sys.stdin.readline()
    end = time.time() + seconds

    async def sender():  # eight at once, as a dispatcher's sends are
        while time.time() < end:
            await budget.acquire(kind)
            stamps.append(time.time())

    await asyncio.gather(*(sender() for _ in range(8)))
    print(json.dumps(stamps), flush=True)
    db.dispose()

asyncio.run(main())
"""


def _takers(name: str, kinds: list[str], seconds: float) -> list[list[float]]:
    assert TEST_DATABASE_URL
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, TEST_DATABASE_URL, name, kind, str(seconds)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for kind in kinds
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:  # start together
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=seconds + 60)
        assert process.returncode == 0
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _busiest_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, at in enumerate(stamps):
        while at - stamps[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.fixture
def postgres(postgres_database: Database | None) -> Database:
    assert postgres_database is not None
    return postgres_database


@needs_postgres
def test_two_processes_share_one_rate(postgres: Database) -> None:
    """Two processes sending broadcast rows at once get at most 20 in any second between
    them, not 20 each."""
    first, second = _takers("two-processes", ["bulk", "bulk"], 4.0)
    together = first + second
    assert first and second  # both got their share
    assert len(together) / 4.0 >= 20 * 0.8  # the rate is used, not wasted (18/s refill)
    # The database grants at most 20 in any second, and the stamps, taken when each sender has
    # its token, keep to it: the moments are the database's (mapped by each process's offset),
    # and a sender later than LATE_TOKENS gives its token up. (Before, the moments were reckoned
    # from when each answer was in, and this needed a token of slack.)
    assert _busiest_second(together) <= 20


@needs_postgres
def test_replies_of_another_process_go_before_its_broadcast(postgres: Database) -> None:
    """While one process keeps asking for reply tokens, the other's broadcast rows get almost
    none; the replies get nearly the whole rate."""
    replies, bulk = _takers("replies-first", ["reply", "bulk"], 3.0)
    assert len(replies) >= 20 * 3.0 * 0.85
    # (once the reply process has stopped asking, the broadcast goes on: not counted)
    during = [at for at in bulk if min(replies) <= at <= max(replies)]
    assert len(during) <= 0.1 * len(replies)


@needs_postgres
async def test_a_dropped_connection_costs_a_moment_not_the_send(postgres: Database) -> None:
    from sqlalchemy import text

    db = Database(postgres.url)
    budget = RateBudget(PostgresTokens(db, 50, 5, name="dropped"), in_thread=True)
    await budget.acquire(Kind.REPLY)
    with postgres.engine.begin() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await asyncio.wait_for(budget.acquire(Kind.REPLY), 5)
    db.dispose()
