"""How well an opportunity fits a search: a pure function, so the order is easy to test.

Points (higher is better; the maximum is about 110):

| what                                   | points                                  |
| -------------------------------------- | --------------------------------------- |
| an area the user asked for             | 40 (a related area only: 20)            |
| availability overlap                   | 20 × share of the asked values it has   |
| an activity the user asked for         | 15                                      |
| distance from the user or their town   | 20 at the door, 0 at `MAX_DISTANCE_KM`  |
| spots left                             | 2–5 (unknown: 2; none left: −15)        |
| freshness                              | 10 when new, 0 after `FRESH_DAYS`       |

Results that match an asked-for area come first; those that only match a related area
(`related_only`) come after all of them, whatever their points, so the results page can put them
under their own heading (»Tæt på det, du søgte«) instead of presenting them as a fit. Within each
group: points, then ties go to the nearer, then the newer, then the lower id, so a page never
reshuffles between two identical queries. Reasons are returned as catalog keys: the flow turns
the first few into the "why this fits you" line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.matching.vocabulary import (
    ACTIVITIES,
    AREAS,
    AVAILABILITY,
    AVAILABILITY_DIMENSIONS,
    mask,
    related_areas,
    unmask,
)

MAX_DISTANCE_KM = 30.0
FRESH_DAYS = 60
EARTH_RADIUS_KM = 6371.0088
AREA_POINTS = 40.0
RELATED_POINTS = 20.0
AVAILABILITY_POINTS = 20.0
ACTIVITY_POINTS = 15.0
DISTANCE_POINTS = 20.0
FRESH_POINTS = 10.0


@dataclass(frozen=True)
class Query:
    """What the user asked for. Empty tuples and None mean "any"."""

    municipality: str
    areas: tuple[str, ...] = ()
    availability: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    town: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    #: True when the point is the user's shared location (reasons say "from you", not "from X").
    near_me: bool = False
    keywords: str | None = None

    @property
    def has_origin(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def area_mask(self) -> int:
        return mask(self.areas, AREAS)

    @property
    def related_mask(self) -> int:
        related = {r for area in self.areas for r in related_areas(area)} - set(self.areas)
        return mask(related, AREAS)

    def availability_masks(self) -> list[int]:
        """One mask per availability question the user answered (see AVAILABILITY_DIMENSIONS)."""
        masks = []
        for dimension in AVAILABILITY_DIMENSIONS:
            chosen = [v for v in self.availability if v in dimension]
            if chosen:
                masks.append(mask(chosen, AVAILABILITY))
        return masks


@dataclass(frozen=True)
class Candidate:
    """The columns ranking needs, nothing more (fetching whole rows would dominate the time)."""

    id: int
    area_mask: int
    activity_mask: int
    availability_mask: int
    latitude: float
    longitude: float
    spots: int | None
    interest_count: int
    created_at: datetime


@dataclass(frozen=True)
class Reason:
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    points: float
    distance_km: float | None
    reasons: tuple[Reason, ...]
    #: The search asked for areas and this one has none of them, only a related one.
    related_only: bool = False


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class _Masks:
    """The query's masks, worked out once per ranking rather than once per candidate."""

    area: int
    related: int
    availability: int
    availability_bits: int
    activity: int

    @classmethod
    def of(cls, query: Query) -> _Masks:
        asked = mask(query.availability, AVAILABILITY)
        return cls(
            query.area_mask,
            query.related_mask,
            asked,
            bin(asked).count("1"),
            mask(query.activities, ACTIVITIES),
        )


