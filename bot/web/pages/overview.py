"""Overblik: the municipality's § 18 rounds at a glance, with a chart and its numbers."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.delivery.report import broadcasts_of
from bot.grants.fields import format_amount
from bot.grants.models import REVIEWABLE
from bot.grants.service import RoundFigures
from bot.i18n import t
from bot.web import charts
from bot.web.common import (
    in_db,
    language,
    render,
    require_municipality,
    services_of,
)
from bot.web.pages import interest_charts
from bot.web.pages.broadcasts import KINDS, tally_view
from bot.web.pages.meetings import upcoming_rows
from bot.web.pages.shared import zone_of

#: Rows in the overview's »Kommende møder og arrangementer« and »Seneste udsendelser« (each has
#: its own page with all of them).
OVERVIEW_ROWS = 5


async def _figures(request: Request, tid: int, slug: str) -> list[RoundFigures]:
    grants = services_of(request).grants
    return await in_db(request, lambda s: grants.round_figures(s, tid, slug))


def rounds_chart_of(rounds: list[RoundFigures], lang: str) -> charts.BarChart:
    """Amount applied for and granted per round, in thousands of kroner (øre / 100,000)."""
    return charts.BarChart.of(
        [figures.key for figures in rounds],
        [
            (t(lang, "web.overview.applied"), [f.applied / 100_000 for f in rounds]),
            (t(lang, "web.overview.granted"), [f.granted / 100_000 for f in rounds]),
        ],
        title=t(lang, "web.overview.chart_title"),
        unit=t(lang, "web.overview.chart_unit"),
    )


async def _coming_and_sent(
    request: Request, tid: int, slug: str, lang: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The next meetings (confirmed and waitlist counts) and the newest broadcasts (tallies)."""
    zone = zone_of(request, slug)
    now = services_of(request).clock()

    def load(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        meetings = upcoming_rows(session, tid, slug, zone, lang, now, OVERVIEW_ROWS)
        sent = broadcasts_of(session, tid, slug, limit=OVERVIEW_ROWS)
        return meetings, [tally_view(row, zone, lang) for row in sent]

    return await in_db(request, load)


async def overview(request: Request) -> Response:
    tid, slug = await require_municipality(request)
    rounds = await _figures(request, tid, slug)
    interests = await interest_charts.context(request, tid, slug)
    lang = language(request)
    meetings, broadcasts = await _coming_and_sent(request, tid, slug, lang)
    services = services_of(request)
    scheme = services.grants.scheme(slug)
    # The deadline ends at midnight on the municipality's wall clock, so »days left« and the
    # open round are counted in its calendar, as the chat does (`grants.screens.common.today_in`).
    today: date = services.clock().astimezone(ZoneInfo(zone_of(request, slug))).date()
    current = services.grants.current_round(scheme, today) if scheme else None
    days_left = (current.deadline - today).days if current and current.deadline else None
    rows: list[dict[str, Any]] = [
        {
            "key": figures.key,
            "count": figures.count,
            "by_status": [figures.by_status.get(s.value, 0) for s in REVIEWABLE],
            "applied": format_amount(figures.applied, lang),
            "granted": format_amount(figures.granted, lang),
        }
        for figures in reversed(rounds)
    ]
    return render(
        request,
        "overview.html",
        {
            "slug": slug,
            "municipality": services.directory.municipalities[slug].name,
            "rows": rows,
            "statuses": [s.value for s in REVIEWABLE],
            "current": current.key if current else None,
            "days_left": days_left,
            # The chart's URL names its numbers, so its request need not load them again.
            "rounds_chart": charts.offer(slug, "rounds", rounds_chart_of(rounds, lang)),
            "meetings": meetings,
            "broadcasts": broadcasts,
            "kinds": KINDS,
            **interests,
        },
    )


async def rounds_chart(request: Request) -> Response:
    """Amount applied for and granted per round (thousands of kroner), as SVG; 404 while there
    are no applications (the page says so instead of showing an empty chart)."""
    tid, slug = await require_municipality(request)
    asked = request.query_params.get("v", "")
    chart = charts.offered(slug, "rounds", asked)
    if chart is None:
        rounds = await _figures(request, tid, slug)
        if not rounds:
            raise HTTPException(404)
        chart = rounds_chart_of(rounds, language(request))
    return await charts.svg_response(chart, asked)
