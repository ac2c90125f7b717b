"""Interests in a municipality's opportunities, counted for the dashboard's charts (issue 13):
per area and per town over the last 12 months.

The count is grouped in SQL by (area mask, town), which gives a few hundred rows however many
interests there are; the masks are then spread over the areas here (an opportunity in two areas
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
    rows = session.execute(
        select(Opportunity.area_mask, Opportunity.town, func.count())
        .select_from(Interest)
        .join(Opportunity, Interest.opportunity_id == Opportunity.id)
        .where(Opportunity.municipality_slug == municipality, Interest.created_at >= since)
        .group_by(Opportunity.area_mask, Opportunity.town)
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
