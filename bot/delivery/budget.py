"""The bot's one send budget: Telegram's ~30 messages a second hold per bot, across every process
and every kind of message, so replies and broadcasts draw from one token bucket.

**The bucket holds one token and may be drawn ahead.** A take that finds too few tokens may
still succeed: the bucket goes below zero and the taker sends when the refill has brought it
back to zero (`due_times`) — a reservation of a later moment, as in the generic cell rate
algorithm. Two things follow:

- a token is never lost to a taker that comes a little late (a polled bucket at its capacity
  throws the refill away; a bucket with a reservation outstanding never sits at capacity), so a
  steady broadcast gets the whole refill, `limit − 1` a second (`bucket`): 0.96 of 25/s;
- **replies come first** by how far ahead each kind may draw: a reply to a user's own action
  may take the bucket `REPLY_AHEAD_SECONDS` below zero, an outbox row only `BULK_AHEAD_SECONDS`
  (at least one token). A reply therefore always gets a token at once, due behind at most the
  few outbox rows already granted, and while replies hold the bucket below the outbox rows'
  line, outbox rows get nothing until the replies' moments have come.

Where the bucket lives:

- **PostgreSQL** (several processes): one `rate_budget` row, taken with one conditional
  `UPDATE … RETURNING` in autocommit (the row lock serialises the takers for the statement
  only; the database's clock counts the refill, so hosts need not agree on the time). Each
  process lets one waiter of each kind poll at a time, taking tokens for all its waiters of
  that kind at once.
- **SQLite** (one process): the same bucket in memory, on the process's own clock.

**No second above the rate.** The bucket refills at the rate less its capacity (`bucket`), so
no window of one second is granted more than `BROADCAST_RATE_PER_SECOND` tokens, bursts and
reservations included (a grant counts at its due moment). Two things carry that bound from the
bucket's clock to the moments the sends are made:

- **due moments on the bucket's clock**: a take returns the moment the bucket counted its
  tokens (the statement's, on PostgreSQL) and the due moments are reckoned from it, then mapped
  onto the process's clock by an offset estimated from its own takes, NTP-style
  (`RateBudget._offset`: the smallest "clock when the answer was in − the database's moment"
  of the last 2 s). A take whose answer comes back late (a thread hand-off, a stall) therefore
  does not push its tokens later, onto the next take's. A constant skew between the hosts is
  part of the offset; a drift is followed within the 2 s window.
- **a late outbox row gives its token up**: a sender that wakes more than `LATE_TOKENS` of
  refill after its token's moment (its process got no CPU for a while) does not spend that
  token, whose second is past, but takes another (at most `MAX_GIVE_UPS` times a row): what
  fell due during a stall does not go out at once on top of what is due now. The lost slots
  cost rate whenever the process waits for the CPU (0.89 of the rate at a load of 7.7 on two
  cores, 0.97–0.98 at 2.9–4.5: README, "Measured limits"). Replies are never held back so.

Every process must be given the same rate (`BROADCAST_RATE_PER_SECOND`): the rate and capacity
travel with each take, so a process with a higher rate would refill faster for itself.

The rule's source: Telegram's Bot FAQ, "avoid sending more than about 30 messages per second"
(per bot, any chats), https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TextIO

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.store.database import Database

log = logging.getLogger(__name__)

#: The bucket's name in `rate_budget` (one bot, one budget).
TELEGRAM = "telegram"
#: The bucket holds one token: a reply after a quiet spell goes at once, and the refill is the
#: limit less this (`bucket`), so a larger capacity would cost a steady broadcast its share.
CAPACITY = 1.0
#: How far ahead of the refill an outbox row may be granted a token (at least one token ahead):
#: enough that a dispatcher whose next take comes late loses nothing (each take finds the
#: previous one's reservation outstanding), little enough that a reply waits behind at most
#: this much of the broadcast.
BULK_AHEAD_SECONDS = 0.05
#: How far ahead a reply may be granted a token: a burst of replies is served in order at the
#: full rate, every outbox row behind it.
REPLY_AHEAD_SECONDS = 2.0
#: Longest single sleep of a waiter, so a pause or a freed token is noticed soon.
MAX_NAP_SECONDS = 0.25
#: Shortest sleep of a waiter (a wait computed shorter is rounding).
MIN_NAP_SECONDS = 0.001
#: Rounding allowed when comparing token counts (floats of a clock near 1.7e9 s).
EPSILON = 1e-6
#: Most tokens one waiter takes for the waiters of its kind in one round trip.
MAX_TAKE = 8
#: After a database error (a dropped connection), wait this long and try again.
ERROR_NAP_SECONDS = 0.1
#: How far back the takes' clock offsets are kept for the estimate (`RateBudget._offset`).
OFFSET_WINDOW_SECONDS = 2.0
#: An outbox row's sender that wakes more than this many tokens of refill after its token's
#: moment gives the token up and takes another (`RateBudget.acquire`): 37 ms at 25/s, 31 ms at
#: 30/s, 9 ms at 100/s. Why 0.9: the tokens due in any W seconds are at most 1 + r·W (`bucket`);
#: sends made up to T after their moments put into one second only tokens due within 1 + T
#: seconds, at most the limit + r·T, which stays the limit (a whole number) while r·T < 1. The
#: last 0.1 of a token is left for the processes' differing clock offsets (`_offset`: their
#: fastest answers, under a millisecond on one host). Measured (`bench/scale_bench.py`, two
#: dispatchers at 100/s): at load 4.7 0.5 % of the tokens came later than 9 ms and were given
#: up, 3.4 % later than 5 ms (what half a token would have cost); at load 7.4 7 % and 12 %. The
#: busiest second of the send moments held the limit exactly in every run.
LATE_TOKENS = 0.9
#: At most this many tokens are given up for one outbox row: a process whose every wake-up is
#: late still sends (at a third of its share at worst) instead of never.
MAX_GIVE_UPS = 2
#: With this variable set to a file name, each process appends one line per token: its kind, due
#: moment, the moment its sender has it (`clock` seconds: `time.monotonic`, one clock for every
#: process on a host) and `sent` or `late` (given up). For `bench/scale_bench.py`; unset in
#: production.
TRACE_VARIABLE = "FRIVILLIG_BUDGET_TRACE"


class Kind(StrEnum):
    REPLY = "reply"  # an answer to a user's own update: first
    BULK = "bulk"  # an outbox row (broadcasts, reminders, notices): when no reply waits


def counts(method: str) -> bool:
    """Whether a Bot API method is a message Telegram counts against the ~30/s: sending, editing,
    copying or forwarding one. `answerCallbackQuery`, `getFile`, `setWebhook`, `sendChatAction` …
    are not messages and are not counted."""
    return method.startswith(("send", "edit", "copy", "forward")) and method != "sendChatAction"


class TokenStore(Protocol):
    rate: float

    def take(self, threshold: float, want: int = 1) -> tuple[int, float, float]:
        """If the bucket holds at least `threshold` tokens (negative: may be drawn ahead), take
        up to `want` of them, never going below `threshold - 1`: (taken, the tokens there were
        before the take, the moment they were counted in seconds of the store's own clock).
        Otherwise take nothing: (0, the tokens there are, that moment)."""
        ...


def _share(available: float, threshold: float, want: int) -> int:
    return max(1, min(want, int(available - threshold + EPSILON) + 1))


def due_times(now: float, level: float, taken: int, rate: float) -> list[float]:
    """When each of `taken` tokens taken at `now` (seconds) from a bucket that held `level`
    tokens may be spent: at once while the bucket had it, else when the refill (`rate` tokens a
    second) has brought the bucket back to zero behind it. The i-th token is due
    max(0, i − level) / rate seconds after `now`."""
    return [now + max(0.0, i - level) / rate for i in range(1, taken + 1)]


class MemoryTokens:
    """The bucket in this process (SQLite deployments run one process)."""

    def __init__(
        self, rate: float, capacity: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self.tokens = 0.0
        self._updated = clock()

    def take(self, threshold: float, want: int = 1) -> tuple[int, float, float]:
        now = self._clock()
        available = min(self.capacity, self.tokens + max(0.0, now - self._updated) * self.rate)
        self._updated = now
        if available >= threshold - EPSILON:
            taken = _share(available, threshold, want)
            self.tokens = available - taken
            return taken, available, now
        self.tokens = available
        return 0, available, now


#: The tokens there are now: the stored ones (below zero while grants are drawn ahead) plus the
#: refill since the last take, at most the capacity. `statement_timestamp()` is read once per
#: statement (consistent within it); if this statement waited for another taker's lock, it is
#: older than that taker's stamp and the refill counts as zero, never as more.
_AVAILABLE = """least(:capacity, tokens
    + greatest(0, extract(epoch from statement_timestamp()) - updated_epoch) * :rate)"""
_TAKEN = f"least(:want, floor({_AVAILABLE} - :threshold + 1e-6) + 1)"
_TAKE = text(
    f"""
    UPDATE rate_budget SET
        tokens = {_AVAILABLE} - {_TAKEN},
        last_taken = {_TAKEN},
        updated_epoch = greatest(updated_epoch, extract(epoch from statement_timestamp()))
    WHERE name = :name AND {_AVAILABLE} >= :threshold - 1e-6
    RETURNING last_taken, tokens + last_taken, updated_epoch
    """  # noqa: S608 - built from the constants above, values are bound parameters
)
#: The moment the tokens were counted at: the statement's, or the last take's if that is later
#: (the refill was then counted as zero, so the tokens are those of that moment).
_COUNTED = "greatest(updated_epoch, extract(epoch from statement_timestamp()))"
_PEEK = text(f"SELECT {_AVAILABLE}, {_COUNTED} FROM rate_budget WHERE name = :name")  # noqa: S608
_NOW = text("SELECT extract(epoch from statement_timestamp())")
_CREATE = text(
    """
    INSERT INTO rate_budget (name, tokens, updated_epoch, last_taken)
    VALUES (:name, 0, extract(epoch from clock_timestamp()), 0)
    ON CONFLICT (name) DO NOTHING
    """
)


class PostgresTokens:
    """The bucket as one `rate_budget` row, shared by every process on the database.

    One conditional `UPDATE … RETURNING` per take: the row lock serialises the takers, and after
    waiting for another taker PostgreSQL re-evaluates the condition and the new values on the
    newest row version (READ COMMITTED), so no token is ever taken twice. The SET expressions
    read the row as it was; `last_taken` says how many this statement took, and the new
    `tokens` plus it are the tokens there were, and the new `updated_epoch` the moment (the
    database's clock, seconds since the epoch) they were counted at: the takers' due moments are
    reckoned from it (`RateBudget`), where the bucket counts them. No expression assumes whole
    tokens: the bucket holds fractions and goes below zero (`tokens` is a float column).
    """

    def __init__(self, db: Database, rate: float, capacity: float, *, name: str = TELEGRAM):
        self.db = db
        self.params = {"name": name, "rate": rate, "capacity": capacity}
        self.rate = rate

    def take(self, threshold: float, want: int = 1) -> tuple[int, float, float]:
        params = {**self.params, "threshold": threshold, "want": want}
        # Autocommit: the row lock ends with the statement, inside the server. In a transaction
        # it lasted until this process's COMMIT came, a round trip later (longer when this
        # process waited for the CPU), and the other takers waited that long for their answer.
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            row = connection.execute(_TAKE, params).first()
            if row is not None:
                return int(row[0]), float(row[1]), float(row[2])
            peek = connection.execute(_PEEK, params).first()
            if peek is None:
                connection.execute(_CREATE, params)
                return 0, 0.0, float(connection.execute(_NOW).scalar_one())
        return 0, float(peek[0]), float(peek[1])


class RateBudget:
    """Tokens for sends to Telegram, replies first. `await acquire(Kind.REPLY)` before a reply,
    `await acquire(Kind.BULK)` before an outbox row; `pause(seconds)` after a global 429.

    Due moments are reckoned on the store's clock (the database's, on PostgreSQL), where the
    bucket counts its grants, and mapped onto this process's `clock` by an offset estimated from
    the takes themselves (`_offset`), so a take whose answer comes back late (a thread hand-off,
    a stall) does not move its tokens' moments later, onto the next take's."""

    def __init__(
        self,
        store: TokenStore,
        *,
        in_thread: bool,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        trace: TextIO | None = None,
    ) -> None:
        self.store = store
        self.thresholds = thresholds(store.rate)
        self.in_thread = in_thread
        self._clock = clock
        self._sleep = sleep
        self._locks = {kind: asyncio.Lock() for kind in Kind}
        self.waiting = dict.fromkeys(Kind, 0)
        #: When the tokens taken for waiters of this process, not yet picked up, are due (in
        #: `clock` seconds, soonest first). Either kind's waiters may have taken them: a reply
        #: uses any, an outbox row only while no reply of this process waits.
        self.spare: deque[float] = deque()
        self.paused_until = 0.0
        self.taken = dict.fromkeys(Kind, 0)
        #: Outbox rows' tokens given up because their sender woke too late (`LATE_TOKENS`).
        self.given_up = 0
        #: (when, this clock − the store's clock) of the recent takes, the samples increasing
        #: from the left: the leftmost is the smallest of the last `OFFSET_WINDOW_SECONDS`.
        self._offsets: deque[tuple[float, float]] = deque()
        self._trace = trace
        #: How late after its token's moment an outbox row's sender may still spend it, seconds.
        self.late = LATE_TOKENS / store.rate

    async def acquire(self, kind: Kind) -> None:
        """Wait for one token of `kind` and for its moment; a reply overtakes every broadcast
        row waiting here and, through how far ahead each kind may draw, in every other process.

        One waiter of each kind polls the bucket at a time and takes tokens for every waiter of
        its kind at once (one database round trip for many sends); the others find theirs in
        `spare` when the lock comes to them, moments later.

        An outbox row whose sender wakes more than `LATE_TOKENS` of refill after its token's
        moment (the process got no CPU, a 429 pause) gives that token up and takes another, up
        to `MAX_GIVE_UPS` times, so what was due during a stall does not go out at once on top
        of what is due now. A reply is sent however late."""
        give_ups = 0
        while True:
            due = await self._reserve(kind)
            # The token's moment, then any pause a 429 began meanwhile (later is never too many
            # for replies; an outbox row gives a token up that it would spend too late).
            while (wait := max(due - self._clock(), self._paused())) > 0:
                await self._sleep(wait)
            now = self._clock()
            spend = kind is Kind.REPLY or now - due <= self.late or give_ups >= MAX_GIVE_UPS
            if self._trace is not None:
                self._trace.write(f"{kind} {due:.6f} {now:.6f} {'sent' if spend else 'late'}\n")
            if spend:
                break
            give_ups += 1
            self.given_up += 1
        self.taken[kind] += 1

    async def _reserve(self, kind: Kind) -> float:
        """A token for one waiter of `kind`: its due moment on this process's clock."""
        self.waiting[kind] += 1
        try:
            async with self._locks[kind]:
                while True:
                    if self.spare and (kind is Kind.REPLY or not self.waiting[Kind.REPLY]):
                        return self.spare.popleft()
                    nap = self._paused()
                    if nap <= 0 and kind is Kind.BULK and self.waiting[Kind.REPLY]:
                        nap = 0.005  # a reply of this process goes first
                    if nap <= 0:
                        threshold = self.thresholds[kind]
                        want = min(self.waiting[kind], MAX_TAKE)
                        taken, level, at = await self._take(threshold, want)
                        if taken:
                            offset = self._offset()
                            due, *rest = (
                                moment + offset
                                for moment in due_times(at, level, taken, self.store.rate)
                            )
                            self.spare.extend(rest)
                            return due
                        nap = max(MIN_NAP_SECONDS, (threshold - level) / self.store.rate)
                    await self._sleep(min(nap, MAX_NAP_SECONDS))
        finally:
            self.waiting[kind] -= 1

    @property
    def replies_waiting(self) -> int:
        return self.waiting[Kind.REPLY]

    def pause(self, seconds: float) -> None:
        """Hold every send of this process for `seconds` (Telegram said "retry after")."""
        self.paused_until = max(self.paused_until, self._clock() + seconds)

    def _paused(self) -> float:
        return self.paused_until - self._clock()

    def _offset(self) -> float:
        """This clock − the store's, in seconds: the smallest sample of the last
        `OFFSET_WINDOW_SECONDS`. Each sample (`_note`) is the store's moment taken from this
        clock read as soon as the answer is back, so it is the true offset plus that answer's
        latency; the smallest is the one nearest the truth (NTP's filter). A constant skew
        between the hosts is the offset itself; a drift moves the samples, and the window lets
        the estimate follow it (NTP slews at most 500 ppm: 1 ms in 2 s)."""
        return self._offsets[0][1]

    def _note(self, at: float, returned: float) -> None:
        sample = returned - at
        while self._offsets and self._offsets[-1][1] >= sample:
            self._offsets.pop()  # never the smallest again while this one is in the window
        self._offsets.append((returned, sample))
        while returned - self._offsets[0][0] > OFFSET_WINDOW_SECONDS:
            self._offsets.popleft()  # the newest sample always stays

    async def _take(self, threshold: float, want: int) -> tuple[int, float, float]:
        def take() -> tuple[int, float, float, float]:
            # This clock is read in the thread, as soon as the answer is back: the hand-off to
            # the event loop is not part of the sample.
            return *self.store.take(threshold, want), self._clock()

        try:
            if self.in_thread:
                taken, level, at, returned = await asyncio.to_thread(take)
            else:
                taken, level, at, returned = take()
        except DBAPIError:
            # The connection was dropped (a restart, pg_terminate_backend): the pool reconnects.
            log.warning("budget.take_failed", exc_info=True)
            await self._sleep(ERROR_NAP_SECONDS)
            return 0, threshold, 0.0
        self._note(at, returned)
        return taken, level, at


def thresholds(refill: float) -> dict[Kind, float]:
    """The tokens the bucket must hold for a take of each kind, given its refill (tokens a
    second): 1 − how far below zero that kind may draw it. An outbox row may draw it
    `BULK_AHEAD_SECONDS` of refill ahead (at least one token), a reply `REPLY_AHEAD_SECONDS`
    (at least one token more than an outbox row): a reply is granted a token whenever a row
    would be, and also while replies hold the bucket below the rows' line."""
    bulk = max(1.0, refill * BULK_AHEAD_SECONDS)
    reply = max(bulk + 1.0, refill * REPLY_AHEAD_SECONDS)
    return {Kind.REPLY: 1.0 - reply, Kind.BULK: 1.0 - bulk}


def bucket(limit: float) -> tuple[float, float]:
    """(refill in tokens a second, capacity in tokens) of a bucket that grants at most `limit`
    tokens in any window of one second, however its takers are timed. Raises ValueError for a
    limit ≤ 0.

    Why: a token bucket that refills at r up to a capacity b grants at most b + r·W tokens in any
    window of W seconds — it holds at most b when the window opens and gains r·W during it. A
    grant drawn ahead counts at its due moment (`due_times`), when the bucket is back at zero
    behind it, so the grants by due moment are those of a bucket that never goes below zero and
    the bound holds for them. A bucket refilled at the limit itself lets limit + b into some
    second after a quiet spell (`bench/scale_bench.py` measured 1.01 × the rate). Here b = 1
    (`CAPACITY`: a take needs a whole token) and r = limit − 1, so b + r·1 = limit: Telegram's
    "about 30 messages per second" per bot is a count per second, and the limit
    (`BROADCAST_RATE_PER_SECOND`, 25 by default) is the most any second sees. A steady
    broadcast gets r: 0.96 of the limit at 25/s, 0.967 at 30/s, 0.995 at 200/s. Below a limit
    of 2 (tests only) r = limit / 2 and the bound is 1 + limit / 2.

    The bound is on the grants as the bucket's clock sees them (the database's, on PostgreSQL).
    The sends are made on those moments (the offset, `RateBudget._offset`) or up to
    `LATE_TOKENS` of refill later (an outbox row; a later one gives its token up), which keeps
    any second of send moments at the limit too; a reply sent late after a stall may exceed
    it by the replies then due. What arrives at Telegram is shifted again by each request's own
    latency, which no budget sees: `bench/scale_bench.py` measured the busiest second of the
    send moments at the limit and of the arrivals at the fake Bot API 2–7 % above it (a stall
    of the bench's own process, which hosts the fake API: README, "Measured limits").
    """
    if limit <= 0:
        raise ValueError("rate must be positive")
    return max(limit - CAPACITY, limit / 2), CAPACITY


def build_budget(db: Database, rate: float) -> RateBudget:
    """The budget for a deployment whose sends may reach `rate` messages in any one second
    (`BROADCAST_RATE_PER_SECOND`; see `bucket`): shared through PostgreSQL, in memory on SQLite.
    Raises ValueError for a rate ≤ 0."""
    refill, capacity = bucket(rate)
    path = os.environ.get(TRACE_VARIABLE)
    # Line-buffered: a SIGKILLed process (the scale bench kills one) loses no line.
    trace = Path(path).open("a", buffering=1) if path else None  # noqa: SIM115 - lives as long
    if db.is_postgres:
        return RateBudget(PostgresTokens(db, refill, capacity), in_thread=True, trace=trace)
    return RateBudget(MemoryTokens(refill, capacity), in_thread=False, trace=trace)


Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class BudgetRateLimiter(BaseRateLimiter[None]):
    """PTB's rate limiter for replies: each counted message takes a reply token from the shared
    budget; a 429 pauses this process's sends and the call is tried again (`max_retries`)."""

    def __init__(self, budget: RateBudget, *, max_retries: int = 2) -> None:
        self.budget = budget
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            if counts(endpoint):
                await self.budget.acquire(Kind.REPLY)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                seconds = _seconds(error)
                self.budget.pause(seconds)
                log.warning("reply.flood", extra={"endpoint": endpoint, "seconds": seconds})
                await asyncio.sleep(seconds)


def _seconds(error: RetryAfter) -> float:
    # PTB 22 warns when `retry_after` is read as an int; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
