"""The closed vocabularies of matching (areas, activities, availability) and how they relate.

Each vocabulary is small and fixed, so an opportunity stores each as a bitmask (bit i = the i-th
value below). A filter is then one integer AND in SQL — no association table, no join — which keeps
the 100,000-row search fast on SQLite and PostgreSQL alike. The order of the tuples is therefore
part of the stored data: append new values at the end, never reorder.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

AREAS: Final = (
    "elderly",
    "children",
    "youth",
    "families",
    "disability",
    "mental_health",
    "homelessness",
    "refugees",
    "health",
    "addiction",
    "loneliness",
)
ACTIVITIES: Final = (
    "visiting",
    "driving",
    "cooking",
    "tutoring",
    "it_help",
    "walking",
    "counselling",
    "events",
    "shopping",
)
AVAILABILITY: Final = ("weekday", "weekend", "daytime", "evening", "one_off", "regular")

#: Availability is three independent questions. A search matches when, for every question the
#: user answered, the opportunity shares at least one value (weekend → has "weekend"; weekend and
#: evening → has both a weekend and an evening slot).
AVAILABILITY_DIMENSIONS: Final = (
    ("weekday", "weekend"),
    ("daytime", "evening"),
    ("one_off", "regular"),
)

#: Areas close enough that someone who asks for one is likely glad to see the other, ranked below
#: an exact match. The relation is symmetric (see `related_areas`); keep it short: every pair here
#: widens what a search returns.
_RELATED_PAIRS: Final = (
    ("loneliness", "elderly"),
    ("loneliness", "mental_health"),
    ("youth", "children"),
    ("families", "children"),
    ("mental_health", "health"),
    ("disability", "health"),
    ("addiction", "homelessness"),
    ("addiction", "mental_health"),
    ("refugees", "families"),
    ("elderly", "health"),
)


def related_areas(area: str) -> frozenset[str]:
    """Areas related to `area` (never `area` itself)."""
    out = {b for a, b in _RELATED_PAIRS if a == area} | {a for a, b in _RELATED_PAIRS if b == area}
    return frozenset(out)


def mask(values: Iterable[str], vocabulary: tuple[str, ...]) -> int:
    """The bitmask of `values`; unknown values are ignored (validate before, where it matters)."""
    bits = 0
    for value in values:
        if value in vocabulary:
            bits |= 1 << vocabulary.index(value)
    return bits


def unmask(bits: int, vocabulary: tuple[str, ...]) -> list[str]:
    """The values of a bitmask, in vocabulary order."""
    return [value for i, value in enumerate(vocabulary) if bits & (1 << i)]
