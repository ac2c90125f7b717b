"""The dispatcher: sends outbox rows with a PTB `Bot`, within Telegram's limits, and reports.

It owns the pacing of bulk sends: the bot's one budget (`bot.delivery.budget`: default 25/s,
under Telegram's ~30/s, shared with replies, which go first, and across processes on
PostgreSQL), about one message a second per chat, `retry_after` obeyed after a 429 (for
everyone when several chats get one at once, else for that chat), 403 marks the user as having
blocked the bot, network errors and 5xx are retried with exponential backoff and jitter, 400 is
final. Rows are claimed in small batches and outcomes are written in small batches; rows of a
dispatcher that died are taken back after a lease (see
`bot.delivery.outbox` for the at-least-once guarantee this gives).

Run it as a background task of the Telegram application (`dispatcher_task`) or as its own
process (`frivillig dispatcher`).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import random
import socket
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery import outbox
from bot.delivery.budget import Kind, RateBudget, build_budget
from bot.delivery.models import Broadcast
from bot.delivery.outbox import Claimed, Outcome
from bot.delivery.pacing import ChatSpacing, FloodDetector
from bot.i18n import t, tn
from bot.store.base import utcnow
from bot.store.database import Database, transaction
from bot.store.models import User, is_private_chat_id

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.core.services import Services

log = logging.getLogger(__name__)
_T = TypeVar("_T")

CAPTION_LIMIT = 1024  # Telegram's limit on a document's caption


@dataclass(frozen=True)
class Progress:
    """Where one broadcast stands, for `on_progress` (and the staff member's progress message)."""

    broadcast_id: int
    kind: str
    title: str
    total: int
    done: int
    delivered: int
    blocked: int
    failed: int
    finished: bool


ProgressHook = Callable[[Progress], Awaitable[None] | None]


def format_count(value: int, language: str) -> str:
    """1200 → "1.200" in Danish, "1,200" in English."""
    grouped = f"{value:,}"
    return grouped if language == "en" else grouped.replace(",", ".")


def keyboard(buttons: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(b["label"], callback_data=b["payload"]) for b in row]
        for row in buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns when `retry_after` is read as an int; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Dispatcher:
    """One sender. Several may run against PostgreSQL; SQLite supports one at a time."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        concurrency: int = 16,
        lease_seconds: float = 60.0,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        poll_interval: float = 0.5,
        progress_interval: float = 3.0,
        on_progress: ProgressHook | None = None,
        worker: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        budget: RateBudget | None = None,
    ) -> None:
        # We read `retry_after` as a timedelta already; opting in to PTB's future behaviour stops
        # the deprecation warning its own RetryAfter constructor emits on every 429 (PTB's
        # AIORateLimiter reads the private timedelta, so nothing else changes).
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        self.bot = bot
        self.db = db
        self.rate = rate
        # The bot's one budget, shared with replies (and, on PostgreSQL, with every process);
        # without one given, a budget of this dispatcher's own at `rate`.
        self.budget = budget if budget is not None else build_budget(db, rate)
        self.chats = ChatSpacing(per_chat_interval)
        self.floods = FloodDetector()
        self.semaphore = asyncio.Semaphore(concurrency)
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.poll_interval = poll_interval
        self.progress_interval = progress_interval
        self.on_progress = on_progress
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.clock = clock
        # Enough claimed rows to keep the rate busy for about half a second, and never so many
        # that a row waits anywhere near its lease.
        self.max_claimed = max(2 * concurrency, int(rate / 2), 4)
        self._tasks: set[asyncio.Task[None]] = set()
        self._inflight_chats: set[int] = set()
        self._outcomes: list[Outcome] = []
        self._touched: set[int] = set()
        self._last_flush = 0.0
        self._last_check: dict[int, float] = {}
        self._last_reclaim = 0.0
        self.sent = 0

    # --- the loop -------------------------------------------------------------------------------
    async def run(self, stop_event: asyncio.Event) -> None:
        log.info("dispatcher.start", extra={"worker": self.worker, "rate": self.rate})
        try:
            while not stop_event.is_set():
                try:
                    await self._step(stop_event)
                except DBAPIError:
                    # A deadlock, a dropped connection, a restarting database: the dispatcher
                    # lives on (it is the only one sending from this process) and tries again.
                    log.warning("dispatcher.database_error", exc_info=True)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop_event.wait(), timeout=self.poll_interval)
            if self._tasks:  # let sends already under way finish, so their outcome is recorded
                await asyncio.wait(self._tasks, timeout=30)
        finally:
            # On cancellation too: whatever was sent gets recorded, which keeps duplicates small.
            with contextlib.suppress(DBAPIError):
                await self._flush(in_loop=True)
        await self._report_progress(idle=True)
        log.info("dispatcher.stop", extra={"worker": self.worker, "sent": self.sent})

    async def _step(self, stop_event: asyncio.Event) -> None:
        """Claim, send, record, report, reclaim: one round of the loop."""
        if not self._last_reclaim:
            self._reclaim()
        claimed = await self._claim_more()
        if not claimed and not self._tasks:
            await self._flush()
            await self._report_progress(idle=True)
            self._maybe_reclaim()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=self.poll_interval)
            return
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=0.05, return_when=asyncio.FIRST_COMPLETED)
        if time.monotonic() - self._last_flush >= 0.1:
            await self._flush()
            await self._report_progress()
            self._maybe_reclaim()

    async def _off_loop(self, work: Callable[[], _T]) -> _T:
        """Run `work` (a transaction) in a thread on PostgreSQL: this process's senders wake at
        their tokens' moments, and a claim, a flush or a tally of 10,000 rows in the event loop
        held them (a sender that wakes too late gives its token up, `bot.delivery.budget`). On
        SQLite (one connection; tests) in the loop. Raises what `work` raises."""
        if self.db.is_postgres:
            return await asyncio.to_thread(work)
        return work()

    async def _claim_more(self) -> int:
        room = self.max_claimed - len(self._tasks)
        if room < max(1, self.max_claimed // 2):
            return 0
        busy = set(self._inflight_chats)  # the loop changes the set while the claim runs

        def claim() -> list[Claimed]:
            with transaction(self.db) as session:
                return outbox.claim(
                    session,
                    worker=self.worker,
                    limit=room,
                    now=self.clock(),
                    busy_chats=busy,
                    skip_locked=self.db.is_postgres,
                )

        rows = await self._off_loop(claim)
        for row in rows:
            self._inflight_chats.add(row.chat_id)
            task = asyncio.create_task(self._send(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    def _reclaim(self) -> None:
        self._last_reclaim = time.monotonic()
        with transaction(self.db) as session:
            count = outbox.reclaim_stale(
                session, worker=self.worker, lease=self.lease, now=self.clock()
            )
        if count:
            log.warning("dispatcher.reclaimed", extra={"rows": count, "worker": self.worker})

    def _maybe_reclaim(self) -> None:
        if time.monotonic() - self._last_reclaim >= self.lease.total_seconds() / 2:
            self._reclaim()
            self.chats.forget_idle()

    # --- one message ----------------------------------------------------------------------------
    async def _send(self, row: Claimed) -> None:
        try:
            await self.chats.wait(row.chat_id)
            async with self.semaphore:
                await self.budget.acquire(Kind.BULK)
                self.chats.mark(row.chat_id)
                outcome = await self._deliver(row)
            self._outcomes.append(outcome)
            if row.broadcast_id is not None:
                self._touched.add(row.broadcast_id)
        finally:
            self._inflight_chats.discard(row.chat_id)

    async def _deliver(self, row: Claimed) -> Outcome:
        attempts = row.attempts + 1
        if not is_private_chat_id(row.chat_id):
            # Rows are refused at the door (`OutboxMessage`), but one written around the ORM must
            # still never reach a group: nothing personal is ever sent there.
            log.error("dispatcher.group_chat_refused", extra={"row": row.id})
            return Outcome(
                row.id, row.chat_id, outbox.FAILED, attempts, self.clock(), None, "group chat"
            )
        try:
            await self._call(row)
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            if self.floods.is_global(row.chat_id):
                self.budget.pause(seconds)
            self.chats.pause(row.chat_id, seconds)
            log.warning("dispatcher.flood", extra={"chat_id": row.chat_id, "seconds": seconds})
            # A 429 is Telegram pacing us, not a failure of this message: no attempt is used up.
            return self._retry(row, row.attempts, timedelta(seconds=seconds), "429")
        except Forbidden as error:
            return Outcome(
                row.id, row.chat_id, outbox.BLOCKED, attempts, self.clock(), None, str(error)
            )
        except BadRequest as error:  # our message is wrong (or the chat is gone): final
            log.warning("dispatcher.bad_request", extra={"row": row.id, "error": str(error)})
            return Outcome(
                row.id, row.chat_id, outbox.FAILED, attempts, self.clock(), None, str(error)
            )
        except (NetworkError, TelegramError) as error:  # timeouts, 5xx, dropped connections
            return self._backoff(row, attempts, str(error))
        except Exception as error:  # a bug must not strand the row in "sending": retry it
            log.exception("dispatcher.unexpected", extra={"row": row.id})
            return self._backoff(row, attempts, repr(error))
        self.sent += 1
        return Outcome(row.id, row.chat_id, outbox.SENT, attempts, self.clock())

    def _backoff(self, row: Claimed, attempts: int, error: str) -> Outcome:
        if attempts >= self.max_attempts:
            return Outcome(row.id, row.chat_id, outbox.FAILED, attempts, self.clock(), None, error)
        delay = self.backoff_base * 2 ** (attempts - 1) * random.uniform(0.5, 1.5)
        return self._retry(row, attempts, timedelta(seconds=delay), error)

    def _retry(self, row: Claimed, attempts: int, delay: timedelta, error: str) -> Outcome:
        now = self.clock()
        return Outcome(row.id, row.chat_id, outbox.PENDING, attempts, now, now + delay, error)

    async def _call(self, row: Claimed) -> None:
        markup = keyboard(row.buttons)
        if row.document_body is not None:
            caption = row.text if len(row.text) <= CAPTION_LIMIT else None
            if caption is None:
                await self.bot.send_message(row.chat_id, row.text, parse_mode=ParseMode.HTML)
            await self.bot.send_document(
                row.chat_id,
                InputFile(row.document_body, filename=row.document_name or "fil"),
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
            return
        await self.bot.send_message(
            row.chat_id,
            row.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            disable_web_page_preview=True,
        )

    async def _flush(self, *, in_loop: bool = False) -> None:
        """Write the recorded outcomes: in a thread on PostgreSQL (`_off_loop`), or `in_loop`
        (the last flush, when the dispatcher stops or is cancelled: it never suspends, so a
        cancellation cannot cut it short). On a database error the outcomes are kept for the
        next flush and the error is raised."""
        self._last_flush = time.monotonic()
        if not self._outcomes:
            return
        batch, self._outcomes = self._outcomes, []  # in the loop: no outcome slips between
        try:
            if in_loop:
                self._record(batch)
            else:
                await self._off_loop(lambda: self._record(batch))
        except DBAPIError:
            self._outcomes = batch + self._outcomes  # written with the next flush
            raise

    def _record(self, batch: list[Outcome]) -> None:
        with transaction(self.db) as session:
            outbox.record(session, batch)

    # --- progress for the staff member ----------------------------------------------------------
    async def _report_progress(self, *, idle: bool = False) -> None:
        now = time.monotonic()
        due = [
            broadcast_id
            for broadcast_id in self._touched
            if idle or now - self._last_check.get(broadcast_id, 0.0) >= 1.0
        ]
        for broadcast_id in due:
            self._last_check[broadcast_id] = now
            finished = await self._check_broadcast(broadcast_id)
            if finished:
                self._touched.discard(broadcast_id)
                self._last_check.pop(broadcast_id, None)

    async def _check_broadcast(self, broadcast_id: int) -> bool:
        """Edit the progress message or send the final tally; True once the broadcast is done."""
        tallied = await self._off_loop(lambda: self._tally(broadcast_id))
        if tallied is None:
            return True
        finished, action, snapshot, chat_id, message_id, language = tallied
        if action is None:
            return finished
        if self.on_progress is not None:
            maybe = self.on_progress(snapshot)
            if maybe is not None:
                await maybe
        if chat_id is not None:
            new_id = await self._tell_staff(chat_id, message_id, action, snapshot, language)
            if new_id is not None and message_id is None:
                with transaction(self.db) as session:
                    row = session.get(Broadcast, broadcast_id)
                    if row is not None:
                        row.progress_message_id = new_id
        return finished

    def _tally(
        self, broadcast_id: int
    ) -> tuple[bool, str | None, Progress, int | None, int | None, str] | None:
        """The broadcast's tally, closing it when finished or noting a progress report that is
        due: (finished, "tally"/"progress"/None, the figures, staff chat, progress message,
        language), or None when it is gone or already done."""
        now = self.clock()
        with transaction(self.db) as session:
            broadcast = session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.status == "done":
                return None
            result = outbox.tally(session, broadcast_id)
            action: str | None = None
            if result.finished:
                # Only one dispatcher may close a broadcast (and tell the staff member).
                closed = session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.status == "sending")
                    .values(
                        status="done",
                        delivered=result.delivered,
                        blocked=result.blocked,
                        failed=result.failed,
                        finished_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
                action = "tally" if getattr(closed, "rowcount", 0) == 1 else None
            else:
                last = broadcast.progress_at or broadcast.created_at
                if (now - last).total_seconds() >= self.progress_interval:
                    broadcast.progress_at = now
                    action = "progress"
            language = self._language(session, broadcast.created_by)
            snapshot = Progress(
                broadcast.id,
                broadcast.kind,
                broadcast.title,
                result.total,
                result.done,
                result.delivered,
                result.blocked,
                result.failed,
                result.finished,
            )
            chat_id, message_id = broadcast.created_by, broadcast.progress_message_id
        return result.finished, action, snapshot, chat_id, message_id, language

    def _language(self, session: Any, telegram_id: int | None) -> str:
        if telegram_id is None:
            return "da"
        language = session.scalars(
            select(User.language).where(User.telegram_id == telegram_id)
        ).first()
        return str(language or "da")

    async def _tell_staff(
        self, chat_id: int, message_id: int | None, action: str, p: Progress, language: str
    ) -> int | None:
        text = self.staff_text(action, p, language)
        try:
            await self.budget.acquire(Kind.BULK)
            if action == "progress" and message_id is not None:
                await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
                )
                return None
            message = await self.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as error:
            # Progress is a courtesy: the broadcast goes on whether or not the staff member sees it.
            log.info("dispatcher.progress_failed", extra={"chat_id": chat_id, "error": str(error)})
            return None
        return message.message_id if action == "progress" else None

    @staticmethod
    def staff_text(action: str, p: Progress, language: str) -> str:
        """The staff member's progress message (`action` "progress") or final tally ("tally")."""
        if action == "tally":
            return tn(
                language,
                "delivery.tally",
                p.total,
                title=html.escape(p.title, quote=False),
                total=format_count(p.total, language),
                delivered=format_count(p.delivered, language),
                blocked=format_count(p.blocked, language),
                failed=format_count(p.failed, language),
            )
        return t(
            language,
            "delivery.progress",
            title=html.escape(p.title, quote=False),
            sent=format_count(p.done, language),
            total=format_count(p.total, language),
        )


async def run_dispatcher(
    bot: Bot,
    db: Database,
    *,
    rate: float,
    stop_event: asyncio.Event,
    on_progress: ProgressHook | None = None,
    **options: Any,
) -> None:
    """Send outbox rows until `stop_event` is set (or the task is cancelled).

    `options` are `Dispatcher`'s: per_chat_interval, concurrency, lease_seconds, max_attempts,
    backoff_base, poll_interval, progress_interval, worker, clock, budget (the process's shared
    `RateBudget`; replies draw from it too).
    """
    dispatcher = Dispatcher(bot, db, rate=rate, on_progress=on_progress, **options)
    await dispatcher.run(stop_event)


def dispatcher_task(services: Services) -> Callable[[Application], Awaitable[None]]:  # type: ignore[type-arg]
    """The dispatcher as a background task of the Telegram application (`build_application(...,
    background=[dispatcher_task(services)])`); it stops when the application stops."""

    async def dispatcher(application: Application) -> None:  # type: ignore[type-arg]
        stop = asyncio.Event()

        async def watch() -> None:
            # Started from post_init, before the application runs; post_stop waits for this
            # task, so it must end on its own once the application stops running.
            # PTB offers no event for "stopped running", so poll the flag.
            while not application.running:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            while application.running:  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            stop.set()

        watcher = asyncio.create_task(watch())
        try:
            await run_dispatcher(
                application.bot,
                services.db,
                rate=services.settings.broadcast_rate_per_second,
                stop_event=stop,
                budget=services.budget,
            )
        finally:
            watcher.cancel()

    return dispatcher
