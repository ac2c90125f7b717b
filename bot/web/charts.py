"""Charts for the dashboard, drawn on the server as SVG by matplotlib (readable without
JavaScript; each page shows the numbers as a table beside the chart).

Only matplotlib's object API is used (`Figure` with the SVG canvas, never `pyplot`), so charts
can be drawn from several worker threads at once.

Drawing is the slow part (80–175 ms a chart, against a few ms for the query behind it), so each
chart is kept in a per-process LRU cache keyed by everything it is drawn from: the names, the
numbers, the title and the options. An unchanged chart is never drawn twice, and a changed number
is a new key, so nothing has to be invalidated. That is also why it is safe with several workers
(webhook workers, threads): a cached SVG is a pure function of its key, so two processes can
only hold the same drawing for the same numbers; at worst each draws it once.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

COLOURS = ("#1f5fa8", "#7fb2e5", "#2e8b57")
#: Charts kept per process and kind (an SVG is 20–60 kB: at most a few MB in all).
CACHED_CHARTS = 128
#: Charts a page has offered, by digest (what they are drawn from: small).
OFFERED_CHARTS = 1024

Series = tuple[tuple[str, tuple[float, ...]], ...]


def _frozen(series: Sequence[tuple[str, Sequence[float]]]) -> Series:
    """The series as a hashable cache key (the numbers themselves, not a reference to them)."""
    return tuple((name, tuple(float(v) for v in values)) for name, values in series)


def bar_chart_svg(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    unit: str = "",
    rotate: bool = False,
    whole: bool = False,
) -> bytes:
    """Grouped bars: one group per category, one bar per (name, values) series. SVG bytes.
    `rotate` slants the category names (long names: areas, towns); `whole` keeps the value axis
    to whole numbers (counts). Drawn once per distinct input (see the module's cache)."""
    return _bar_chart(tuple(categories), _frozen(series), title, unit, rotate, whole)


@lru_cache(maxsize=CACHED_CHARTS)
def _bar_chart(
    categories: tuple[str, ...], series: Series, title: str, unit: str, rotate: bool, whole: bool
) -> bytes:
    figure = Figure(figsize=(7.0, 3.2), dpi=100)
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    count = max(len(series), 1)
    width = 0.8 / count
    positions = list(range(len(categories)))
    for index, (name, values) in enumerate(series):
        offset = (index - (count - 1) / 2) * width
        axes.bar(
            [p + offset for p in positions],
            list(values),
            width,
            label=name,
            color=COLOURS[index % len(COLOURS)],
        )
    axes.set_xticks(positions, list(categories))
    if whole:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if rotate:
        axes.tick_params(axis="x", labelrotation=35, labelsize=8)
        for label in axes.get_xticklabels():
            label.set_horizontalalignment("right")
    axes.set_title(title, loc="left", fontsize=11)
    if unit:
        axes.set_ylabel(unit)
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def line_chart_svg(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    unit: str = "",
) -> bytes:
    """Lines over the categories (days …), one per (name, values) series, with markers so a
    single day still shows. SVG bytes, drawn once per distinct input (see the module's cache)."""
    return _line_chart(tuple(categories), _frozen(series), title, unit)


@lru_cache(maxsize=CACHED_CHARTS)
def _line_chart(categories: tuple[str, ...], series: Series, title: str, unit: str) -> bytes:
    figure = Figure(figsize=(7.0, 3.2), dpi=100)
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    positions = list(range(len(categories)))
    for index, (name, values) in enumerate(series):
        axes.plot(
            positions, list(values), marker="o", label=name, color=COLOURS[index % len(COLOURS)]
        )
    step = max(1, len(categories) // 10)  # at most about ten labels: they must stay readable
    axes.set_xticks(positions[::step], list(categories)[::step])
    axes.set_title(title, loc="left", fontsize=11)
    if unit:
        axes.set_ylabel(unit)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of people
    axes.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def clear_cache() -> None:
    """Forget every drawn and offered chart (benchmarks measure a first visit with it)."""
    _bar_chart.cache_clear()
    _line_chart.cache_clear()
    with _offered_lock:
        _offered.clear()


def cached_charts() -> int:
    """How many charts this process has drawn and kept (tests check a chart is drawn once)."""
    return _bar_chart.cache_info().currsize + _line_chart.cache_info().currsize


@dataclass(frozen=True)
class BarChart:
    """Everything one bar chart is drawn from (`bar_chart_svg`'s arguments), hashable."""

    categories: tuple[str, ...]
    series: Series
    title: str
    unit: str = ""
    rotate: bool = False
    whole: bool = False

    @classmethod
    def of(
        cls,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float]]],
        **options: str | bool,
    ) -> BarChart:
        return cls(tuple(categories), _frozen(series), **options)  # type: ignore[arg-type]

    @property
    def digest(self) -> str:
        """A name for exactly these numbers and words (hex, 20 characters)."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:20]

    def svg(self) -> bytes:
        return _bar_chart(
            self.categories, self.series, self.title, self.unit, self.rotate, self.whole
        )


# A page that has loaded a chart's numbers offers the chart under its digest, and puts the
# digest in the chart's URL: the chart's own request then needs no second query (the overview's
# were half its time), and the browser may keep it, since other numbers are another URL. A
# digest this process does not know (another worker, or forgotten) is answered by loading the
# numbers again, so several workers only cost a query, never a wrong chart.
_offered: OrderedDict[tuple[str, str, str], BarChart] = OrderedDict()
_offered_lock = threading.Lock()


def offer(municipality: str, name: str, chart: BarChart) -> str:
    """Keep `chart` as `name` of `municipality` (a slug) for its image request; its digest."""
    digest = chart.digest
    with _offered_lock:
        _offered[(municipality, name, digest)] = chart
        _offered.move_to_end((municipality, name, digest))
        while len(_offered) > OFFERED_CHARTS:
            _offered.popitem(last=False)
    return digest


def offered(municipality: str, name: str, digest: str) -> BarChart | None:
    """The chart a page of `municipality` offered under `digest`, or None. The caller has
    checked the staff role for `municipality` (the key holds it: no other municipality's)."""
    with _offered_lock:
        return _offered.get((municipality, name, digest))


async def svg_response(chart: BarChart, asked: str) -> Response:
    """`chart` as SVG, drawn in a worker thread unless cached. When the URL's digest (`asked`)
    names exactly this chart the browser may keep it for a day: new numbers are a new URL."""
    body = await run_in_threadpool(chart.svg)
    private = {"Cache-Control": "private, max-age=86400"} if asked == chart.digest else None
    return Response(body, media_type="image/svg+xml", headers=private)
