"""Asking which instant a time in a DST change means, in chat. The field parsers and the order
rules (`PARSERS`, `parse_field`, `check`) live in `bot.meetings.fields`, shared with the
dashboard.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.turn import Turn
from bot.meetings.fields import iso, parse_iso
from bot.meetings.times import AmbiguousTime, format_local


def ask_which_instant(turn: Turn, unclear: AmbiguousTime, zone: str, back: str) -> None:
    """Ask which instant a time in a DST change means; the answer comes as ``dst:<n>``."""
    turn.remember(unclear=[iso(c) for c in unclear.choices])
    if unclear.key == "meetings.dst.gap":
        shifted = format_local(unclear.choices[0], zone, turn.lang, "d/M-y 'kl.' HH.mm")
        # What was typed: the shifted wall clock less the hour the clocks jump (wall-clock
        # arithmetic, as Python does within one tzinfo).
        wall = unclear.choices[0].astimezone(ZoneInfo(zone)) - timedelta(hours=1)
        typed = wall.strftime("%H:%M" if turn.lang == "en" else "%H.%M")
        rows = [
            [turn.button("meetings.dst.use_shifted", "dst:0", when=shifted)],
            [turn.button("meetings.dst.retype", "dst:retype")],
        ]
        text = turn.t("meetings.dst.gap", when=typed, when_shift=shifted)
    else:
        rows = [
            [turn.button("meetings.dst.first", "dst:0")],
            [turn.button("meetings.dst.second", "dst:1")],
        ]
        when = format_local(unclear.choices[0], zone, turn.lang, "d/M-y")
        text = turn.t("meetings.dst.fold", when=when)
    rows.append([turn.button("meetings.staff.back", back)])
    turn.reply(text, rows)


def chosen_instant(turn: Turn, value: str | None) -> datetime | None:
    """The instant picked with a ``dst:<n>`` button among the stored choices, or None."""
    choices = list(turn.data.get("unclear") or [])
    index = (value or "").removeprefix("dst:")
    if not index.isdigit() or int(index) >= len(choices):
        return None
    return parse_iso(choices[int(index)])
