"""Reading a meeting's fields as staff type them: one parser per field, in one table (`PARSERS`),
and the order rules between the times (`check`: end after start, deadline before start, nothing
in the past). The chat wizard (`bot.meetings.staff`) and the dashboard (`bot.web.pages.meetings`)
both read through here, so a meeting is held to the same rules whichever channel makes it.

A parser returns the value kept in the draft (times as UTC ISO strings) or raises `InvalidInput`;
a time in a DST change raises `AmbiguousTime` with only the choices that pass the field's own
checks. Times are read in the municipality's zone (`bot.meetings.times`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.meetings.times import AmbiguousTime, parse_deadline, parse_end, parse_start
from bot.validation.errors import InvalidInput


def iso(moment: datetime) -> str:
    """A UTC instant as it is kept in the step data."""
    return moment.isoformat()


def parse_iso(value: Any) -> datetime:
    """An instant kept in the step data (UTC) back as a `datetime`."""
    return datetime.fromisoformat(str(value))


NO_LIMIT = {"ingen", "ingen grænse", "ingen graense", "nej", "no", "none", "no limit", "-", "0"}
NOTHING = {"-", "ingen", "intet", "nej", "none", "no"}


@dataclass(frozen=True)
class Typed:
    """What a parser needs besides the text: the zone, now (UTC), and the meeting's other
    values so far (``starts_at`` … as UTC ISO strings)."""

    zone: str
    now: datetime
    draft: Mapping[str, Any]


#: Reads the stripped text of one field; raises `InvalidInput` (or `ValueError`, which becomes
#: the field's error key in `PARSERS`).
Parser = Callable[[str, Typed], Any]


def _length(low: int, high: int) -> Parser:
    def parse(text: str, typed: Typed) -> str:
        if not low <= len(text) <= high:
            raise ValueError(text)
        return text

    return parse


def _agenda(text: str, typed: Typed) -> str:
    if len(text) > 3000:
        raise ValueError(text)
    return "" if text.casefold() in NOTHING else text


def _limit(text: str, typed: Typed) -> int | None:
    """A positive number of seats, or None for no limit ("ingen", "-" …)."""
    if text.casefold() in NO_LIMIT:
        return None
    if not text.isdigit() or not 0 < int(text) <= 100_000:
        raise ValueError(text)
    return int(text)


def _start(text: str, typed: Typed) -> str:
    return check("starts_at", parse_start(text, typed.zone, typed.now), typed.draft, typed.now)


def _end(text: str, typed: Typed) -> str:
    start = parse_iso(typed.draft["starts_at"])
    return iso(parse_end(text, typed.zone, start, typed.now))


def _deadline(text: str, typed: Typed) -> str:
    start = parse_iso(typed.draft["starts_at"])
    return iso(parse_deadline(text, typed.zone, start, typed.now))


#: Field → (parser, the catalog key when the parser says `ValueError`). The time fields raise
#: their own, more precise `InvalidInput` ("meetings.error.time_missing" …).
PARSERS: dict[str, tuple[Parser, str]] = {
    "title": (_length(3, 200), "meetings.error.title"),
    "starts_at": (_start, "meetings.error.datetime"),
    "ends_at": (_end, "meetings.error.datetime"),
    "place": (_length(2, 200), "meetings.error.place"),
    "address": (_length(2, 200), "meetings.error.address"),
    "agenda": (_agenda, "meetings.error.agenda"),
    "capacity": (_limit, "meetings.error.number"),
    "per_association": (_limit, "meetings.error.number"),
    "rsvp_deadline": (_deadline, "meetings.error.datetime"),
}


def parse_field(field: str, text: str, typed: Typed) -> Any:
    """The kept value of one typed answer for `field`.

    Raises `InvalidInput` with the reason, `AmbiguousTime` for a time in a DST change (its
    choices all pass `check`), and `LookupError` for a field that is not typed (a bug, not
    something a user can cause: the screens only take text at `TEXT_FIELDS`).
    """
    if field not in PARSERS:
        raise LookupError(f"no parser for meeting field {field!r}")
    parser, error = PARSERS[field]
    try:
        return parser(text.strip(), typed)
    except AmbiguousTime as unclear:
        # Only choices that pass the field's own checks are offered.
        for choice in unclear.choices:
            check(field, choice, typed.draft, typed.now)
        raise
    except InvalidInput:
        raise
    except ValueError:
        raise InvalidInput(error) from None


def check(field: str, moment: datetime, draft: Mapping[str, Any], now: datetime) -> str:
    """The kept value (UTC ISO) of a time for `field`; raises `InvalidInput` when it is on the
    wrong side of now, the start or the deadline (the same rules as `bot.meetings.times`)."""
    if moment <= now:
        raise InvalidInput("meetings.error.in_the_past")
    if field == "ends_at" and moment <= parse_iso(draft["starts_at"]):
        raise InvalidInput("meetings.error.end_before_start")
    if field == "rsvp_deadline" and moment >= parse_iso(draft["starts_at"]):
        raise InvalidInput("meetings.error.deadline_after_start")
    return iso(moment)
