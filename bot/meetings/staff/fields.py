"""Asking which instant a time in a DST change means, in chat. The field parsers and the order
rules (`PARSERS`, `parse_field`, `check`) live in `bot.meetings.fields`, shared with the
dashboard.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.turn import Turn
from bot.meetings.fields import dst_question, iso, parse_iso
from bot.meetings.times import AmbiguousTime


def ask_which_instant(turn: Turn, unclear: AmbiguousTime, zone: str, back: str) -> None:
    """Ask which instant a time in a DST change means; the answer comes as ``dst:<n>``."""
    turn.remember(unclear=[iso(c) for c in unclear.choices])
    key, params = dst_question(unclear, zone, turn.lang)
    if unclear.key == "meetings.dst.gap":
        rows = [
            [turn.button("meetings.dst.use_shifted", "dst:0", when=params["when_shift"])],
            [turn.button("meetings.dst.retype", "dst:retype")],
        ]
    else:
        rows = [
            [turn.button("meetings.dst.first", "dst:0")],
            [turn.button("meetings.dst.second", "dst:1")],
        ]
    rows.append([turn.button("meetings.staff.back", back)])
    turn.reply(turn.t(key, **params), rows)


def chosen_instant(turn: Turn, value: str | None) -> datetime | None:
    """The instant picked with a ``dst:<n>`` button among the stored choices, or None."""
    choices = list(turn.data.get("unclear") or [])
    index = (value or "").removeprefix("dst:")
    if not index.isdigit() or int(index) >= len(choices):
        return None
    return parse_iso(choices[int(index)])
