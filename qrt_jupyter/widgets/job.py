"""``JobWidget``: the live view of one job.

The widget is a header (this ``anywidget.AnyWidget``, drawn by
``js/job.js``) plus plotly ``FigureWidget``s for interim results and the
final result. Displaying it displays :attr:`JobWidget.view`, an
``ipywidgets.VBox`` holding the header and whichever figures have data, so
``watch(job)`` returns one object that carries the contract's ``status`` and
``job_id`` traits and shows everything.

State comes from the job's :class:`~qrt_jupyter.monitor.JobMonitor`. The
monitor's listener only marks the widget dirty; the update pump calls
:meth:`JobWidget.flush`, the only method that writes traits and figures after
construction. For front ends without widgets the mime bundle also carries a
static HTML and text summary.
"""

from __future__ import annotations

import html
import logging
import threading
from datetime import datetime
from typing import Any

import anywidget
import ipywidgets
import traitlets as t

from ..monitor import JobMonitor, JobSnapshot, monitor_job
from ..status import ERROR, QUEUED
from ._assets import asset_path
from ._bundle import with_static_summaries
from .pump import UpdatePump, get_pump

log = logging.getLogger(__name__)

#: Only the tail of long logs is synced: the widget is a view, not an archive.
LOG_TAIL_CHARS = 20_000

#: New interim results between two flushes (0.1 s apart) that make a burst: 5,000 a second.
BURST_RESULTS = 500
#: How long a burst may hold back the interim plot, from the first interim result seen.
FIGURE_WAIT_SECONDS = 1.0


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


