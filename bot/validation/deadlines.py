"""A deadline typed as a day: the end of that day (23.59) on the municipality's wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.validation.dates import parse_day
from bot.validation.errors import InvalidInput


def parse_deadline(text: str, zone: str, now: datetime, *, errors: str) -> datetime:
    """The deadline `text` names ("15/3-2027", "i morgen", "på fredag"), as the UTC instant of
    23.59 that day in `zone` (an IANA zone). `now` is UTC.

    Raises `InvalidInput` with ``<errors>.error.date*`` for a date that cannot be read (see
    `bot.validation.dates.parse_day`) and ``<errors>.error.deadline_past`` for a day that has
    already ended.
    """
    local_zone = ZoneInfo(zone)
    day = parse_day(text, now.astimezone(local_zone).date(), errors=errors)
    deadline = datetime.combine(day, time(23, 59), tzinfo=local_zone).astimezone(UTC)
    if deadline <= now:
        raise InvalidInput(f"{errors}.error.deadline_past")
    return deadline
