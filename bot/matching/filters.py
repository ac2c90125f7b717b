"""A search as saved JSON (dialogue state, saved searches) and back."""

from __future__ import annotations

from typing import Any

from bot.matching.scoring import Query
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY


def to_filters(query: Query) -> dict[str, Any]:
    return {
        "municipality": query.municipality,
        "areas": list(query.areas),
        "availability": list(query.availability),
        "activities": list(query.activities),
        "town": query.town,
        "lat": query.latitude,
        "lon": query.longitude,
        "near_me": query.near_me,
        "keywords": query.keywords,
    }


def _known(values: Any, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    """Only canonical values survive: saved JSON is data we wrote, but it outlives code."""
    if not isinstance(values, list | tuple):
        return ()
    return tuple(v for v in vocabulary if v in values)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def from_filters(data: dict[str, Any], default_municipality: str) -> Query:
    latitude, longitude = _number(data.get("lat")), _number(data.get("lon"))
    if latitude is None or longitude is None:
        latitude = longitude = None
    return Query(
        municipality=str(data.get("municipality") or default_municipality),
        areas=_known(data.get("areas"), AREAS),
        availability=_known(data.get("availability"), AVAILABILITY),
        activities=_known(data.get("activities"), ACTIVITIES),
        town=str(data["town"]) if data.get("town") else None,
        latitude=latitude,
        longitude=longitude,
        near_me=bool(data.get("near_me")) and latitude is not None,
        keywords=str(data["keywords"])[:200] if data.get("keywords") else None,
    )