class JobWidget(anywidget.AnyWidget):
    """Live widget of one job (any kind ``monitor_job`` supports)."""

    _esm = asset_path("job.js")
    _css = asset_path("job.css")

    # the public contract
    job_id = t.Unicode("").tag(sync=True)
    status = t.Unicode(QUEUED).tag(sync=True)
    # the job will not change again; decided here so the front end holds no list of statuses
    final = t.Bool(False).tag(sync=True)
    # what the header shows
    program = t.Unicode(None, allow_none=True).tag(sync=True)
    backend = t.Unicode(None, allow_none=True).tag(sync=True)
    queue_position = t.Int(None, allow_none=True).tag(sync=True)
    created = t.Float(None, allow_none=True).tag(sync=True)  # epoch seconds
    started = t.Float(None, allow_none=True).tag(sync=True)
    finished = t.Float(None, allow_none=True).tag(sync=True)
    max_execution_time = t.Float(None, allow_none=True).tag(sync=True)
    session_id = t.Unicode(None, allow_none=True).tag(sync=True)
    interim_count = t.Int(0).tag(sync=True)
    error = t.Unicode(None, allow_none=True).tag(sync=True)
    logs = t.Unicode("").tag(sync=True)
    result_summary = t.Unicode("").tag(sync=True)
    cancellable = t.Bool(True).tag(sync=True)
    notice = t.Unicode("").tag(sync=True)

    def __init__(self, job: Any, pump: UpdatePump | None = None, **kwargs: Any):
        self.monitor: JobMonitor = monitor_job(job)
        snap = self.monitor.snapshot
        super().__init__(job_id=snap.job_id, status=snap.status, **kwargs)
        self._pump = pump or get_pump()
        self._flush_lock = threading.RLock()
        self._drawn_version = -1
        self._interim = None  # InterimPlot, created on the first interim result
        self._interims_seen = 0  # interim results in the last snapshot flushed
        self._first_interim_at: float | None = None  # the pump's clock when the first one was seen
        self._figure_waiting = False  # a burst holds the plot back: flush again even if unchanged
        self._closed = False
        self.result_figure: Any = None
        self._result_drawn = False
        self._displays: list[Any] = []  # DisplayHandles of _ipython_display_
        self._final_shown = False
        self.view = ipywidgets.VBox([self], layout=ipywidgets.Layout(width="100%"))
        self.on_msg(self._on_front_end_msg)
        self._unsubscribe = self.monitor.subscribe(self._on_change)
        self._pump.flush_now(self)  # first render synchronous: displayed state is current

    # -- producers' side: only mark dirty ----------------------------------
    def _on_change(self, _snapshot: JobSnapshot) -> None:
        self._pump.mark_dirty(self)

    # -- the pump's side -----------------------------------------------------
    def flush(self) -> None:
        """Apply the monitor's latest snapshot: traits in one message, figures by increments."""
        with self._flush_lock:
            snap = self.monitor.snapshot
            if snap.version == self._drawn_version and not self._figure_waiting:
                return
            self._drawn_version = snap.version
            with self.hold_sync():
                self._apply_traits(snap)
            self._draw_interims(snap)
            if snap.is_final and snap.has_result and not self._result_drawn:
                self._result_drawn = True
                self._draw_result(snap.result)
            if snap.is_final and self._displays and not self._final_shown:
                self._final_shown = True
                self._refresh_displays()

    def _apply_traits(self, snap: JobSnapshot) -> None:
        logs = snap.logs if snap.log_chunks else ""
        values = dict(
            job_id=snap.job_id,
            status=snap.status,
            final=snap.is_final,
            program=snap.program,
            backend=snap.backend,
            queue_position=snap.queue_position,
            created=_epoch(snap.created),
            started=_epoch(snap.started),
            finished=_epoch(snap.finished),
            max_execution_time=float(snap.max_execution_time) if snap.max_execution_time else None,
            session_id=snap.session_id,
            interim_count=len(snap.interim_results),
            error=snap.error or ((snap.reason or "The job failed.") if snap.status == ERROR else None),
            logs=logs[-LOG_TAIL_CHARS:],
            cancellable=not snap.is_final,
        )
        for name, value in values.items():
            if getattr(self, name) != value:  # unchanged traits send nothing
                setattr(self, name, value)

    def _draw_interims(self, snap: JobSnapshot) -> None:
        total = len(snap.interim_results)
        drawn = self._interim.drawn if self._interim is not None else 0
        arrived, self._interims_seen = total - self._interims_seen, total
        if total <= drawn:
            return
        if self._interim is None and self._burst_holds_plot(snap, arrived):
            return
        if self._interim is None:
            from .interim import InterimPlot

            self._interim = InterimPlot()  # FigureWidgets: they go into self.view
        created = self._interim.extend(snap.interim_results[drawn:total], drawn)
        if created:
            self.view.children = (*self.view.children, *created)

    def _burst_holds_plot(self, snap: JobSnapshot, arrived: int) -> bool:
        """Whether to wait with the first interim plot: a burst may be coming in.

        A new ``FigureWidget`` costs the kernel some 40 ms with the GIL held (plotly sends
        its 5 MB bundle with every figure), the time to record thousands of interim results:
        made in the middle of a burst it slows the job it shows (issue 17). So the plot
        is made one pump interval after the first interim result is seen, when the rate
        shows, and while results arrive at ``BURST_RESULTS`` an interval or faster the
        header counts them and the plot waits until they slow down, the job ends, or
        ``FIGURE_WAIT_SECONDS`` have passed since the first one. A program publishing a
        few results a second gets its plot a tenth of a second later than its first result.
        """
        now = self._pump.clock()
        first = self._first_interim_at is None
        if first:
            self._first_interim_at = now
        waiting = not snap.is_final and (
            first or (arrived >= BURST_RESULTS and now - self._first_interim_at < FIGURE_WAIT_SECONDS))
        self._figure_waiting = waiting
        if waiting and not self._closed:  # flushed again after the pump's interval, new results or not
            self._pump.mark_dirty(self)
        return waiting

    def _draw_result(self, result: Any) -> None:
        from .figures import result_figure, result_summary

        try:
            self.result_summary = result_summary(result)
            figure = result_figure(result)
        except Exception as exc:  # a result we can't picture is still a result
            log.debug("no figure for result of %s: %s", self.job_id, exc)
            return
        if figure is None:
            return
        import plotly.graph_objects as go

        figure = go.FigureWidget(figure)
        self.result_figure = figure
        self.view.children = (*self.view.children, figure)

    @property
    def interim_plot(self):
        """The :class:`~qrt_jupyter.widgets.interim.InterimPlot`, or None before any interim result."""
        return self._interim

    # -- user actions ------------------------------------------------------
    def _on_front_end_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "cancel":
            self.cancel()

    def cancel(self) -> None:
        """Cancel the job (the cancel button calls this). Failures show as a notice."""
        try:
            self.monitor.cancel()
        except Exception as exc:
            self.notice = f"Could not cancel: {exc}"
        self._pump.mark_dirty(self)

    def close(self) -> None:
        """Stop listening and close the figures and the box too (their comms go away)."""
        self._unsubscribe()
        with self._flush_lock:  # after a flush running now, which may have marked it again
            self._closed = True
            self._pump.forget(self)
            plot = self._interim
            for figure in (plot.lines, plot.counts) if plot is not None else ():
                if figure is not None:
                    figure.close()
            if self.result_figure is not None:
                self.result_figure.close()
            self.view.close()
        super().close()

    # -- display -----------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any):
        """The VBox of header and figures for widget front ends, plus static summaries for the
        rest: text, and HTML with the figures drawn as inline SVG (also ``image/svg+xml``), so
        an exported notebook shows the plots the user saw."""
        pictures = self.static_pictures()
        bundle = with_static_summaries(self.view._repr_mimebundle_(**kwargs), self.text_summary(),
                                       summary_html(self.monitor.snapshot, self.result_summary,
                                                    pictures))
        if pictures:
            from .static_svg import stacked

            bundle["image/svg+xml"] = stacked(pictures)
        return bundle

    def _ipython_display_(self) -> None:
        """Display with a display id, so the static part can be brought up to date when the
        job ends (see :meth:`_refresh_displays`): a notebook saved or executed headless then
        keeps the final pictures, not the state at display time. Outside a kernel (terminal
        IPython) IPython's usual formatting runs instead."""
        from IPython import get_ipython
        from IPython.display import display

        if getattr(get_ipython(), "kernel", None) is None:
            raise NotImplementedError  # IPython then formats the bundle as for any object
        handle = display(self._repr_mimebundle_(), raw=True, display_id=True)
        if handle is not None:
            self._displays.append(handle)

    def _refresh_displays(self) -> None:
        """Send the final bundle to every display of this widget (``update_display_data``)."""
        for handle in list(self._displays):
            try:
                handle.update(self._repr_mimebundle_(), raw=True)
            except Exception as exc:  # a display that went away is no reason to fail a flush
                log.debug("could not update a display of %s: %s", self.job_id, exc)

    def static_pictures(self) -> list[str]:
        """SVG charts of the interim results and the final result, from the monitor's data."""
        from .static_svg import job_pictures

        snap = self.monitor.snapshot
        try:
            return job_pictures(snap.interim_results, snap.result if snap.has_result else None)
        except Exception as exc:  # a result we can't picture is still a result
            log.debug("no static pictures for %s: %s", self.job_id, exc)
            return []

    def text_summary(self) -> str:
        snap = self.monitor.snapshot
        return summary_text(snap, self.result_summary)

    def html_summary(self) -> str:
        snap = self.monitor.snapshot
        return summary_html(snap, self.result_summary, self.static_pictures())


