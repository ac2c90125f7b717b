"""Application references such as "SON-2027-0042": municipality code, the round's year, running
number. The year is the application round's (the »2027« round gives SON-2027-…, even when the
application is sent in late 2026), so a reference tells staff which pool it belongs to."""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

#: The three-letter code each municipality's references start with.
MUNICIPALITY_CODES: dict[str, str] = {
    "sermersooq": "SER",
    "sonderborg": "SON",
    "jammerbugt": "JAM",
    "tonder": "TON",
    "solrod": "SOL",
}
_SLUG_BY_CODE = {code: slug for slug, code in MUNICIPALITY_CODES.items()}
# Tolerate how people retype a reference: lower case, spaces or no dashes ("son 2027 42").
_REFERENCE = re.compile(r"(?i)^\s*([a-z]{3})[\s\-/]*(\d{4})[\s\-/]*(\d{1,6})\s*$")
_MIN_YEAR, _MAX_YEAR = 2000, 2999
# A round key starts with its year: "2027", "2027-spring", "2027-efterår".
_ROUND_YEAR = re.compile(r"^\s*(\d{4})(?!\d)")


class Reference(NamedTuple):
    """A parsed reference; `str()` of it is not the formatted form, use `format_reference`."""

    code: str
    year: int
    number: int

    @property
    def slug(self) -> str:
        """The municipality slug ("sonderborg") the code belongs to."""
        return _SLUG_BY_CODE[self.code]


def format_reference(code: str, year: int, number: int) -> str:
    """ "SON-2027-0042": the number is padded to four digits (and simply grows past 9999)."""
    if code not in _SLUG_BY_CODE:
        raise ValueError(f"unknown municipality code {code!r}")
    if not _MIN_YEAR <= year <= _MAX_YEAR or number < 1:
        raise ValueError(f"implausible reference year {year} or number {number}")
    return f"{code}-{year}-{number:04d}"


def reference_for(slug: str, year: int, number: int) -> str:
    """The reference for a municipality given by slug ("sonderborg" → "SON-…")."""
    return format_reference(MUNICIPALITY_CODES[slug], year, number)


def round_year(round_key: str, deadline: date | None, sent: date) -> int:
    """The year a reference is numbered by: the year the round key starts with ("2027-spring" →
    2027), else the round's deadline year, else the year the application is sent (`sent`, the
    municipality's local date). Source: the scheme YAML's `rounds[].key` (data/grants/*.yaml)."""
    match = _ROUND_YEAR.match(round_key)
    if match and _MIN_YEAR <= int(match.group(1)) <= _MAX_YEAR:
        return int(match.group(1))
    if deadline is not None:
        return deadline.year
    return sent.year


def parse_reference(text: str) -> Reference | None:
    """The reference in `text` ("SON-2027-0042", "son 2027 42"), or None if it is not ours."""
    match = _REFERENCE.match(text)
    if not match:
        return None
    code = match.group(1).upper()
    year, number = int(match.group(2)), int(match.group(3))
    if code not in _SLUG_BY_CODE or not _MIN_YEAR <= year <= _MAX_YEAR or number < 1:
        return None
    return Reference(code, year, number)
