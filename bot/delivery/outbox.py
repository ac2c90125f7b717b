"""The outbox in the database: queueing a broadcast, claiming rows to send, recording outcomes.

Row life cycle: ``pending`` → ``sending`` (claimed by one dispatcher, with `claimed_at`) →
``sent`` | ``blocked`` (403: the user blocked the bot) | ``failed`` (gave up) — or back to
``pending`` with a later `next_attempt_at` (429, network error). A row about something that
changed since it was queued (its send-time check, `bot.delivery.checks`, says no) goes from
``pending`` straight to ``skipped``. Nothing here knows Telegram.

Delivery is at least once: a dispatcher that dies between Telegram's answer and the commit of
``sent`` leaves the row ``sending``; after the lease it is claimed again and sent a second time.
Duplicates are therefore bounded by the rows in flight at the moment of a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from bot.delivery.checks import still_applies
from bot.delivery.models import Broadcast
from bot.store.models import OutboxMessage, User, is_private_chat_id

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, BLOCKED, FAILED = "pending", "sending", "sent", "blocked", "failed"
SKIPPED = "skipped"
FINAL_STATUSES = (SENT, BLOCKED, FAILED, SKIPPED)


@dataclass(frozen=True)
class Message:
    """What one recipient gets: Telegram HTML and rows of {label, payload} buttons."""

    chat_id: int
    text: str
    buttons: list[list[dict[str, str]]]


def create_broadcast(
    session: Session,
    *,
    key: str,
    kind: str,
    messages: Sequence[Message],
    title: str = "",
    municipality_slug: str | None = None,
    created_by: int | None = None,
    row_kind: str | None = None,
    subject_id: int | None = None,
    now: datetime,
) -> tuple[Broadcast, bool]:
    """Queue one message per distinct chat under `key`; returns (broadcast, created).

    `row_kind` and `subject_id` say what every row is about, so each is checked again when it is
    sent (`bot.delivery.checks`); leave them out for messages that stay true.

    Idempotent: when a broadcast with `key` exists nothing is queued again. The rows are inserted
    in bulk (one statement), so ten thousand recipients take a fraction of a second. A recipient
    that is not a private chat (a group id) is left out: send-outs are personal.
    """
    existing = session.scalars(select(Broadcast).where(Broadcast.key == key)).one_or_none()
    if existing is not None:
        return existing, False
    unique: dict[int, Message] = {}
    for message in messages:
        if not is_private_chat_id(message.chat_id):
            log.warning("broadcast.group_recipient_skipped", extra={"key": key})
            continue
        unique.setdefault(message.chat_id, message)
    broadcast = Broadcast(
        key=key,
        kind=kind,
        title=title[:200],
        municipality_slug=municipality_slug,
        created_by=created_by,
        total=len(unique),
        status="sending" if unique else "done",
        created_at=now,
        finished_at=None if unique else now,
    )
    session.add(broadcast)
    session.flush()
    rows: list[dict[str, Any]] = [
        {
            "broadcast_id": broadcast.id,
            "chat_id": m.chat_id,
            "text": m.text,
            "buttons": m.buttons,
            "dedupe_key": f"b{broadcast.id}:{m.chat_id}",
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "kind": row_kind,
            "subject_id": subject_id,
        }
        for m in unique.values()
    ]
    for start in range(0, len(rows), 2000):
        session.execute(insert(OutboxMessage), rows[start : start + 2000])
    return broadcast, True


@dataclass(frozen=True)
class Claimed:
    """A claimed row, detached from any session (the dispatcher sends outside transactions)."""

    id: int
    broadcast_id: int | None
    chat_id: int
    text: str
    buttons: list[list[dict[str, str]]]
    document_name: str | None
    document_body: bytes | None
    attempts: int


def claim(
    session: Session,
    *,
    worker: str,
    limit: int,
    now: datetime,
    busy_chats: Iterable[int] = (),
    skip_locked: bool = False,
    chat_id: int | None = None,
) -> list[Claimed]:
    """Take up to `limit` due rows, at most one per chat and none for `busy_chats` (only rows
    for `chat_id` when given: the terminal chat delivers to its own user alone).

    On PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED`` so several dispatchers
    share a broadcast without taking the same row; on SQLite the ``UPDATE … WHERE status =
    'pending'`` is itself atomic for the single dispatcher SQLite supports. Rows to users known to
    have blocked the bot are closed as ``blocked``, and rows whose send-time check says they no
    longer apply as ``skipped``, instead of being sent.
    """
    busy = set(busy_chats)
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit * 2)
    )
    if busy:
        query = query.where(OutboxMessage.chat_id.not_in(busy))
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.scalars(query))
    blocked = set(
        session.scalars(
            select(User.telegram_id).where(
                User.blocked_bot.is_(True),
                User.telegram_id.in_({row.chat_id for row in candidates}),
            )
        )
    )
    chosen: list[OutboxMessage] = []
    seen: set[int] = set()
    for row in candidates:
        if row.chat_id in blocked:
            row.status = BLOCKED
            row.last_error = "user blocked the bot"
        elif row.chat_id in seen or len(chosen) >= limit:
            continue
        elif not still_applies(session, row.kind, row.chat_id, row.subject_id, now):
            row.status = SKIPPED
            row.last_error = "no longer applies"
        else:
            seen.add(row.chat_id)
            chosen.append(row)
    if chosen:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in chosen]))
            .values(status=SENDING, claimed_at=now, claimed_by=worker)
            .execution_options(synchronize_session=False)
        )
    return [
        Claimed(
            row.id,
            row.broadcast_id,
            row.chat_id,
            row.text,
            list(row.buttons or []),
            row.document_name,
            row.document_body,
            row.attempts,
        )
        for row in chosen
    ]


def reclaim_stale(session: Session, *, worker: str, lease: timedelta, now: datetime) -> int:
    """Give rows left ``sending`` by a dead dispatcher (older than `lease`) back to the queue."""
    # Rows another dispatcher is writing an outcome for right now are skipped, not waited for
    # (two dispatchers updating the same rows in different orders would deadlock).
    stale = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == SENDING,
            OutboxMessage.claimed_at < now - lease,
            (OutboxMessage.claimed_by != worker) | OutboxMessage.claimed_by.is_(None),
        )
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(stale))
        .values(status=PENDING, claimed_at=None, claimed_by=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed row."""

    id: int
    chat_id: int
    status: str  # sent | blocked | failed | pending (to be retried)
    attempts: int
    at: datetime
    retry_at: datetime | None = None
    error: str | None = None


