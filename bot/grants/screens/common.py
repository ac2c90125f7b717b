"""Small helpers shared by the screens of the citizen's grant journey.

`flow.py` (entry, resume, closed rounds), `form_steps.py` (eligibility, the form, summary and
submission) and `my_applications.py` (my applications, answering staff, reporting) all use them;
this module imports none of those, so there is no cycle.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.core.replies import Button
from bot.core.turn import Turn
from bot.grants.fields import babel_locale, format_amount, format_kroner
from bot.grants.service import ApplicationNotFoundError, GrantService
from bot.validation.amounts import Ambiguous, read_amount
from bot.validation.errors import InvalidInput
from bot.zones import zone_note

JOURNEY = "grants"


class GrantStep(StrEnum):
    """The steps of journey `grants`; the values are what `DialogueState.step` holds."""

    RESUME = "resume"
    #: »Er du sikker?« before »Start forfra« empties the draft (issue 12).
    RESTART = "restart"
    ELIGIBILITY = "elig"
    ELIGIBILITY_FAILED = "elig_failed"
    CLOSED = "closed"
    FIELD = "field"
    SUMMARY = "summary"
    DECLARE = "declare"
    MINE = "mine"
    VIEW = "view"
    INFO_ANSWER = "info_answer"
    REPORT_DONE = "report_done"
    REPORT_SPENT = "report_spent"
    REPORT_LEFT = "report_left"


_EDIT_LABEL = 28  # characters of a field label on its edit button


def grant_service(turn: Turn) -> GrantService:
    return turn.services.grants


def refusal_key(problem: InvalidInput | ApplicationNotFoundError) -> str:
    """The catalog key saying why the service refused (an application gone: "not found")."""
    return problem.key if isinstance(problem, InvalidInput) else "grants.not_found"


def today_in(turn: Turn, slug: str) -> date:
    """Today where the municipality is: a deadline ends at midnight in Nuuk or Copenhagen."""
    return local_day(turn, turn.services.clock(), slug)


def local_day(turn: Turn, moment: datetime, slug: str) -> date:
    """The date of `moment` (UTC) on the municipality's wall clock: an application sent at 00:30
    on 1 March in Copenhagen was sent on 1 March, not on 28 February."""
    return moment.astimezone(ZoneInfo(turn.services.directory.zone(slug))).date()


def long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=babel_locale(lang))


def deadline_date(turn: Turn, day: date) -> str:
    """A deadline as the applicant reads it: the long date, labelled »(grønlandsk tid)« when
    their municipality is in Greenland (a deadline ends at midnight there, `bot.zones`)."""
    zone = turn.services.directory.zone(turn.user.municipality_slug)
    return long_date(day, turn.lang) + zone_note(zone, turn.lang)


def short_date(day: date, lang: str) -> str:
    return format_date(
        day, format="d. MMMM" if lang != "en" else "d MMMM", locale=babel_locale(lang)
    )


def short_label(label: str) -> str:
    """A label cut to fit on a button."""
    return label if len(label) <= _EDIT_LABEL else label[: _EDIT_LABEL - 1] + "…"


def escape_params(params: Mapping[str, object]) -> dict[str, object]:
    """A message's parameters with the text ones HTML-escaped, for `turn.t`."""
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in params.items()}


def ask_which_amount(turn: Turn, readings: tuple[int, int], **pending: object) -> None:
    """ "Mente du »1.250 kr.« eller »12,50 kr.«?" with a button per reading ("pick:0", "pick:1").

    The readings (øre) wait in the dialogue state with `pending`, so a press after a restart
    still stores the right one; `picked_amount` reads it back.
    """
    turn.remember(pending_amount={"readings": list(readings), **pending})
    labels = [format_kroner(ore, turn.lang) for ore in readings]
    turn.reply(
        turn.t("grants.amount.which", first=labels[0], second=labels[1]),
        [[Button(label, f"pick:{index}")] for index, label in enumerate(labels)],
    )


def picked_amount(turn: Turn, value: str | None) -> int | None:
    """The øre a "pick:<n>" button of `ask_which_amount` stands for; None for anything else."""
    pending = turn.data.get("pending_amount")
    if value is None or not value.startswith("pick:") or not isinstance(pending, dict):
        return None
    readings = pending.get("readings")
    index = value.removeprefix("pick:")
    if not isinstance(readings, list) or not index.isdigit() or int(index) >= len(readings):
        return None
    ore = readings[int(index)]
    return ore if isinstance(ore, int) else None


def typed_amount(
    turn: Turn, text: str, value: str | None, ask_again: Callable[[], None], *, positive: bool
) -> int | None:
    """The amount (øre) typed at a single-amount step, or the reading pressed after "Mente du …?".

    None when the turn has already answered: with the "Mente du …?" buttons, or with an error
    (not an amount; negative, or 0 when `positive`) followed by `ask_again()`. A minus is
    refused, never dropped: none of these steps (money spent, money left, money granted) can be
    negative.
    """
    ore = picked_amount(turn, value)
    if ore is None:
        try:
            reading = read_amount(text)
        except InvalidInput as problem:
            turn.say(problem.key)
            ask_again()
            return None
        if isinstance(reading, Ambiguous):
            ask_which_amount(turn, reading.readings)
            return None
        ore = reading
    if turn.data.get("pending_amount") is not None:
        turn.remember(pending_amount=None)
    refusal = None
    if ore < 0:
        refusal = turn.t("grants.error.amount_negative", amount=format_amount(ore, turn.lang))
    elif positive and ore == 0:
        refusal = turn.t("grants.staff.amount_positive")
    if refusal is not None:
        turn.reply(refusal)
        ask_again()
        return None
    return ore
