"""Live plots of interim results, drawn by increments.

A job may publish thousands of interim results; the pump flushes at most ten
times a second, and each flush must send only what is new. plotly's
``FigureWidget`` has no ``extendTraces``, so new points of a series go out
as a new *segment* trace (one ``addTraces`` message holding just those
points, starting at the series' previous last point so the line stays
joined, same colour, hidden from the legend). When a series has collected
``max_segments`` segments they are merged back into its first trace (one
``restyle`` + one ``deleteTraces``), which keeps the trace count and the
browser's work bounded while the common case stays incremental.

Numeric fields are lines against iteration; a ``counts`` dict is a histogram
that is replaced by the newest counts (a snapshot, not a history).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any

from .figures import (
    PALETTE,
    TOP_OUTCOMES,
    counts_bars,
    counts_layout,
    interim_points,
    lines_layout,
)


@functools.lru_cache(maxsize=None)
def _checked_layout(build: Callable[[], dict]) -> dict:
    """``build()`` as plotly validated it, once per process (see ``figure_widget_with_layout``)."""
    import plotly.graph_objects as go

    return go.Layout(build()).to_plotly_json()


def _array(values: Sequence[float]):
    """Points as a float64 numpy array: plotly validates and copies it in one step and sends
    it to the front end as one binary buffer, where a list costs a Python call per point in
    validation, in its deep copy and in the JSON of the message (10,000 interim results a
    second made that most of a watched job's kernel time)."""
    import numpy as np

    return np.asarray(values, dtype=float)


class _Series:
    """One named line. Traces are kept as the figure's own objects, not by ``uid``:
    ``FigureWidget`` gives every added trace a fresh uid of its own."""

    __slots__ = ("name", "color", "x", "y", "base", "segments")

    def __init__(self, name: str, color: str):
        self.name, self.color = name, color
        self.x: list[float] = []
        self.y: list[float] = []
        self.base: Any = None  # the series' first trace, which merging extends
        self.segments: list[Any] = []  # segment traces not yet merged


class InterimPlot:
    """Owns the lines figure and the counts figure of one job's interim results.

    ``figure_factory`` makes an empty figure from a layout dict: plotly's
    ``FigureWidget`` in the job widget, a plain ``go.Figure`` in tests.
    """

    def __init__(
        self,
        figure_factory: Callable[..., Any] | None = None,
        max_segments: int = 25,
        top: int = TOP_OUTCOMES,
    ):
        self._factory = figure_factory
        self.max_segments = max_segments
        self.top = top
        self.lines: Any = None
        self.counts: Any = None
        self.drawn = 0  # interim results consumed so far
        self._series: dict[str, _Series] = {}

    def _new_figure(self, layout: Callable[[], dict]):
        if self._factory is None:  # the job widget's FigureWidget, its layout checked once
            from .._compat import figure_widget_with_layout

            return figure_widget_with_layout(copy.deepcopy(_checked_layout(layout)))
        return self._factory(layout=layout())

    def extend(self, items: Sequence[Any], start_index: int | None = None) -> list[Any]:
        """Draw ``items`` (interim results number ``start_index`` on). Returns figures created now."""
        start = self.drawn if start_index is None else start_index
        created: list[Any] = []
        new_points, latest_counts, latest_x = interim_points(items, start, self._series.keys())
        self.drawn = start + len(items)
        if new_points:
            if self.lines is None:
                self.lines = self._new_figure(lines_layout)
                created.append(self.lines)
            self._extend_lines(new_points)
        if latest_counts is not None:
            if self.counts is None:
                self.counts = self._new_figure(counts_layout)
                created.append(self.counts)
            self._show_counts(latest_counts, latest_x)
        return created

    # -- lines ------------------------------------------------------------
    def _extend_lines(self, new_points: dict[str, tuple[list[float], list[float]]]) -> None:
        import plotly.graph_objects as go

        traces, owners = [], []
        for name, (xs, ys) in new_points.items():
            series = self._series.get(name)
            if series is None:
                series = _Series(name, PALETTE[len(self._series) % len(PALETTE)])
                self._series[name] = series
                traces.append(self._trace(go, series, xs, ys, first=True))
            else:
                traces.append(self._trace(go, series, [series.x[-1], *xs], [series.y[-1], *ys]))
            owners.append(series)
            series.x.extend(xs)
            series.y.extend(ys)
        self.lines.add_traces(traces)  # one addTraces message carrying only the new points
        for series, trace in zip(owners, self.lines.data[-len(traces):]):
            if series.base is None:
                series.base = trace
            else:
                series.segments.append(trace)
        if any(len(s.segments) >= self.max_segments for s in self._series.values()):
            self._merge_segments()

    @staticmethod
    def _trace(go, series: _Series, xs, ys, first: bool = False):
        return go.Scatter(
            x=_array(xs),
            y=_array(ys),
            name=series.name,
            legendgroup=series.name,
            showlegend=first,
            mode="lines+markers",
            line=dict(color=series.color),
            marker=dict(color=series.color, size=4),
        )

    def _merge_segments(self) -> None:
        """Fold every series' segments into its first trace: bounded trace count."""
        with self.lines.batch_update():
            for series in self._series.values():
                if series.segments:
                    series.base.x = _array(series.x)
                    series.base.y = _array(series.y)
        merged = {id(t) for s in self._series.values() for t in s.segments}
        self.lines.data = [t for t in self.lines.data if id(t) not in merged]
        for series in self._series.values():
            series.segments.clear()

    @property
    def trace_count(self) -> int:
        return len(self.lines.data) if self.lines is not None else 0

    def series_points(self, name: str) -> tuple[list[float], list[float]]:
        """All points of one series drawn so far (what the browser shows, joined)."""
        series = self._series[name]
        return list(series.x), list(series.y)

    # -- counts -----------------------------------------------------------
    def _show_counts(self, counts: dict[str, float], x: Any) -> None:
        import plotly.graph_objects as go

        bars_x, bars_y = counts_bars(counts, self.top)
        title = f"Counts (iteration {x})" if x is not None else "Counts"
        if not self.counts.data:
            self.counts.add_trace(go.Bar(x=bars_x, y=bars_y, marker_color=PALETTE[0]))
            self.counts.layout.title.text = title
            return
        with self.counts.batch_update():  # one update message: new bars and title together
            self.counts.data[0].x = bars_x
            self.counts.data[0].y = bars_y
            self.counts.layout.title.text = title
