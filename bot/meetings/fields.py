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
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.meetings.times import (
    AmbiguousTime,
    ClockChange,
    clock_change,
    format_local,
    parse_deadline,
    parse_end,
    parse_start,
    short_pattern,
)
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


def parse_field_or_pick(field: str, text: str, typed: Typed, picked: str | None) -> Any:
    """`parse_field`, and for a time in a DST change the instant `picked` (UTC ISO, as `iso`
    writes it) when it is one of the `AmbiguousTime` choices of this very text: a choice made for
    another text is asked again. Raises what `parse_field` raises, and `InvalidInput` when the
    picked instant fails the field's checks (`check`)."""
    try:
        return parse_field(field, text, typed)
    except AmbiguousTime as unclear:
        for choice in unclear.choices:
            if picked == iso(choice):
                return check(field, choice, typed.draft, typed.now)
        raise


def dst_question(unclear: AmbiguousTime, zone: str, language: str) -> tuple[str, dict[str, str]]:
    """(catalog key, its parameters) of the question about a time in a DST change, as the chat
    and the dashboard ask it (``meetings.dst.gap``: the typed time, its day and the shifted time;
    ``meetings.dst.fold``: the day). Both say when the clock changes in `zone` (``clock_from`` →
    ``clock_to``) as found in the zone's rules: 2.00 → 3.00 in Copenhagen, 23.00 → 24.00 in Nuuk
    (issue 16 review, item D)."""
    change = clock_change(unclear, zone)
    if unclear.key == "meetings.dst.gap":
        shifted = format_local(unclear.choices[0], zone, language, short_pattern(language))
        # What was typed: the shifted wall clock less the hour the clocks jump (wall-clock
        # arithmetic, as Python does within one tzinfo).
        wall = unclear.choices[0].astimezone(ZoneInfo(zone)) - (change.after - change.before)
        day = wall.date()
        return "meetings.dst.gap", {
            "when": wall.strftime(_CLOCK[language == "en"]),
            "day": _day(day),
            "when_shift": shifted,
            **_change_clock(change, day, language),
        }
    day = unclear.choices[0].astimezone(ZoneInfo(zone)).date()
    return "meetings.dst.fold", {"when": _day(day), **_change_clock(change, day, language)}


#: strftime patterns of a clock time: Danish »17.00«, English »17:00«.
_CLOCK = ("%H.%M", "%H:%M")


def _day(day: date) -> str:
    return f"{day.day}/{day.month}-{day.year}"  # as `format_local`'s "d/M-y" in both languages


def _change_clock(change: ClockChange, day: date, language: str) -> dict[str, str]:
    """``clock_from`` and ``clock_to`` of a clock change on `day`'s wall clock: midnight after
    `day` reads »24.00«, as Danish says the end of a day (Nuuk: »fra kl. 23.00 til kl. 24.00«)."""
    pattern = _CLOCK[language == "en"]

    def clock(moment: datetime) -> str:
        if moment.date() > day and moment.time() == time(0, 0):
            return pattern.replace("%H", "24").replace("%M", "00")
        return moment.strftime(pattern)

    return {"clock_from": clock(change.before), "clock_to": clock(change.after)}


def with_moved_end(field: str, value: Any, current: Mapping[str, Any]) -> dict[str, Any]:
    """The changes one changed field of a published meeting makes: a moved start moves the end
    with it, so the meeting keeps its length (times as UTC ISO strings, `current` the meeting's
    times so far). The chat's »Ret mødet« and the dashboard's edit form both change through
    here."""
    if field != "starts_at":
        return {field: value}
    length = parse_iso(current["ends_at"]) - parse_iso(current["starts_at"])
    return {"ends_at": iso(parse_iso(value) + length), "starts_at": value}