def _facts(snap: JobSnapshot) -> list[tuple[str, str]]:
    facts = []
    if snap.program:
        facts.append(("program", snap.program))
    if snap.backend:
        facts.append(("backend", snap.backend))
    if snap.queue_position is not None and not snap.is_final:
        facts.append(("queue position", str(snap.queue_position)))
    if snap.session_id:
        facts.append(("session", snap.session_id))
    elapsed = snap.elapsed()
    if elapsed is not None:
        limit = f" / {snap.max_execution_time:g} s limit" if snap.max_execution_time else ""
        facts.append(("elapsed", f"{elapsed:.1f} s{limit}"))
    if snap.interim_results:
        facts.append(("interim results", str(len(snap.interim_results))))
    return facts


def summary_text(snap: JobSnapshot, result_summary: str = "") -> str:
    """Plain-text summary of a job (terminal IPython, logs)."""
    lines = [f"Job {snap.job_id} [{snap.status}]"]
    lines += [f"  {name}: {value}" for name, value in _facts(snap)]
    if snap.error:
        lines.append(f"  error: {snap.error}")
    if result_summary:
        lines.append(f"  result: {result_summary}")
    return "\n".join(lines)


_STATUS_COLOURS = {"DONE": "#1a7f37", "ERROR": "#cf222e", "RUNNING": "#1f6feb", "CANCELLED": "#6e7781"}


def summary_html(snap: JobSnapshot, result_summary: str = "", pictures: Any = ()) -> str:
    """Static HTML summary of a job (nbconvert without widget state, other front ends), with
    ``pictures`` (SVG documents) inline below it."""
    colour = _STATUS_COLOURS.get(snap.status, "#8a6d00")
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(n)}</th>"
        f"<td>{html.escape(v)}</td></tr>"
        for n, v in _facts(snap)
    )
    parts = [
        "<div class='qrt-job-static'>",
        f"<span style='background:{colour};color:#fff;border-radius:10px;padding:1px 8px;"
        f"font-weight:600;font-size:11px'>{html.escape(snap.status)}</span> ",
        f"<code>{html.escape(snap.job_id)}</code>",
        f"<table>{rows}</table>" if rows else "",
    ]
    if snap.error:
        parts.append(f"<div style='color:#cf222e;white-space:pre-wrap'>{html.escape(snap.error)}</div>")
    if result_summary:
        parts.append(f"<div>{html.escape(result_summary)}</div>")
    parts.extend(f"<div class='qrt-job-picture'>{picture}</div>" for picture in pictures)
    parts.append("</div>")
    return "".join(parts)