def _points(
    candidate: Candidate, query: Query, masks: _Masks, now: datetime
) -> tuple[float, float | None]:
    points = 0.0
    if masks.area:
        if candidate.area_mask & masks.area:
            points += AREA_POINTS
        elif candidate.area_mask & masks.related:
            points += RELATED_POINTS
    if masks.availability:
        overlap = candidate.availability_mask & masks.availability
        points += AVAILABILITY_POINTS * bin(overlap).count("1") / masks.availability_bits
    if masks.activity and candidate.activity_mask & masks.activity:
        points += ACTIVITY_POINTS
    distance = None
    if query.latitude is not None and query.longitude is not None:
        distance = haversine_km(
            query.latitude, query.longitude, candidate.latitude, candidate.longitude
        )
        points += DISTANCE_POINTS * max(0.0, 1 - distance / MAX_DISTANCE_KM)
    if candidate.spots is None:
        points += 2
    else:
        left = candidate.spots - candidate.interest_count
        points += 2 + 3 * min(left, 5) / 5 if left > 0 else -15
    age_days = (now - candidate.created_at).total_seconds() / 86400
    if age_days < FRESH_DAYS:
        points += FRESH_POINTS * (1 - max(age_days, 0) / FRESH_DAYS)
    return round(points, 3), distance


def explain(
    candidate: Candidate, query: Query, distance: float | None, now: datetime
) -> tuple[Reason, ...]:
    """Why `candidate` fits `query`, most important first (for the few results shown)."""
    reasons: list[Reason] = []
    if query.areas:
        exact = candidate.area_mask & query.area_mask
        related = candidate.area_mask & query.related_mask
        if exact:
            reasons.append(Reason("matching.why.area", {"areas": unmask(exact, AREAS)}))
        elif related:
            reasons.append(Reason("matching.why.related", {"areas": unmask(related, AREAS)}))
    overlap = candidate.availability_mask & mask(query.availability, AVAILABILITY)
    if overlap:
        reasons.append(Reason("matching.why.when", {"availability": unmask(overlap, AVAILABILITY)}))
    activities = candidate.activity_mask & mask(query.activities, ACTIVITIES)
    if activities:
        reasons.append(
            Reason("matching.why.activity", {"activities": unmask(activities, ACTIVITIES)})
        )
    if distance is not None:
        key = "matching.why.near_you" if query.near_me else "matching.why.near_town"
        reasons.append(Reason(key, {"km": distance, "town": query.town or ""}))
    if candidate.spots is not None and candidate.spots > candidate.interest_count:
        reasons.append(
            Reason("matching.why.spots", {"spots": candidate.spots - candidate.interest_count})
        )
    if (now - candidate.created_at).total_seconds() < 14 * 86400:
        reasons.append(Reason("matching.why.new"))
    return tuple(reasons)


def _related_only(candidate: Candidate, masks: _Masks) -> bool:
    return bool(masks.area) and not candidate.area_mask & masks.area


def score(candidate: Candidate, query: Query, now: datetime) -> Scored:
    """The points of one candidate, with the reasons."""
    masks = _Masks.of(query)
    points, distance = _points(candidate, query, masks, now)
    return Scored(
        candidate,
        points,
        distance,
        explain(candidate, query, distance, now),
        _related_only(candidate, masks),
    )


def rank(candidates: Iterable[Candidate], query: Query, now: datetime) -> list[Scored]:
    """Candidates best first; those farther than MAX_DISTANCE_KM from the origin are left out.

    Every candidate with an asked-for area comes before every one with only a related area
    (`Scored.related_only`), so "close to what you searched for" never outranks a real match.
    Reasons are left empty here (working them out for every candidate would cost more than the
    ranking): `explain` them for the results actually shown."""
    masks = _Masks.of(query)
    scored = [
        Scored(c, *_points(c, query, masks, now), (), _related_only(c, masks)) for c in candidates
    ]
    if query.has_origin:
        scored = [
            s for s in scored if s.distance_km is not None and s.distance_km <= MAX_DISTANCE_KM
        ]
    scored.sort(
        key=lambda s: (
            s.related_only,
            -s.points,
            s.distance_km if s.distance_km is not None else 0.0,
            -s.candidate.created_at.timestamp(),
            s.candidate.id,
        )
    )
    return scored
