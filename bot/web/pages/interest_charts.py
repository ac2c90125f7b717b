"""Overblik's volunteer charts: interests per area and per town over the last 12 months
(`bot.matching.figures`), as SVG beside a table of the same numbers."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import t
from bot.matching.figures import InterestFigures, interest_figures
from bot.web import charts
from bot.web.common import language, require_municipality, services_of
from bot.web.pages.shared import serve

#: Towns shown in the chart (the table lists them all).
CHART_TOWNS = 12
TITLES = {"areas": "web.interests.chart_areas", "towns": "web.interests.chart_towns"}


async def figures(request: Request, tid: int, slug: str) -> InterestFigures:
    now = services_of(request).clock()
    return await serve(request, lambda session: interest_figures(session, tid, slug, now))


def chart_of(found: InterestFigures, which: str, lang: str) -> charts.BarChart | None:
    """Interests per area or (the `CHART_TOWNS` largest) town, or None when there are none."""
    if which == "areas":
        pairs = [(t(lang, f"matching.area.{a}"), n) for a, n in found.by_area]
    else:
        pairs = found.by_town[:CHART_TOWNS]
    if not pairs:
        return None  # nothing to draw: the page says »Ingen interesser endnu«
    return charts.BarChart.of(
        [name for name, _ in pairs],
        [(t(lang, "web.interests.count"), [n for _, n in pairs])],
        title=t(lang, TITLES[which]),
        unit=t(lang, "web.interests.count"),
        rotate=True,
        whole=True,
    )


async def context(request: Request, tid: int, slug: str) -> dict[str, Any]:
    """What the overview's template shows of interests: the two tables, and the two charts'
    digests (offered to their image requests, see `bot.web.charts.offer`)."""
    lang = language(request)
    found = await figures(request, tid, slug)
    digests = {}
    for which in TITLES:
        chart = chart_of(found, which, lang)
        digests[which] = charts.offer(slug, f"interests-{which}", chart) if chart else ""
    return {
        "interest_total": found.total,
        "interest_areas": [(t(lang, f"matching.area.{a}"), n) for a, n in found.by_area],
        "interest_towns": found.by_town,
        "interests_chart": digests,
    }


async def _chart(request: Request, which: str) -> Response:
    tid, slug = await require_municipality(request)
    asked = request.query_params.get("v", "")
    chart = charts.offered(slug, f"interests-{which}", asked)
    if chart is None:
        chart = chart_of(await figures(request, tid, slug), which, language(request))
    if chart is None:
        raise HTTPException(404)
    return await charts.svg_response(chart, asked)


async def areas_chart(request: Request) -> Response:
    return await _chart(request, "areas")


async def towns_chart(request: Request) -> Response:
    return await _chart(request, "towns")
