"""Meeting times as staff type them, read in the municipality's own time zone.

Understood: "15/3-2027 kl. 17", "15/3-2027 kl 17.30", "15.03.2027 17:00", "15-03-2027 17",
"2027-03-15 17:00", "15. marts 2027 kl. 17". For the end of a meeting a time alone ("20" or
"20:30") means the same day as the start; for the RSVP deadline a date alone means the end of
that day. Times are stored in UTC.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

_MONTHS = {
    "januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "nov": 11, "dec": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = (
    r"(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<nd>\d{1,2})[./-](?P<nm>\d{1,2})[./-](?P<ny>\d{4}|\d{2})"
    rf"|(?P<td>\d{{1,2}})\.?\s*(?P<tm>{_MONTH})\.?\s*(?P<ty>\d{{4}}))"
)
_TIME = r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?"
_DATETIME = re.compile(rf"(?i)^\s*{_DATE}(?:\s*,?\s*(?:kl\.?|klokken|at)?\s*{_TIME})?\s*$")
_TIME_ONLY = re.compile(rf"(?i)^\s*(?:kl\.?|klokken|at)?\s*{_TIME}\s*$")


class TimeError(ValueError):
    """Input that is not a usable time; `key` is the catalog message that explains why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _date(match: re.Match[str]) -> date:
    g = match.groupdict()
    if g["iy"]:
        y, m, d = int(g["iy"]), int(g["im"]), int(g["id"])
    elif g["ny"]:
        y = int(g["ny"]) + (2000 if len(g["ny"]) == 2 else 0)
        m, d = int(g["nm"]), int(g["nd"])
    else:
        y, m, d = int(g["ty"]), _MONTHS[g["tm"].lower()], int(g["td"])
    try:
        return date(y, m, d)
    except ValueError:
        raise TimeError("meetings.error.date_impossible") from None


def _time(match: re.Match[str]) -> time | None:
    if match.group("h") is None:
        return None
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    if hour > 23 or minute > 59:
        raise TimeError("meetings.error.time_impossible")
    return time(hour, minute)


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """A wall-clock time in `zone` as UTC (in the autumn's repeated hour, the first one)."""
    local = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    # Round-trip through UTC so a time in the spring gap becomes a real one.
    return local.astimezone(ZoneInfo("UTC"))


def parse_start(text: str, zone: str) -> datetime:
    """A date with a time; raises `TimeError` ("meetings.error.datetime" when unreadable)."""
    match = _DATETIME.match(text)
    if not match:
        raise TimeError("meetings.error.datetime")
    at = _time(match)
    if at is None:
        raise TimeError("meetings.error.time_missing")
    return local_to_utc(_date(match), at, zone)


def parse_end(text: str, zone: str, start: datetime) -> datetime:
    """A time on the start's day, or a full date and time; must lie after the start."""
    only = _TIME_ONLY.match(text)
    if only:
        at = _time(only)
        assert at is not None
        day = start.astimezone(ZoneInfo(zone)).date()
        end = local_to_utc(day, at, zone)
    else:
        end = parse_start(text, zone)
    if end <= start:
        raise TimeError("meetings.error.end_before_start")
    return end


def parse_deadline(text: str, zone: str, start: datetime, now: datetime) -> datetime:
    """A date (meaning 23:59 that day) or date and time; after now and before the start."""
    match = _DATETIME.match(text)
    if not match:
        raise TimeError("meetings.error.datetime")
    at = _time(match) or time(23, 59)
    deadline = local_to_utc(_date(match), at, zone)
    if deadline >= start:
        raise TimeError("meetings.error.deadline_after_start")
    if deadline <= now:
        raise TimeError("meetings.error.in_the_past")
    return deadline


def default_deadline(start: datetime, zone: str) -> datetime:
    """A week before the start at 23:59 local time, the usual registration deadline."""
    day = start.astimezone(ZoneInfo(zone)).date() - timedelta(days=7)
    return local_to_utc(day, time(23, 59), zone)


def show(moment: datetime, zone: str, language: str, pattern: str) -> str:
    """`moment` on the wall clock of `zone`, formatted with a CLDR `pattern` in `language`."""
    return format_datetime(
        moment.astimezone(ZoneInfo(zone)), pattern, locale="en" if language == "en" else "da"
    )
