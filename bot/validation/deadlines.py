"""A deadline typed as a day: the end of that day (23.59, `end_of_day`) on the municipality's
wall clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.validation.dates import end_of_day, parse_day
from bot.validation.errors import InvalidInput


def parse_deadline(text: str, zone: str, now: datetime, *, errors: str) -> datetime:
    """The deadline `text` names ("15/3-2027", "i morgen", "på fredag"), as the UTC instant of the
    end of that day in `zone` (an IANA zone; `end_of_day`: 23.59, or 22.59 on a day whose last
    hour a Greenland clock change skips). `now` is UTC.

    Raises `InvalidInput` with ``<errors>.error.date*`` for a date that cannot be read (see
    `bot.validation.dates.parse_day`) and ``<errors>.error.deadline_past`` for a day that has
    already ended.
    """
    local_zone = ZoneInfo(zone)
    day = parse_day(text, now.astimezone(local_zone).date(), errors=errors)
    deadline = end_of_day(day, zone)
    if deadline <= now:
        raise InvalidInput(f"{errors}.error.deadline_past")
    return deadline
