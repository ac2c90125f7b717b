"""Dates and date ranges as Danes and English speakers write them.

Understood: "15/3-2027", "15-03-2027", "15.03.2027", "2027-03-15", "15/3-27", "15. marts 2027",
"15 march 2027", "March 15, 2027". Day comes before month in every numeric form (never US order).
"""

from __future__ import annotations

import re
from datetime import date

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

# Each alternative names its groups so one matcher serves single dates and ranges.
_DATE = re.compile(
    rf"""(?ix)
    (?<![\d])(?:
        (?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d)
      | (?P<nd>\d{{1,2}})[./-](?P<nm>\d{{1,2}})[./-](?P<ny>\d{{4}}|\d{{2}})(?!\d)
      | (?P<td>\d{{1,2}})\.?\s*(?P<tm>{_MONTH})\.?\s*(?P<ty>\d{{4}})(?!\d)
      | (?P<em>{_MONTH})\.?\s+(?P<ed>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ey>\d{{4}})(?!\d)
    )
    """
)
# What may stand between the two dates of a range.
_RANGE_JOINER = re.compile(r"(?i)^\s*(?:[-–—]|til|to|until|tom\.?|t\.o\.m\.?)?\s*$")
_RANGE_LEAD = re.compile(r"(?i)^\s*(?:fra|from)?\s*$")


def _year(text: str) -> int:
    value = int(text)
    return 2000 + value if len(text) == 2 else value  # "27" in a grant form is 2027, not 1927


def _to_date(match: re.Match[str]) -> date:
    groups = match.groupdict()
    if groups["iy"]:
        y, m, d = int(groups["iy"]), int(groups["im"]), int(groups["id"])
    elif groups["ny"]:
        y, m, d = _year(groups["ny"]), int(groups["nm"]), int(groups["nd"])
    elif groups["ty"]:
        y, m, d = int(groups["ty"]), _MONTHS[groups["tm"].lower()], int(groups["td"])
    else:
        y, m, d = int(groups["ey"]), _MONTHS[groups["em"].lower()], int(groups["ed"])
    try:
        return date(y, m, d)
    except ValueError:
        raise InvalidInput("grants.error.date_impossible", text=match.group(0).strip()) from None


def parse_date(text: str) -> date:
    """The one date in `text`; raises ``grants.error.date`` or ``grants.error.date_impossible``."""
    match = _DATE.fullmatch(text.strip().rstrip("."))
    if not match:
        raise InvalidInput("grants.error.date")
    return _to_date(match)


def parse_date_range(text: str) -> tuple[date, date]:
    """Start and end of a period such as "1/4-2027 – 30/6-2027" or "1.4.2027-30.6.2027".

    Raises ``grants.error.date_range`` unless exactly two dates joined by a dash, "til" or "to"
    are found, and ``grants.error.date_range_order`` when the end lies before the start.
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
    start, end = _to_date(first), _to_date(second)
    if end < start:
        raise InvalidInput("grants.error.date_range_order")
    return start, end
