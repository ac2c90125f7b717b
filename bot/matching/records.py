"""One opportunity as it arrives from outside (data/*.yaml, a municipality's CSV), validated.

Both sources go through `parse_opportunity`, so the seed and an import refuse the same things for
the same reasons. Problems are returned as catalog keys with parameters, not text, so the CLI
(Danish) and a staff member in chat (their language) each get them in words they read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.directory import Directory, fold
from bot.i18n import catalog
from bot.matching.vocabulary import ACTIVITIES, AREAS, AVAILABILITY, mask
from bot.validation.dates import parse_day
from bot.validation.errors import InvalidInput

MAX_TITLE = 200


@dataclass(frozen=True)
class Problem:
    """Why a row was refused: a catalog key and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass
class OpportunityRecord:
    key: str
    association_key: str
    title: str
    description: str
    town: str
    municipality_slug: str
    latitude: float
    longitude: float
    area_mask: int
    activity_mask: int
    availability_mask: int
    one_off_date: date | None
    hours_per_week: float | None
    min_age: int | None
    child_certificate: bool
    other_requirements: str | None
    spots: int | None
    status: str
    created_at: datetime | None
    expires_at: datetime | None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The first moment after `day`: an opportunity expiring on a day still shows that day."""
    return day_start(day) + timedelta(days=1)


#: Labels renamed in the catalogs that staff's spreadsheets may still hold: »løbende« became
#: »fast opgave« (issue 16: »løbende« means »on an ongoing basis«, not »a regular commitment«).
FORMER_LABELS: dict[str, tuple[str, ...]] = {
    "matching.availability.regular": ("løbende",),
}


def _vocabulary_names(vocabulary: tuple[str, ...], prefix: str) -> dict[str, str]:
    """Canonical values by what staff may write: the value itself, its label in da/en, or a
    label it had before (`FORMER_LABELS`), so spreadsheets written earlier still import."""
    names: dict[str, str] = {}
    for value in vocabulary:
        names[fold(value)] = value
        names[fold(value.replace("_", " "))] = value
        for language in ("da", "en"):
            label = catalog(language).get(f"{prefix}{value}")
            if label:
                names[fold(label)] = value
        for former in FORMER_LABELS.get(f"{prefix}{value}", ()):
            names[fold(former)] = value
    return names


def _split(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(v).strip() for v in raw if str(v).strip()]
    return [part.strip() for part in re.split(r"[|,;/]+", str(raw)) if part.strip()]


def _values(
    raw: Any, vocabulary: tuple[str, ...], prefix: str, column: str, problems: list[Problem]
) -> int:
    names = _vocabulary_names(vocabulary, prefix)
    values = []
    for item in _split(raw):
        value = names.get(fold(item))
        if value is None:
            problems.append(
                Problem("matching.import.unknown_value", {"column": column, "value": item})
            )
        else:
            values.append(value)
    return mask(values, vocabulary)


def parse_date(raw: Any) -> date | None:
    """YYYY-MM-DD (ISO), DD-MM-YYYY / DD.MM.YYYY / DD/MM/YYYY (as Danish spreadsheets write it),
    or a date as Danes write it in text ("30. juni 2027", "30/6-2027": `bot.validation.dates`,
    day first, the year required). Raises ValueError for anything else."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    try:
        return parse_day(text)
    except InvalidInput as problem:
        raise ValueError(text) from problem


def _number(raw: Any, column: str, problems: list[Problem], *, whole: bool) -> float | None:
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip().replace(",", ".")  # "1,5" in Danish
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem("matching.import.bad_number", {"column": column, "value": raw}))
        return None
    if value < 0 or (whole and not value.is_integer()):
        problems.append(Problem("matching.import.bad_number", {"column": column, "value": raw}))
        return None
    return value


def _flag(raw: Any) -> bool:
    return fold(str(raw)) in {"true", "ja", "yes", "1", "x"} if raw is not None else False


