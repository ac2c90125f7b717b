"""Interests in a municipality's opportunities, counted for the dashboard's charts (issue 13):
per area and per town over the last 12 months.

The count is grouped in SQL per opportunity (a few hundred rows however many
interests there are), and the masks are then spread over the areas here (an opportunity in two areas
counts once in each, see `bot.matching.vocabulary`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.matching.models import Interest, Opportunity
from bot.matching.vocabulary import AREAS
from bot.staff.access import require_staff

#: The window the charts cover (issue 13: "over the last 12 months").
WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class InterestFigures:
    """Interests made since `since` (UTC): per area key of `AREAS` and per town, largest first."""

    since: datetime
    total: int
    by_area: list[tuple[str, int]]
    by_town: list[tuple[str, int]]


def interest_figures(
    session: Session, staff_id: int, municipality: str, now: datetime
) -> InterestFigures:
    """Interests (active or since withdrawn) in `municipality`'s opportunities made in the
    12 months before `now` (UTC). Raises `NotStaffError` unless `staff_id` is staff there."""
    require_staff(session, staff_id, municipality)
    since = now - WINDOW
    # Counted per opportunity first (the interest table's own index), then joined to the few
    # opportunities: 100,000 interests are one index scan, not 100,000 joined rows.
    per_opportunity = (
        select(Interest.opportunity_id, func.count().label("n"))
        .where(Interest.created_at >= since)
        .group_by(Interest.opportunity_id)
        .subquery()
    )
    rows = session.execute(
        select(Opportunity.area_mask, Opportunity.town, per_opportunity.c.n)
        .join(per_opportunity, per_opportunity.c.opportunity_id == Opportunity.id)
        .where(Opportunity.municipality_slug == municipality)
    ).all()
    areas: Counter[str] = Counter()
    towns: Counter[str] = Counter()
    total = 0
    for area_mask, town, count in rows:
        total += count
        towns[town] += count
        for bit, area in enumerate(AREAS):
            if area_mask & (1 << bit):
                areas[area] += count
    return InterestFigures(
        since,
        total,
        sorted(areas.items(), key=lambda item: (-item[1], item[0])),
        sorted(towns.items(), key=lambda item: (-item[1], item[0])),
    )