def record(session: Session, outcomes: Sequence[Outcome]) -> None:
    """Write outcomes; a 403 also marks the user and closes their other pending rows."""
    for outcome in outcomes:
        values: dict[str, Any] = {
            "status": outcome.status,
            "attempts": outcome.attempts,
            "claimed_at": None,
            "claimed_by": None,
        }
        if outcome.status == SENT:
            values["sent_at"] = outcome.at
        if outcome.retry_at is not None:
            values["next_attempt_at"] = outcome.retry_at
        if outcome.error is not None:
            values["last_error"] = outcome.error[:300]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outcome.id, OutboxMessage.status == SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    blocked_chats = {o.chat_id for o in outcomes if o.status == BLOCKED}
    if blocked_chats:
        session.execute(
            update(User)
            .where(User.telegram_id.in_(blocked_chats))
            .values(blocked_bot=True)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id.in_(blocked_chats), OutboxMessage.status == PENDING)
            .values(status=BLOCKED, last_error="user blocked the bot")
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class Tally:
    total: int
    pending: int
    delivered: int
    blocked: int
    failed: int
    #: Rows not sent because what they were about changed meanwhile (see `claim`).
    skipped: int = 0

    @property
    def done(self) -> int:
        return self.delivered + self.blocked + self.failed + self.skipped

    @property
    def finished(self) -> bool:
        return self.pending == 0


def tally(session: Session, broadcast_id: int) -> Tally:
    """Counts of a broadcast's rows by outcome (pending includes rows being sent)."""
    counts = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.broadcast_id == broadcast_id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    total = sum(counts.values())
    return Tally(
        total=total,
        pending=counts.get(PENDING, 0) + counts.get(SENDING, 0),
        delivered=counts.get(SENT, 0),
        blocked=counts.get(BLOCKED, 0),
        failed=counts.get(FAILED, 0),
        skipped=counts.get(SKIPPED, 0),
    )


def finish(session: Session, broadcast: Broadcast, result: Tally, now: datetime) -> None:
    broadcast.status = "done"
    broadcast.delivered = result.delivered
    broadcast.blocked = result.blocked
    broadcast.failed = result.failed
    broadcast.finished_at = now
