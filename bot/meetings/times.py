"""Meeting times as staff type them, read in the municipality's own time zone.

Understood: "15/3-2027 kl. 17", "15/3-2027 kl 17.30", "15.03.2027 17:00", "15-03-2027 17",
"2027-03-15 17:00", "15. marts 2027 kl. 17", "i morgen kl 17", "på fredag kl. 19.30" (the
grammar is `bot.validation.dates`). For the end of a meeting a time alone ("20", "kl. 20.30")
means the same day as the start; for the RSVP deadline a date alone means the end of that day.
Relative days count from today in the municipality's zone. Times are stored in UTC.

A wall-clock time that does not exist (the spring-forward gap, 2.00–3.00 on the last Sunday of
March in Copenhagen) or exists twice (the repeated hour in October) is never moved or picked
silently: `AmbiguousTime` carries the choices and the wizard asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.validation.dates import end_of_day, parse_day_and_time
from bot.validation.errors import InvalidInput

_ERRORS = "meetings"  # the catalog of the error messages


class AmbiguousTime(InvalidInput):
    """A local time that is not one instant: `choices` are the UTC instants to ask about.

    ``meetings.dst.gap``: the time does not exist; one choice, the time an hour later (what the
    clock shows at that instant). ``meetings.dst.fold``: it exists twice; the first (summer time)
    and the second (winter time) instant, in that order.
    """

    def __init__(self, key: str, choices: tuple[datetime, ...]) -> None:
        super().__init__(key)
        self.choices = choices


def instants(day: date, at: time, zone: str) -> tuple[datetime, ...]:
    """Every UTC instant whose wall clock in `zone` shows `day` `at`: one on a normal day, none in
    the spring gap, two in the autumn's repeated hour (earlier first). Found by round-tripping
    both `fold` values through UTC (PEP 495)."""
    tz = ZoneInfo(zone)
    found: list[datetime] = []
    for fold in (0, 1):
        local = datetime.combine(day, at, tzinfo=tz).replace(fold=fold)
        instant = local.astimezone(UTC)
        same_wall_clock = instant.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None)
        if same_wall_clock and instant not in found:
            found.append(instant)
    return tuple(sorted(found))


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """A wall-clock time in `zone` as UTC; raises `AmbiguousTime` for none or two instants."""
    found = instants(day, at, zone)
    if len(found) == 1:
        return found[0]
    if not found:
        # fold=0 reads the time with the offset before the change: 2.30 (+01) is 3.30 summer time.
        shifted = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        raise AmbiguousTime("meetings.dst.gap", (shifted,))
    raise AmbiguousTime("meetings.dst.fold", found)


@dataclass(frozen=True)
class ClockChange:
    """One change of `zone`'s UTC offset as the wall clock shows it: at `before` (old offset) the
    clock is set to `after` (new offset). Copenhagen, 28 March 2027: 02.00 → 03.00; Nuuk, the
    evening before: 23.00 → 00.00 (both at 01.00 UTC). Naive wall-clock datetimes."""

    before: datetime
    after: datetime


def clock_change(unclear: AmbiguousTime, zone: str) -> ClockChange:
    """The clock change that made `unclear` (from `local_to_utc`) ambiguous, found in the zone's
    own rules rather than assumed: Greenland changes at 23.00/00.00, Denmark at 2.00/3.00.

    The change lies between the two instants of a fold, and within the hours before the shifted
    instant of a gap; bisection finds the first second with the new offset (transitions fall on
    whole seconds in the tz database)."""
    tz = ZoneInfo(zone)
    if unclear.key == "meetings.dst.gap":
        hi = unclear.choices[0]
        lo = hi - timedelta(hours=3)  # no zone moves its clock more than that at once
    else:
        lo, hi = unclear.choices[0], unclear.choices[-1]
    old = lo.astimezone(tz).utcoffset() or timedelta(0)  # a ZoneInfo always has one
    new = hi.astimezone(tz).utcoffset() or timedelta(0)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == old:
            lo = mid
        else:
            hi = mid
    moment = hi.replace(tzinfo=None, microsecond=0)
    return ClockChange(before=moment + old, after=moment + new)


def _today(now: datetime | None, zone: str) -> date | None:
    return now.astimezone(ZoneInfo(zone)).date() if now is not None else None


def _read(text: str, zone: str, now: datetime | None) -> tuple[date | None, time | None]:
    return parse_day_and_time(text, _today(now, zone), errors=_ERRORS)


def parse_start(text: str, zone: str, now: datetime | None = None) -> datetime:
    """A date with a time, in `zone`, as UTC; relative days ("i morgen") count from `now`.

    Raises `InvalidInput` ("meetings.error.datetime" when unreadable, ".time_missing",
    ".date_missing", ".date_year" …) or `AmbiguousTime` for a time in a DST change.
    """
    day, at = _read(text, zone, now)
    if day is None:
        raise InvalidInput("meetings.error.date_missing")
    if at is None:
        raise InvalidInput("meetings.error.time_missing")
    return local_to_utc(day, at, zone)


def parse_end(text: str, zone: str, start: datetime, now: datetime | None = None) -> datetime:
    """A time on the start's day, or a full date and time; must lie after the start."""
    day, at = _read(text, zone, now)
    if at is None:
        raise InvalidInput("meetings.error.time_missing")
    end = local_to_utc(day or start.astimezone(ZoneInfo(zone)).date(), at, zone)
    if end <= start:
        raise InvalidInput("meetings.error.end_before_start")
    return end


def parse_deadline(text: str, zone: str, start: datetime, now: datetime) -> datetime:
    """A date (meaning the end of that day, `end_of_day`) or date and time; after now and before
    the start."""
    day, at = _read(text, zone, now)
    if day is None:
        raise InvalidInput("meetings.error.date_missing")
    deadline = local_to_utc(day, at, zone) if at is not None else end_of_day(day, zone)
    if deadline >= start:
        raise InvalidInput("meetings.error.deadline_after_start")
    if deadline <= now:
        raise InvalidInput("meetings.error.in_the_past")
    return deadline


def default_deadline(start: datetime, zone: str) -> datetime:
    """The end of the day a week before the start (`end_of_day`: 23.59 local, 22.59 on a
    Greenland spring-forward Saturday), the usual registration deadline."""
    day = start.astimezone(ZoneInfo(zone)).date() - timedelta(days=7)
    return end_of_day(day, zone)


def short_pattern(language: str) -> str:
    """The CLDR pattern of a short date and time: »28/3-2027 kl. 03.30«, English »28/3-2027 03:30«
    (English texts do not say »kl.«)."""
    return "d/M-y HH:mm" if language == "en" else "d/M-y 'kl.' HH.mm"


def format_local(moment: datetime, zone: str, language: str, pattern: str) -> str:
    """`moment` on the wall clock of `zone`, formatted with a CLDR `pattern` in `language`."""
    return format_datetime(
        moment.astimezone(ZoneInfo(zone)), pattern, locale="en" if language == "en" else "da"
    )
