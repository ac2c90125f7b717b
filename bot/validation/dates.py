"""Dates, periods and times as Danes and English speakers write them.

Dates: "15/3-2027", "15-03-2027", "15.03.2027", "2027-03-15", "15/3-27", "15/3 2027",
"15. marts 2027", "15 march 2027", "March 15, 2027"; given today's date in the municipality's
zone also "i dag", "i morgen", "i overmorgen", "på fredag", "today", "tomorrow", "on Friday".
Periods: two dates joined by a dash, "til" or "to"; a start without a year takes the end's
("1. april til 30. juni 2027", "1/4 – 30/6 2027"). Times: "kl. 17", "kl 17.30", "17:00",
"kl. 17.00". Day comes before month in every numeric form (never US order).

Ambiguous input is never guessed: a lone date without a year, or a weekday that is today, is
answered with a question (the ``…date_year`` and ``…date_weekday_today`` messages).
Errors are `InvalidInput` with a key in the caller's `errors` catalog ("grants" by default:
``grants.error.date``; "meetings" for the meeting wizard), so each feature words its own messages.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.validation.errors import InvalidInput

_MONTHS: dict[str, int] = {
    # Danish
    "januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10,
    # Abbreviations shared or specific
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAYS: dict[str, int] = {
    "mandag": 0, "tirsdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lørdag": 5,
    "loerdag": 5, "søndag": 6, "soendag": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_RELATIVE: dict[str, int] = {
    "i dag": 0, "idag": 0, "today": 0,
    "i morgen": 1, "imorgen": 1, "tomorrow": 1,
    "i overmorgen": 2, "iovermorgen": 2,
}  # fmt: skip

# Each alternative names its groups so one matcher serves single dates and periods. A year
# written after a dash must not be the start of the next date ("1/4-30/6 2027").
_NOT_MORE = r"(?!\d)(?![./]\d)"
_DATE = re.compile(
    rf"""(?ix)
    (?<![\d])(?:
        (?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d)
      | (?P<nd>\d{{1,2}})[./-](?P<nm>\d{{1,2}})[./-](?P<ny>\d{{4}}|\d{{2}}){_NOT_MORE}
      | (?P<sd>\d{{1,2}})[./](?P<sm>\d{{1,2}})\.?(?:\s+(?P<sy>\d{{4}}))?{_NOT_MORE}
      | (?P<td>\d{{1,2}})\.?\s*(?P<tm>{_MONTH})(?![a-zæøå])\.?(?:\s*(?P<ty>\d{{4}})(?!\d))?
      | (?P<em>{_MONTH})\.?\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<ey>\d{{4}})(?!\d))?
    )
    """
)
_RELATIVE_DAY = re.compile(
    rf"(?i)^(?:(?P<rel>{'|'.join(_RELATIVE)})|(?:(?:på|paa|on)\s+)?(?P<wd>{'|'.join(_WEEKDAYS)})(?:en)?)$"
)
# What may stand between the two dates of a range.
_RANGE_JOINER = re.compile(r"(?i)^\s*(?:[-–—]|til|to|until|tom\.?|t\.o\.m\.?)?\s*$")
_RANGE_LEAD = re.compile(r"(?i)^\s*(?:fra|from)?\s*$")
_TIME = re.compile(r"(?i)^(?:kl\.?|klokken|at)?\s*(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?$")
# A date and a time: "… kl. 17", "… klokken 17.30", "… at 17:00", or a time after a full date.
_WITH_CLOCK = re.compile(r"(?i)^(?P<day>.+?)\s*,?\s+(?:kl\.?|klokken|at)\s*(?P<time>\S+)$")
_WITH_BARE_TIME = re.compile(r"^(?P<day>.+?)\s*,?\s+(?P<time>\d{1,2}(?:[:.]\d{2})?)$")


def _year(text: str) -> int:
    value = int(text)
    return 2000 + value if len(text) == 2 else value  # "27" in a grant form is 2027, not 1927


def _parts(match: re.Match[str]) -> tuple[int | None, int, int]:
    """(year or None when not written, month, day) of a date match."""
    g = match.groupdict()
    if g["iy"]:
        return int(g["iy"]), int(g["im"]), int(g["id"])
    if g["ny"]:
        return _year(g["ny"]), int(g["nm"]), int(g["nd"])
    if g["sd"]:
        return (int(g["sy"]) if g["sy"] else None), int(g["sm"]), int(g["sd"])
    if g["td"]:
        return (int(g["ty"]) if g["ty"] else None), _MONTHS[g["tm"].lower()], int(g["td"])
    return (int(g["ey"]) if g["ey"] else None), _MONTHS[g["em"].lower()], int(g["ed"])


def _make(year: int, month: int, day: int, text: str, errors: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{errors}.error.date_impossible", text=text.strip()) from None


def _relative(text: str, today: date | None, errors: str) -> date | None:
    """The day meant by "i morgen", "på fredag" …, or None when `text` is no such word."""
    match = _RELATIVE_DAY.match(" ".join(text.split()))
    if not match:
        return None
    if today is None:  # a form without a "today" (a founding date) has no relative dates
        raise InvalidInput(f"{errors}.error.date")
    if match.group("rel"):
        return today + timedelta(days=_RELATIVE[match.group("rel").lower()])
    weekday = _WEEKDAYS[match.group("wd").lower()]
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0:  # "på fredag" said on a Friday: today or in a week? Ask.
        raise InvalidInput(f"{errors}.error.date_weekday_today", weekday=match.group("wd").lower())
    return today + timedelta(days=ahead)


def parse_day(text: str, today: date | None = None, *, errors: str = "grants") -> date:
    """The one date in `text`; relative words ("i morgen", "på fredag") count from `today`
    (the caller's local date in the municipality's zone).

    Raises `InvalidInput` with ``<errors>.error.date`` (unreadable), ``.date_impossible`` (31/2),
    ``.date_year`` (no year written: we ask rather than guess) or ``.date_weekday_today``.
    """
    cleaned = text.strip().rstrip(".").strip()
    relative = _relative(cleaned, today, errors)
    if relative is not None:
        return relative
    match = _DATE.fullmatch(cleaned) or _DATE.fullmatch(cleaned + ".")
    if not match:
        raise InvalidInput(f"{errors}.error.date")
    year, month, day = _parts(match)
    if year is None:
        raise InvalidInput(f"{errors}.error.date_year", text=cleaned)
    return _make(year, month, day, match.group(0), errors)


def parse_date(text: str, today: date | None = None) -> date:
    """The one date in `text` (see `parse_day`); errors are ``grants.error.*``."""
    return parse_day(text, today)


def parse_date_range(text: str, today: date | None = None) -> tuple[date, date]:
    """Start and end of a period such as "1/4-2027 – 30/6-2027" or "1. april til 30. juni 2027".

    A start without a year takes the end's year (the year before when that would put it after
    the end: "1/11 – 31/1 2028"). Raises ``grants.error.date_range`` unless exactly two dates
    joined by a dash, "til" or "to" are found, ``grants.error.date_range_order`` when the end lies
    before the start, and, given `today` (local date), ``grants.error.date_range_past`` when the
    whole period lies before today.
    """
    cleaned = text.strip().rstrip(".")
    matches = list(_DATE.finditer(cleaned))
    if len(matches) != 2:  # a range has a start and an end
        raise InvalidInput("grants.error.date_range")
    first, second = matches
    between = cleaned[first.end() : second.start()]
    if (
        not _RANGE_LEAD.match(cleaned[: first.start()])
        or not _RANGE_JOINER.match(between)
        or cleaned[second.end() :].strip()
    ):
        raise InvalidInput("grants.error.date_range")
    end_year, end_month, end_day = _parts(second)
    if end_year is None:
        raise InvalidInput("grants.error.date_year", text=cleaned)
    end = _make(end_year, end_month, end_day, second.group(0), "grants")
    start_year, start_month, start_day = _parts(first)
    if start_year is None:
        start = _make(end_year, start_month, start_day, first.group(0), "grants")
        if start > end:  # "1/11 – 31/1 2028" starts in the year before
            start = _make(end_year - 1, start_month, start_day, first.group(0), "grants")
    else:
        start = _make(start_year, start_month, start_day, first.group(0), "grants")
    if end < start:
        raise InvalidInput("grants.error.date_range_order")
    if today is not None and end < today:
        raise InvalidInput("grants.error.date_range_past", end=end.strftime("%-d/%-m-%Y"))
    return start, end


def parse_time(text: str, *, errors: str = "grants") -> time | None:
    """A clock time ("kl. 17", "17.30", "17:00"); None when `text` is not one.

    Raises ``<errors>.error.time_impossible`` for "25" or "17.75".
    """
    match = _TIME.match(" ".join(text.split()))
    if not match:
        return None
    hour, minute = int(match.group("h")), int(match.group("m") or 0)
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{errors}.error.time_impossible")
    return time(hour, minute)


def parse_day_and_time(
    text: str, today: date | None, *, errors: str
) -> tuple[date | None, time | None]:
    """A date, a time or both from "i morgen kl 17", "på fredag kl. 19.30", "15/3-2027 17:00",
    "kl. 17.00" or "17:00" (then the date is None), or "15/3-2027" (then the time is None).

    Raises `InvalidInput` with ``<errors>.error.datetime`` when nothing fits, or the reasons of
    `parse_day` and `parse_time`.
    """
    cleaned = " ".join(text.split()).rstrip(",")
    if not cleaned:
        raise InvalidInput(f"{errors}.error.datetime")
    # "20.30" is a time, never the 20th of a 30th month; "15.3" is a date without a year.
    alone = parse_time(cleaned, errors=errors)
    if alone is not None:
        return None, alone
    for pattern in (_WITH_CLOCK, _WITH_BARE_TIME):
        match = pattern.match(cleaned)
        if match:
            at = parse_time(match.group("time"), errors=errors)
            if at is None:
                continue
            try:
                return parse_day(match.group("day"), today, errors=errors), at
            except InvalidInput as problem:
                if problem.key != f"{errors}.error.date" or pattern is _WITH_CLOCK:
                    raise
    try:
        return parse_day(cleaned, today, errors=errors), None
    except InvalidInput as problem:
        if problem.key == f"{errors}.error.date":
            raise InvalidInput(f"{errors}.error.datetime") from None
        raise


def end_of_day(day: date, zone: str) -> datetime:
    """The last minute of `day` on the wall clock of `zone` (an IANA zone), as a UTC instant: one
    minute before the next local midnight. A deadline typed as a day means this.

    Why not »23.59 local«: that time does not always exist, or exists twice. Nuuk changes its
    clocks at 23.00/24.00 local (UTC−2/−1 since 2023): on the last Saturday of March 23.00–23.59
    are skipped (the day ends at 22.59, and 23.59 would raise `AmbiguousTime`), on the last
    Saturday of October they come twice (the day ends at the second 23.59, an hour after the
    first). Midnight itself is unambiguous in every zone we serve (Copenhagen changes at 2.00
    and 3.00). Raises nothing.
    """
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
    return midnight.astimezone(UTC) - timedelta(minutes=1)
