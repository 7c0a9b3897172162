"""The dashboard's Backends tab: queues, state, and one device's coupling map and errors.

Rows and the queue figure are :mod:`.backend_rows`, the details panel
:mod:`.device_view`; the facts of a device are computed by the runtime
(:func:`qrt_jupyter.runtime.device_details.device_details`). They are the
expensive part: they need the real qiskit backend object (building a fake
device takes a while). They are therefore loaded only for the one backend the
user selects, on a short-lived daemon thread, and drawn through the update pump
like every other change; the kernel never waits for them.
"""

from __future__ import annotations

import html
import threading
from typing import Any

from ..monitor import backend_snapshot
from .backend_rows import backend_rows, backends_html, least_busy_name, max_pending, queue_bar, queue_figure
from .device_view import coupling_map_figure, device_details_html
from .pump import get_pump

__all__ = ["BackendsView", "details_of_backend"]


def details_of_backend(backend: Any) -> dict:
    """The runtime's facts about one device (slow: may build it).

    A backend that computes its own (our ``LocalBackend`` caches them) is asked;
    any other (an IBM handle, a qiskit ``BackendV2``) is read by the runtime's
    one ``Target`` reader.
    """
    own = getattr(backend, "details", None)
    if callable(own):
        return dict(own())
    from ..runtime.device_details import device_details

    return device_details(backend)


class BackendsView:
    """The Backends tab. A pump target: ``flush()`` re-reads the backends and redraws.

    Marked dirty by the dashboard on ``backends`` events (queue lengths changed)
    and when a selected backend's details have been loaded.
    """

    def __init__(self, service: Any, pump=None):
        import ipywidgets as w

        self.service = service
        self.pump = pump or get_pump()
        self.rows: list[dict] = []
        self._lock = threading.RLock()
        self._details: dict[str, dict] = {}  # backend name -> loaded details
        self._loading: set[str] = set()
        self._drawn_details: str | None = None
        self._selected: str | None = None
        self._syncing = False
        self.error = ""

        # plotly's FigureWidget costs a second or two to import: made on the first flush,
        # i.e. when the tab is first shown, so opening the dashboard does not pay for it
        self.queue_plot = None
        self.plot_box = w.VBox([])
        self.table = w.HTML()
        self.select = w.Dropdown(description="Details of", options=[], value=None)
        self.select.observe(self._on_select, "value")
        self.details_html = w.HTML("<i>Select a backend to see its coupling map and error rates.</i>")
        self.coupling_box = w.VBox([])
        self.widget = w.VBox(
            [
                self.plot_box,
                w.HBox([w.VBox([self.table], layout=w.Layout(max_height="320px", overflow="auto", min_width="380px"))]),
                self.select,
                w.HBox([self.coupling_box, self.details_html]),
            ]
        )

    # -- reading --------------------------------------------------------------
    def read(self) -> list[dict]:
        try:
            rows = backend_rows(self.service.backends(), least_busy_name(self.service))
            self.error = ""
        except Exception as exc:  # a service that cannot list backends right now
            rows, self.error = [], f"{type(exc).__name__}: {exc}"
        return rows

    def _backend(self, name: str):
        for backend in self.service.backends():
            if backend_snapshot(backend).name == name:
                return backend
        raise KeyError(name)

    # -- selection: load details off the kernel thread ----------------------------------
    def _on_select(self, change) -> None:
        if self._syncing:  # our own redraw of the drop-down, not the user
            return
        if change["new"]:
            self.select_backend(change["new"])

    def select_backend(self, name: str, wait: bool = False) -> None:
        """Show ``name``'s details; loads them on a daemon thread unless cached.

        ``wait=True`` loads on the calling thread (scripts, tests). The drop-down
        and panel are redrawn by the pump like every other change.
        """
        with self._lock:
            self._selected = name
            start = name not in self._details and name not in self._loading
            if start:
                self._loading.add(name)
        if start:
            if wait:
                self._load(name)
            else:
                threading.Thread(target=self._load, args=(name,), name="qrt-backend-details", daemon=True).start()
        self.pump.mark_dirty(self)

    def _load(self, name: str) -> None:
        try:
            details = details_of_backend(self._backend(name))
        except Exception as exc:
            details = {"name": name, "error": f"{type(exc).__name__}: {exc}"}
        with self._lock:
            self._details[name] = details
            self._loading.discard(name)
        self.pump.mark_dirty(self)

    def details_of(self, name: str) -> dict | None:
        with self._lock:
            return self._details.get(name)

    # -- drawing (pump thread or flush_now) -------------------------------------------
    def flush(self) -> None:
        rows = self.read()
        with self._lock:
            self.rows = rows
            selected = self._selected
            details = self._details.get(selected) if selected else None
            loading = selected in self._loading
        bar = queue_bar(rows)
        if self.queue_plot is None:
            import plotly.graph_objects as go

            self.queue_plot = go.FigureWidget(queue_figure(rows))
            self.plot_box.children = [self.queue_plot]
        with self.queue_plot.batch_update():
            trace = self.queue_plot.data[0]
            trace.x, trace.y = bar["x"], bar["y"]
            trace.marker.color = bar["marker"]["color"]
            trace.hovertext = bar["hovertext"]
            self.queue_plot.layout.yaxis.dtick = 1 if max_pending(rows) < 10 else None
        table = backends_html(rows)
        if self.error:
            table = f"<div style='color:#c62828'>{html.escape(self.error)}</div>" + table
        self.table.value = table
        names = [r["name"] for r in rows]
        if list(self.select.options) != names or self.select.value != selected:
            self._syncing = True
            try:
                with self.select.hold_sync():
                    if list(self.select.options) != names:
                        self.select.options = names
                    self.select.value = selected if selected in names else None
            finally:
                self._syncing = False
        if selected and details is None and loading:
            self.details_html.value = f"<i>Loading details of {html.escape(selected)}…</i>"
        elif details is not None and self._drawn_details != selected:
            self._draw_details(details)
            self._drawn_details = selected

    def _draw_details(self, details: dict) -> None:
        import plotly.graph_objects as go

        if details.get("error"):
            self.details_html.value = f"<span style='color:#c62828'>{html.escape(details['error'])}</span>"
            self.coupling_box.children = []
            return
        self.details_html.value = device_details_html(details)
        fig = coupling_map_figure(details)
        self.coupling_box.children = [go.FigureWidget(fig)] if fig is not None else []

    def close(self) -> None:
        self.pump.forget(self)
