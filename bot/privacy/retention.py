"""Retention: users who have not written for `retention_days` are erased like /deletedata."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.matching.alerts import users_in
from bot.privacy.service import erase_user
from bot.store.database import Database, transaction
from bot.store.models import User

log = logging.getLogger(__name__)

#: Users erased per transaction: short transactions keep row locks short for the live bot.
BATCH_SIZE = 100


def erase_inactive_users(
    db: Database,
    now: datetime,
    retention_days: int,
    *,
    municipalities: Collection[str] | None = None,
    without_municipality: bool = True,
) -> int:
    """Erase every user last seen before `now - retention_days` (only users of `municipalities`,
    and those without one when `without_municipality`, if given); the number erased."""
    cutoff = now - timedelta(days=retention_days)
    erased = 0
    while True:
        with transaction(db) as session:
            users = list(
                session.scalars(
                    select(User)
                    .where(User.last_seen < cutoff, *users_in(municipalities, without_municipality))
                    .order_by(User.id)
                    .limit(BATCH_SIZE)
                )
            )
            for user in users:
                erase_user(session, user, now)
        erased += len(users)
        if len(users) < BATCH_SIZE:
            break
    log.info("privacy.retention", extra={"erased": erased, "retention_days": retention_days})
    return erased
