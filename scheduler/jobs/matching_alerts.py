"""The daily digest of new volunteering opportunities for saved searches."""

from __future__ import annotations

from typing import Any

from bot.matching.alerts import queue_digests
from bot.store.database import transaction
from scheduler import runtime
from scheduler.zones import DEFAULT_ZONE, add_daily_jobs, slugs_in

JOB_ID = "matching-alerts-digest"
#: 18:00 on the user's own wall clock: after work, in Nuuk as in Copenhagen.
DIGEST_HOUR_LOCAL = 18


def send_matching_alerts(zone: str) -> int:
    """Queue today's digests for users of the municipalities in `zone` (users without one are
    served with the default zone); safe to run twice."""
    services = runtime.services()
    with transaction(services.db) as session:
        return queue_digests(
            session,
            services.clock(),
            municipalities=slugs_in(services, zone),
            without_municipality=zone == DEFAULT_ZONE,
            zone=zone,
        )


def register_matching_jobs(scheduler: Any) -> None:
    """Add (or replace) the durable daily jobs, one per zone; call once at start-up."""
    add_daily_jobs(
        scheduler, runtime.services(), send_matching_alerts, JOB_ID, hour=DIGEST_HOUR_LOCAL
    )
