"""Small helpers shared by the screens of the citizen's grant journey.

`flow.py` (entry, resume, closed rounds), `form_steps.py` (eligibility, the form, summary and
submission) and `my_applications.py` (my applications, answering staff, reporting) all use them;
this module imports none of those, so there is no cycle.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.core.turn import Turn
from bot.grants.fields import babel_locale
from bot.grants.service import GrantService

JOURNEY = "grants"
_EDIT_LABEL = 28  # characters of a field label on its edit button


def grant_service(turn: Turn) -> GrantService:
    service: GrantService = turn.services.features["grants"]
    return service


def today_in(turn: Turn, slug: str) -> date:
    """Today where the municipality is: a deadline ends at midnight in Nuuk or Copenhagen."""
    info = turn.services.directory.get(slug)
    zone = ZoneInfo(info.timezone if info else "Europe/Copenhagen")
    return turn.services.clock().astimezone(zone).date()


def long_date(day: date, lang: str) -> str:
    return format_date(day, format="long", locale=babel_locale(lang))


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
