"""Finding opportunities: filter in SQL, rank a bounded candidate set in Python, page by five.

The SQL filter uses the `ix_opportunity_search` index (municipality, status, expiry) and integer
ANDs on the bitmask columns; it returns only the columns ranking needs, at most
`CANDIDATE_LIMIT` of them, exact-area matches and newer ones first. Real municipalities have a few
hundred open opportunities, so the limit only bites in the 100,000-row benchmark, where it keeps a
query at a few milliseconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_, select, text
from sqlalchemy.orm import Session

from bot.matching.models import Opportunity
from bot.matching.scoring import (
    ACTIVITY_POINTS,
    AREA_POINTS,
    AVAILABILITY_POINTS,
    DISTANCE_POINTS,
    EARTH_RADIUS_KM,
    MAX_DISTANCE_KM,
    RELATED_POINTS,
    Candidate,
    Query,
    Scored,
    explain,
    rank,
)
from bot.matching.vocabulary import ACTIVITIES, AVAILABILITY, mask

PAGE_SIZE = 5
CANDIDATE_LIMIT = 200
#: Must match the expression of `ix_opportunity_fulltext` in the migration.
FULLTEXT_DOCUMENT_PG = "to_tsvector('danish', title || ' ' || description)"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    opportunity: Opportunity
    scored: Scored


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    page: int  # 0-based, clamped to the pages there are
    total: int
    pages: int
    #: True when there are more matches than the candidate limit (`total` is then a floor).
    more: bool = False


def visible(now: datetime) -> ColumnElement[bool]:
    """Open and not expired: the only opportunities a citizen ever sees."""
    return and_(
        Opportunity.status == "open",
        or_(Opportunity.expires_at.is_(None), Opportunity.expires_at > now),
    )


def words(keywords: str | None) -> list[str]:
    return [w.lower() for w in _WORD.findall(keywords or "") if len(w) > 1][:8]


def _fulltext(session: Session, keywords: str) -> ColumnElement[bool]:
    terms = words(keywords)
    if session.get_bind().dialect.name == "postgresql":
        # Prefix matching on each stemmed word, all required ("lektie" finds "lektiehjælp").
        tsquery = " & ".join(f"{w}:*" for w in terms)
        return literal_column(FULLTEXT_DOCUMENT_PG).op("@@")(func.to_tsquery("danish", tsquery))
    match = " ".join(f'"{w}"*' for w in terms)
    return Opportunity.id.in_(
        select(literal_column("rowid"))
        .select_from(text("opportunity_fts"))
        .where(text("opportunity_fts MATCH :match").bindparams(match=match))
    )


def conditions(session: Session, query: Query, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Opportunity.municipality_slug == query.municipality,
        visible(now),
    ]
    if query.areas:
        wanted = query.area_mask | query.related_mask
        where.append(Opportunity.area_mask.op("&")(wanted) != 0)
    if query.activities:
        where.append(Opportunity.activity_mask.op("&")(mask(query.activities, ACTIVITIES)) != 0)
    for bits in query.availability_masks():
        where.append(Opportunity.availability_mask.op("&")(bits) != 0)
    if query.latitude is not None and query.longitude is not None:
        # A bounding box the database can check cheaply; the exact distance is checked in Python.
        dlat = MAX_DISTANCE_KM / 111.0
        dlon = MAX_DISTANCE_KM / (111.0 * max(math.cos(math.radians(query.latitude)), 0.05))
        where.append(Opportunity.latitude.between(query.latitude - dlat, query.latitude + dlat))
        where.append(Opportunity.longitude.between(query.longitude - dlon, query.longitude + dlon))
    if words(query.keywords):
        where.append(_fulltext(session, query.keywords or ""))
    return where


def sql_points(query: Query) -> ColumnElement[float]:
    """The part of `scoring.score` the database can work out cheaply (area, availability,
    activity, distance), with the same weights: the candidate set is the best of these."""
    terms: list[ColumnElement[Any]] = []

    def when(condition: ColumnElement[bool], points: float) -> ColumnElement[Any]:
        return case((condition, literal(points)), else_=literal(0.0))

    if query.areas:
        terms.append(
            case(
                (Opportunity.area_mask.op("&")(query.area_mask) != 0, literal(AREA_POINTS)),
                (Opportunity.area_mask.op("&")(query.related_mask) != 0, literal(RELATED_POINTS)),
                else_=literal(0.0),
            )
        )
    asked = [mask([v], AVAILABILITY) for v in query.availability]
    for bit in asked:
        terms.append(
            when(Opportunity.availability_mask.op("&")(bit) != 0, AVAILABILITY_POINTS / len(asked))
        )
    if query.activities:
        activity = mask(query.activities, ACTIVITIES)
        terms.append(when(Opportunity.activity_mask.op("&")(activity) != 0, ACTIVITY_POINTS))
    if query.latitude is not None and query.longitude is not None:
        # Equirectangular distance: within 0.5 % of haversine at these ranges, and plain arithmetic.
        shrink = math.cos(math.radians(query.latitude))
        dy = Opportunity.latitude - query.latitude
        dx = (Opportunity.longitude - query.longitude) * shrink
        km = func.sqrt(dy * dy + dx * dx) * (math.pi * EARTH_RADIUS_KM / 180)
        terms.append(DISTANCE_POINTS - km * (DISTANCE_POINTS / MAX_DISTANCE_KM))
    if not terms:
        return literal(0.0)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _exact_first(query: Query) -> list[ColumnElement[Any]]:
    """With areas asked for, exact-area matches before related-only ones (as `rank` orders
    them), so the candidate limit never drops a real match for a related one."""
    if not query.areas:
        return []
    return [case((Opportunity.area_mask.op("&")(query.area_mask) != 0, 0), else_=1)]


def candidates(
    session: Session, query: Query, now: datetime, created_after: datetime | None = None
) -> list[Candidate]:
    """At most CANDIDATE_LIMIT matches, the best by `sql_points` (newest first among equals)."""
    where = conditions(session, query, now)
    if created_after is not None:
        where.append(Opportunity.created_at > created_after)
    statement = (
        select(
            Opportunity.id,
            Opportunity.area_mask,
            Opportunity.activity_mask,
            Opportunity.availability_mask,
            Opportunity.latitude,
            Opportunity.longitude,
            Opportunity.spots,
            Opportunity.interest_count,
            Opportunity.created_at,
        )
        .where(*where)
        .order_by(*_exact_first(query), sql_points(query).desc(), Opportunity.created_at.desc())
        .order_by(Opportunity.id)
        .limit(CANDIDATE_LIMIT)
    )
    return [Candidate(*row) for row in session.execute(statement)]


def ranked(session: Session, query: Query, now: datetime) -> list[Scored]:
    return rank(candidates(session, query, now), query, now)


def search(session: Session, query: Query, now: datetime, page: int = 0) -> Page:
    """One page of results; a page past the end (the data changed) gives the last page."""
    results = ranked(session, query, now)
    pages = max(1, math.ceil(len(results) / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chosen = results[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = {
        o.id: o
        for o in session.scalars(
            select(Opportunity).where(Opportunity.id.in_([s.candidate.id for s in chosen]))
        )
    }
    hits = [
        Hit(
            rows[s.candidate.id],
            replace(s, reasons=explain(s.candidate, query, s.distance_km, now)),
        )
        for s in chosen
        if s.candidate.id in rows
    ]
    return Page(hits, page, len(results), pages, more=len(results) >= CANDIDATE_LIMIT)


#: Filters in the order we offer to drop them when nothing fits (the most specific first).
RELAXABLE = ("keywords", "activities", "availability", "place", "areas")


def without(query: Query, name: str) -> Query:
    if name == "place":
        return replace(query, town=None, latitude=None, longitude=None, near_me=False)
    if name == "keywords":
        return replace(query, keywords=None)
    changes: dict[str, Any] = {name: ()}
    return replace(query, **changes)


def is_set(query: Query, name: str) -> bool:
    if name == "place":
        return query.has_origin
    return bool(getattr(query, name))


def relaxations(session: Session, query: Query, now: datetime) -> list[tuple[str, int]]:
    """For a search without results: each filter that, dropped alone, gives results, and how
    many — so the user gets a next step instead of a dead end."""
    options = []
    for name in RELAXABLE:
        if is_set(query, name):
            count = len(ranked(session, without(query, name), now))
            if count:
                options.append((name, count))
    return options


def find_visible(
    session: Session, opportunity_id: int, municipalities: Collection[str], now: datetime
) -> Opportunity | None:
    """The opportunity if a citizen who may see `municipalities` may see it, else None.

    Closed, expired and other municipalities' opportunities are all just "not found", so a forged
    id learns nothing.
    """
    return session.scalars(
        select(Opportunity).where(
            Opportunity.id == opportunity_id,
            Opportunity.municipality_slug.in_(list(municipalities)),
            visible(now),
        )
    ).one_or_none()


def new_since(session: Session, query: Query, since: datetime, now: datetime) -> Sequence[Scored]:
    """Matches of `query` created after `since`, best first (for the alert digest)."""
    return rank(candidates(session, query, now, created_after=since), query, now)
