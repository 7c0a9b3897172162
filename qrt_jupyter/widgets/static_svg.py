"""The job widget's pictures as static SVG, for wherever the live figures cannot run.

An exported notebook (nbconvert's HTML without saved widget state, GitHub's viewer, a PDF)
shows a widget's static fallback, not its plotly ``FigureWidget``s; plotly's own static
export needs kaleido and a browser. So the same data the live figures draw (the readers
of :mod:`.figures`) is drawn here as small, self-contained SVG: no scripts, no external
references, text escaped. Pure Python: no plotly, no qiskit.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

from .figures import (
    MAX_SERIES,
    PALETTE,
    TOP_OUTCOMES,
    counts_bars,
    estimator_values,
    interim_points,
    quasi_distributions,
    top_outcomes,
)

WIDTH, HEIGHT = 640, 260
#: plot area inside the chart: left, top, right, bottom margins
MARGIN = (56, 34, 16, 56)
#: a line keeps at most this many points in the picture (the live plot keeps all)
MAX_POINTS = 400

_FONT = "font-family='sans-serif' font-size='11' fill='#333'"
_TITLE_FONT = "font-family='sans-serif' font-size='13' font-weight='600' fill='#333'"


def job_pictures(interim_results: Sequence[Any], result: Any = None,
                 top: int = TOP_OUTCOMES) -> list[str]:
    """SVG charts of a job, in the order the widget shows its figures: interim results
    (numbers against iteration, then the newest counts), then the final result."""
    pictures = []
    series, counts, counts_x = interim_points(interim_results)
    if series:
        pictures.append(lines_svg("Interim results", series))
    if counts:
        x, y = counts_bars(counts, top)
        title = f"Counts (iteration {counts_x})" if counts_x is not None else "Counts"
        pictures.append(bars_svg(title, [("counts", dict(zip(x, y)))], x, y_title="counts"))
    if result is not None:
        picture = result_svg(result, top)
        if picture:
            pictures.append(picture)
    return pictures


def result_svg(result: Any, top: int = TOP_OUTCOMES) -> str | None:
    """The final result's chart (quasi-distribution or expectation values), or None."""
    dists = quasi_distributions(result)
    if dists:
        keys, cut = top_outcomes(dists, top)
        groups = []
        for label, dist in dists:
            bars = {k: dist.get(k, 0.0) for k in keys}
            if cut:
                bars["other"] = sum(p for k, p in dist.items() if k not in set(keys))
            groups.append((label, bars))
        title = "Quasi-distribution" + (f" (top {top})" if cut else "")
        return bars_svg(title, groups, keys + (["other"] if cut else []),
                        y_title="quasi-probability")
    values = estimator_values(result)
    if values:
        return points_svg("Expectation values", *values)
    return None


# --------------------------------------------------------------------------- charts


class _Frame:
    """Maps data to the plot area and writes the axes; charts add their marks."""

    def __init__(self, title: str, y_low: float, y_high: float, y_title: str = ""):
        self.left, self.top = MARGIN[0], MARGIN[1]
        self.right, self.bottom = WIDTH - MARGIN[2], HEIGHT - MARGIN[3]
        self.ticks = _ticks(y_low, y_high)
        self.y_low, self.y_high = self.ticks[0], self.ticks[-1]
        self.parts = [
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}' "
            f"viewBox='0 0 {WIDTH} {HEIGHT}' role='img'>",
            f"<title>{_esc(title)}</title>",
            f"<rect width='{WIDTH}' height='{HEIGHT}' fill='#fff'/>",
            f"<text x='{self.left}' y='20' {_TITLE_FONT}>"
            f"{_esc(title)}</text>",
        ]
        for tick in self.ticks:
            y = self.y(tick)
            self.parts.append(f"<line x1='{self.left}' x2='{self.right}' y1='{y:.1f}' "
                              f"y2='{y:.1f}' stroke='#e5e5e5'/>")
            self.parts.append(f"<text x='{self.left - 6}' y='{y + 4:.1f}' text-anchor='end' "
                              f"{_FONT}>{_number(tick)}</text>")
        if y_title:
            middle = (self.top + self.bottom) / 2
            self.parts.append(f"<text transform='translate(12 {middle:.1f}) rotate(-90)' "
                              f"text-anchor='middle' {_FONT}>{_esc(y_title)}</text>")
        self.parts.append(f"<line x1='{self.left}' x2='{self.left}' y1='{self.top}' "
                          f"y2='{self.bottom}' stroke='#999'/>")

    def y(self, value: float) -> float:
        span = (self.y_high - self.y_low) or 1.0
        return self.bottom - (value - self.y_low) / span * (self.bottom - self.top)

    def x_label(self, x: float, text: str, rotate: bool) -> None:
        y = self.bottom + 14
        turn = f" transform='rotate(-40 {x:.1f} {y})'" if rotate else ""
        anchor = "end" if rotate else "middle"
        self.parts.append(f"<text x='{x:.1f}' y='{y}' text-anchor='{anchor}'{turn} {_FONT}>"
                          f"{_esc(text)}</text>")

    def legend(self, names: Sequence[str]) -> None:
        x = self.left + 200
        for i, name in enumerate(names[:MAX_SERIES]):
            colour = PALETTE[i % len(PALETTE)]
            self.parts.append(f"<rect x='{x}' y='11' width='10' height='10' fill='{colour}'/>")
            self.parts.append(f"<text x='{x + 14}' y='20' {_FONT}>{_esc(name)}</text>")
            x += 24 + 7 * len(name)

    def done(self) -> str:
        return "".join(self.parts) + "</svg>"


