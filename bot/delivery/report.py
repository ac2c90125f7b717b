"""Broadcasts as staff follow them: each with its tally (sent, blocked, failed, waiting)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.delivery.models import Broadcast
from bot.delivery.outbox import BLOCKED, FAILED, PENDING, SENDING, SENT, SKIPPED, Tally
from bot.staff.access import require_staff
from bot.store.models import OutboxMessage


@dataclass(frozen=True)
class BroadcastRow:
    broadcast: Broadcast
    tally: Tally


def tallies(session: Session, broadcast_ids: Sequence[int]) -> dict[int, Tally]:
    """The live tally of each broadcast, from its outbox rows (one grouped query)."""
    counts: dict[int, dict[str, int]] = {}
    if broadcast_ids:
        for broadcast_id, status, count in session.execute(
            select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.broadcast_id.in_(list(broadcast_ids)))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.status)
        ):
            counts.setdefault(int(broadcast_id or 0), {})[str(status)] = int(count)
    result = {}
    for broadcast_id in broadcast_ids:
        c = counts.get(broadcast_id, {})
        result[broadcast_id] = Tally(
            total=sum(c.values()),
            pending=c.get(PENDING, 0) + c.get(SENDING, 0),
            delivered=c.get(SENT, 0),
            blocked=c.get(BLOCKED, 0),
            failed=c.get(FAILED, 0),
            skipped=c.get(SKIPPED, 0),
        )
    return result


def broadcasts_of(
    session: Session, staff_id: int, municipality: str, limit: int = 200
) -> list[BroadcastRow]:
    """The municipality's newest broadcasts (at most `limit`) with their tallies. Raises
    `NotStaffError` unless `staff_id` is staff there."""
    require_staff(session, staff_id, municipality)
    rows = list(
        session.scalars(
            select(Broadcast)
            .where(Broadcast.municipality_slug == municipality)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
    )
    counted = tallies(session, [b.id for b in rows])
    return [BroadcastRow(b, counted[b.id]) for b in rows]


def broadcast_of(
    session: Session, staff_id: int, municipality: str, broadcast_id: int
) -> BroadcastRow | None:
    """One broadcast of `municipality` with its tally; None for an id of anywhere else.
    Raises `NotStaffError` unless `staff_id` is staff there."""
    require_staff(session, staff_id, municipality)
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.municipality_slug != municipality:
        return None
    return BroadcastRow(broadcast, tallies(session, [broadcast.id])[broadcast.id])