def parse_opportunity(
    row: Mapping[str, Any],
    directory: Directory,
    association_municipalities: Mapping[str, str],
) -> OpportunityRecord | list[Problem]:
    """A record from one row (keys as in `data/opportunities.yaml` or the CSV columns), or every
    problem with it. `association_municipalities` maps the association keys the caller may use to
    their municipality; any other association is unknown."""
    problems: list[Problem] = []
    key = str(row.get("key") or "").strip()
    if not key or len(key) > 120 or not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
        problems.append(Problem("matching.import.bad_key", {"value": key}))
    association_key = str(row.get("association") or "").strip()
    municipality = association_municipalities.get(association_key)
    if municipality is None:
        problems.append(Problem("matching.import.unknown_association", {"value": association_key}))
    title = " ".join(str(row.get("title") or "").split())
    if not title or len(title) > MAX_TITLE:
        problems.append(Problem("matching.import.bad_title", {"limit": MAX_TITLE}))
    description = str(row.get("description") or "").strip()
    town_text = str(row.get("town") or "").strip()
    town = directory.town(town_text) if town_text else None
    if town is None:
        suggestions = directory.suggest_towns(town_text, municipality) if town_text else []
        if suggestions:
            problems.append(
                Problem(
                    "matching.import.unknown_town_suggest",
                    {"value": town_text, "suggestion": suggestions[0]},
                )
            )
        else:
            problems.append(Problem("matching.import.unknown_town", {"value": town_text}))
    elif municipality is not None and town.municipality != municipality:
        problems.append(Problem("matching.import.town_elsewhere", {"value": town.name}))
    areas = _values(row.get("areas"), AREAS, "matching.area.", "areas", problems)
    if not areas and not any(p.params.get("column") == "areas" for p in problems):
        problems.append(Problem("matching.import.missing", {"column": "areas"}))
    activities = _values(
        row.get("activities"), ACTIVITIES, "matching.activity.", "activities", problems
    )
    availability = _values(
        row.get("availability"), AVAILABILITY, "matching.availability.", "availability", problems
    )
    requirements = row.get("requirements") or {}
    if not isinstance(requirements, Mapping):
        requirements = {}
    min_age = _number(
        row.get("min_age", requirements.get("min_age")), "min_age", problems, whole=True
    )
    hours = _number(row.get("hours_per_week"), "hours_per_week", problems, whole=False)
    spots = _number(row.get("spots"), "spots", problems, whole=True)
    child_certificate = _flag(row.get("child_certificate", requirements.get("child_certificate")))
    other = row.get("other_requirements", requirements.get("other"))
    other_text = str(other).strip() if other else None
    status = str(row.get("status") or "open").strip().lower()
    if status in ("åben", "aaben", "aben"):
        status = "open"
    elif status in ("lukket",):
        status = "closed"
    if status not in ("open", "closed"):
        problems.append(Problem("matching.import.bad_status", {"value": status}))
    dates: dict[str, date | None] = {}
    for column in ("one_off_date", "created", "expires"):
        try:
            dates[column] = parse_date(row.get(column))
        except ValueError:
            problems.append(
                Problem("matching.import.bad_date", {"column": column, "value": row.get(column)})
            )
            dates[column] = None
    if problems or town is None or municipality is None:
        return problems
    one_off = dates["one_off_date"]
    if one_off is not None:
        availability |= mask(["one_off"], AVAILABILITY)
    expires = dates["expires"]
    # A one-off opportunity is over after its day, whatever the expiry says.
    last_day = min(d for d in (expires, one_off) if d is not None) if (expires or one_off) else None
    created = dates["created"]
    return OpportunityRecord(
        key=key,
        association_key=association_key,
        title=title,
        description=description,
        town=town.name,
        municipality_slug=municipality,
        latitude=town.latitude,
        longitude=town.longitude,
        area_mask=areas,
        activity_mask=activities,
        availability_mask=availability,
        one_off_date=one_off,
        hours_per_week=hours,
        min_age=int(min_age) if min_age is not None else None,
        child_certificate=child_certificate,
        other_requirements=other_text,
        spots=int(spots) if spots is not None else None,
        status=status,
        created_at=day_start(created) if created else None,
        expires_at=end_of(last_day) if last_day else None,
    )