def bars_svg(title: str, groups: Sequence[tuple[str, Mapping[str, float]]],
             keys: Sequence[str], y_title: str = "") -> str:
    """Grouped bars: one group of bars per key, one colour per (label, values) group."""
    values = [v for _, bars in groups for v in bars.values()] or [0.0]
    frame = _Frame(title, min(0.0, min(values)), max(values), y_title)
    slot = (frame.right - frame.left) / max(len(keys), 1)
    width = slot * 0.8 / max(len(groups), 1)
    zero = frame.y(0.0)
    for k, key in enumerate(keys):
        start = frame.left + k * slot + slot * 0.1
        for g, (_, bars) in enumerate(groups):
            value = float(bars.get(key, 0.0))
            top, bottom = sorted((frame.y(value), zero))
            frame.parts.append(
                f"<rect x='{start + g * width:.1f}' y='{top:.1f}' width='{max(width - 1, 1):.1f}' "
                f"height='{max(bottom - top, 0.5):.1f}' fill='{PALETTE[g % len(PALETTE)]}'>"
                f"<title>{_esc(key)}: {_number(value)}</title></rect>")
        frame.x_label(start + slot * 0.4, key, rotate=len(keys) > 8 or len(key) > 6)
    if len(groups) > 1:
        frame.legend([label for label, _ in groups])
    return frame.done()


def points_svg(title: str, labels: Sequence[str], values: Sequence[float],
               errors: Sequence[float | None]) -> str:
    """Values as points with error bars (standard errors) where known."""
    lows = [v - (e or 0.0) for v, e in zip(values, errors)]
    highs = [v + (e or 0.0) for v, e in zip(values, errors)]
    frame = _Frame(title, min(lows + [0.0]), max(highs + [0.0]), "value")
    slot = (frame.right - frame.left) / max(len(values), 1)
    colour = PALETTE[0]
    for i, (label, value, error) in enumerate(zip(labels, values, errors)):
        x = frame.left + slot * (i + 0.5)
        if error:
            frame.parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{frame.y(value - error):.1f}' "
                               f"y2='{frame.y(value + error):.1f}' stroke='{colour}'/>")
        frame.parts.append(f"<circle cx='{x:.1f}' cy='{frame.y(value):.1f}' r='5' fill='{colour}'>"
                           f"<title>{_esc(label)}: {_number(value)}</title></circle>")
        frame.x_label(x, label, rotate=len(values) > 8)
    return frame.done()


def lines_svg(title: str, series: Mapping[str, tuple[Sequence[float], Sequence[float]]]) -> str:
    """Each series as a line against its x values (iterations)."""
    points = {name: _thin(list(zip(xs, ys))) for name, (xs, ys) in series.items() if xs}
    all_x = [x for pts in points.values() for x, _ in pts] or [0.0]
    all_y = [y for pts in points.values() for _, y in pts] or [0.0]
    frame = _Frame(title, min(all_y), max(all_y), "value")
    x_low, x_high = min(all_x), max(all_x)
    x_span = (x_high - x_low) or 1.0

    def sx(x: float) -> float:
        return frame.left + (x - x_low) / x_span * (frame.right - frame.left)

    for i, pts in enumerate(points.values()):
        colour = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{sx(x):.1f},{frame.y(y):.1f}" for x, y in pts)
        frame.parts.append(f"<polyline points='{path}' fill='none' stroke='{colour}' "
                           "stroke-width='1.5'/>")
    for x in _ticks(x_low, x_high, count=6):
        if x_low <= x <= x_high:
            frame.x_label(sx(x), _number(x), rotate=False)
    middle = (frame.left + frame.right) / 2
    frame.parts.append(f"<text x='{middle:.1f}' y='{HEIGHT - 12}' text-anchor='middle' "
                       f"{_FONT}>iteration</text>")
    if len(points) > 1:
        frame.legend(list(points))
    return frame.done()


def stacked(pictures: Sequence[str]) -> str:
    """Several charts as one SVG document, one under the other (for ``image/svg+xml``)."""
    body = "".join(f"<g transform='translate(0 {i * HEIGHT})'>{p}</g>"
                   for i, p in enumerate(pictures))
    height = HEIGHT * len(pictures)
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
            f"viewBox='0 0 {WIDTH} {height}'>{body}</svg>")


# --------------------------------------------------------------------------- helpers


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``[low, high]`` (1, 2 or 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks, value = [], first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks if len(ticks) > 1 else [first, first + step]


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """At most ``MAX_POINTS`` evenly spaced points, always keeping the last."""
    if len(points) <= MAX_POINTS:
        return points
    stride = math.ceil(len(points) / MAX_POINTS)
    return points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])


def _number(value: float) -> str:
    return f"{value:.4g}"


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)
