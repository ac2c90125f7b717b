"""Charts for the dashboard, drawn on the server as SVG by matplotlib (readable without
JavaScript; each page shows the numbers as a table beside the chart).

Only matplotlib's object API is used (`Figure` with the SVG canvas, never `pyplot`), so charts
can be drawn from several worker threads at once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

COLOURS = ("#1f5fa8", "#7fb2e5", "#2e8b57")


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
    to whole numbers (counts)."""
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
    single day still shows. SVG bytes."""
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
