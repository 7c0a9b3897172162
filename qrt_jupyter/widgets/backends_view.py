"""The dashboard's Backends tab: queues, state, and one device's coupling map and errors.

Pure parts first (rows, figures, HTML), the view last. Rows come from
``service.backends()`` read through the monitor's :func:`backend_snapshot`, so a
local ``LocalBackend`` and an IBM backend look the same here.

Device details are the expensive part: they need the real qiskit backend object
(a fake device takes about a second to build). They are therefore loaded only
for the one backend the user selects, on a short-lived daemon thread, and drawn
through the update pump like every other change; the kernel never waits for
them.
"""

from __future__ import annotations

import html
import math
import threading
from typing import Any

from ..monitor import backend_snapshot
from ._tables import TABLE_CSS
from .pump import get_pump

__all__ = [
    "BackendsView",
    "backend_rows",
    "least_busy_name",
    "backends_html",
    "backends_text",
    "coupling_layout",
    "coupling_map_figure",
    "device_details",
    "device_details_html",
    "queue_figure",
]

LEAST_BUSY_COLOR = "#2e7d32"
BUSY_COLOR = "#1565c0"
DOWN_COLOR = "#9e9e9e"
TWO_QUBIT_GATES = ("ecr", "cz", "cx")


# -- rows ------------------------------------------------------------------------


def backend_rows(backends, least_busy: str | None = None) -> list[dict]:
    """One JSON-able dict per backend, the least busy one marked.

    ``least_busy`` is the name the service itself gives (``service.least_busy()``),
    so the mark shows where a job without a backend will really go (the local
    runtime weighs queues by each backend's concurrency). Without it,
    ``qiskit_ibm_runtime``'s rule: the operational backend with the fewest
    pending jobs, the first one in the service's order on a tie.
    """
    rows = []
    for backend in backends:
        snap = backend_snapshot(backend)
        rows.append(
            {
                "name": snap.name,
                "num_qubits": snap.num_qubits,
                "operational": snap.operational,
                "pending_jobs": snap.pending_jobs,
                "simulator": snap.simulator,
                "status_msg": snap.status_msg or "",
                "least_busy": False,
            }
        )
    marked = [r for r in rows if r["name"] == least_busy]
    if not marked:
        candidates = [r for r in rows if r["operational"]]
        marked = [min(candidates, key=lambda r: r["pending_jobs"])] if candidates else []
    for row in marked[:1]:
        row["least_busy"] = True
    return rows


def least_busy_name(service) -> str | None:
    """The name of ``service.least_busy()``, or None if the service cannot say."""
    finder = getattr(service, "least_busy", None)
    if not callable(finder):
        return None
    try:
        return backend_snapshot(finder()).name
    except Exception:  # no backend at all, or a service that cannot tell right now
        return None


def queue_figure(rows: list[dict]):
    """Queue lengths as bars: the least busy backend green, those down grey."""
    import plotly.graph_objects as go

    fig = go.Figure(_queue_bar(rows))
    fig.update_layout(
        title="Pending jobs per backend",
        height=320,
        margin=dict(l=40, r=10, t=40, b=110),
        xaxis=dict(tickangle=-60, tickfont=dict(size=10)),
        yaxis=dict(title="pending jobs", rangemode="tozero", dtick=1 if _max_pending(rows) < 10 else None),
        showlegend=False,
    )
    return fig


def _max_pending(rows):
    return max((r["pending_jobs"] for r in rows), default=0)


def _queue_bar(rows: list[dict]) -> dict:
    """The bar trace's data as a dict, so a ``FigureWidget`` can be updated in place."""
    colors = [
        LEAST_BUSY_COLOR if r["least_busy"] else BUSY_COLOR if r["operational"] else DOWN_COLOR for r in rows
    ]
    hover = [
        f"{r['name']}<br>{r['num_qubits']} qubits<br>{r['pending_jobs']} pending"
        + ("<br><b>least busy</b>" if r["least_busy"] else "")
        + ("" if r["operational"] else "<br>not operational")
        for r in rows
    ]
    return {
        "type": "bar",
        "x": [r["name"] for r in rows],
        "y": [r["pending_jobs"] for r in rows],
        "marker": {"color": colors},
        "hovertext": hover,
        "hoverinfo": "text",
    }


def backends_html(rows: list[dict]) -> str:
    """A plain HTML table of the backends (static summary and the tab's table)."""
    head = "<tr><th>Backend</th><th>Qubits</th><th>Operational</th><th>Pending jobs</th><th></th></tr>"
    body = []
    for r in rows:
        mark = "<b style='color:%s'>★ least busy</b>" % LEAST_BUSY_COLOR if r["least_busy"] else ""
        state = "yes" if r["operational"] else "<span style='color:#c62828'>no</span>"
        body.append(
            f"<tr><td>{html.escape(r['name'])}{' (simulator)' if r.get('simulator') else ''}</td>"
            f"<td>{r['num_qubits'] if r['num_qubits'] is not None else ''}</td><td>{state}</td>"
            f"<td>{r['pending_jobs']}</td><td>{mark}</td></tr>"
        )
    return f"{TABLE_CSS}<table class='qrt-table qrt-backends'>{head}{''.join(body)}</table>"


def backends_text(rows: list[dict]) -> str:
    lines = [f"{'backend':<28} {'qubits':>6} {'up':>3} {'pending':>7}"]
    for r in rows:
        lines.append(
            f"{r['name']:<28} {r['num_qubits'] if r['num_qubits'] is not None else '':>6} "
            f"{'yes' if r['operational'] else 'no':>3} {r['pending_jobs']:>7}"
            + ("  * least busy" if r["least_busy"] else "")
        )
    return "\n".join(lines)


# -- one device's details ------------------------------------------------------------


def _target_of(backend: Any):
    """The qiskit ``Target`` behind a backend object, if it has one.

    Our ``LocalBackend`` exposes the real object as ``qiskit_backend``; IBM and
    other qiskit ``BackendV2`` objects have ``target`` themselves.
    """
    target = getattr(backend, "target", None)
    if target is None:
        real = getattr(backend, "qiskit_backend", None)
        target = getattr(real, "target", None)
    return target


def device_details(backend: Any) -> dict:
    """Everything the details panel draws, as plain data (slow: may build the device).

    Starts from the backend's own ``details()`` when it has one (medians, basis
    gates, coupling map) and adds the per-qubit and per-edge figures read from its
    qiskit ``Target``: T1/T2, readout and single-qubit (``sx``) errors per qubit,
    two-qubit gate error per coupled pair.
    """
    details: dict = {}
    own = getattr(backend, "details", None)
    if callable(own):
        details.update(own() or {})
    snap = backend_snapshot(backend)
    details.setdefault("name", snap.name)
    details.setdefault("num_qubits", snap.num_qubits)
    target = _target_of(backend)
    n = details.get("num_qubits") or 0
    qubits = [{"qubit": q, "t1": None, "t2": None, "readout_error": None, "sx_error": None} for q in range(n)]
    edges: dict = {}
    if target is not None:
        n = min(n, target.num_qubits or n) if n else (target.num_qubits or 0)
        qubits = qubits[:n] or [
            {"qubit": q, "t1": None, "t2": None, "readout_error": None, "sx_error": None} for q in range(n)
        ]
        for q, props in enumerate(list(target.qubit_properties or [])[:n]):
            if props is not None:
                qubits[q]["t1"] = getattr(props, "t1", None)
                qubits[q]["t2"] = getattr(props, "t2", None)
        for op, key in (("measure", "readout_error"), ("sx", "sx_error")):
            for qargs, props in _instruction_props(target, op):
                if len(qargs) == 1 and qargs[0] < n and props is not None and props.error is not None:
                    qubits[qargs[0]][key] = props.error
        gate = details.get("two_qubit_gate") or next(
            (g for g in TWO_QUBIT_GATES if g in target.operation_names), None
        )
        details["two_qubit_gate"] = gate
        for qargs, props in _instruction_props(target, gate):
            if len(qargs) == 2 and props is not None and props.error is not None:
                edges[tuple(sorted(qargs))] = min(props.error, edges.get(tuple(sorted(qargs)), math.inf))
        if details.get("coupling_map") is None and not details.get("simulator"):
            try:
                cmap = target.build_coupling_map()
                details["coupling_map"] = [list(e) for e in cmap.get_edges()] if cmap else None
            except Exception:
                pass
    details["qubits"] = qubits
    details["edge_errors"] = [[a, b, e] for (a, b), e in sorted(edges.items())]
    return details


def _instruction_props(target, op):
    if not op or op not in target.operation_names:
        return []
    try:
        return list((target[op] or {}).items())
    except Exception:
        return []


def _undirected(edges) -> list[tuple[int, int]]:
    return sorted({tuple(sorted((int(a), int(b)))) for a, b in edges or () if a != b})


def coupling_layout(num_qubits: int, edges) -> list[tuple[float, float]]:
    """2-D positions for the qubits of a coupling map, deterministic for a given map.

    A chain (every qubit coupled to at most two others, connected) is drawn as a
    line, as IBM draws its small linear devices; anything else with rustworkx's
    spring layout from a fixed seed.
    """
    pairs = _undirected(edges)
    if num_qubits <= 0:
        return []
    degree = [0] * num_qubits
    for a, b in pairs:
        degree[a] += 1
        degree[b] += 1
    if pairs and max(degree) <= 2 and len(pairs) == num_qubits - 1:
        start = next((q for q in range(num_qubits) if degree[q] == 1), 0)
        neighbours = {q: [] for q in range(num_qubits)}
        for a, b in pairs:
            neighbours[a].append(b)
            neighbours[b].append(a)
        order, prev, cur = [start], None, start
        while len(order) < num_qubits:
            nxt = [q for q in neighbours[cur] if q != prev]
            if not nxt:
                break
            prev, cur = cur, nxt[0]
            order.append(cur)
        if len(order) == num_qubits:
            pos = [(0.0, 0.0)] * num_qubits
            for i, q in enumerate(order):
                pos[q] = (float(i), 0.0)
            return pos
    import rustworkx as rx

    graph = rx.PyGraph()
    graph.add_nodes_from(range(num_qubits))
    graph.add_edges_from_no_data(pairs)
    layout = rx.spring_layout(graph, seed=7, num_iter=200)
    return [tuple(map(float, layout[q])) for q in range(num_qubits)]


def coupling_map_figure(details: dict):
    """The coupling map: qubits coloured by readout error, couplers by two-qubit error.

    Three traces always (couplers as lines, coupler error markers at the middle of
    each line, qubits), so a ``FigureWidget`` can be updated in place when another
    backend is selected. ``None`` for a device without a coupling map (a
    simulator coupling every qubit to every other).
    """
    import plotly.graph_objects as go

    edges = details.get("coupling_map")
    n = int(details.get("num_qubits") or 0)
    if not edges or not n:
        return None
    pos = coupling_layout(n, edges)
    pairs = _undirected(edges)
    line_x, line_y, mid_x, mid_y, mid_err, mid_text = [], [], [], [], [], []
    edge_error = {(a, b): e for a, b, e in details.get("edge_errors") or ()}
    for a, b in pairs:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        line_x += [xa, xb, None]
        line_y += [ya, yb, None]
        err = edge_error.get((a, b))
        mid_x.append((xa + xb) / 2)
        mid_y.append((ya + yb) / 2)
        mid_err.append(err)
        gate = details.get("two_qubit_gate") or "2q"
        mid_text.append(f"{a}–{b}<br>{gate} error: {_fmt(err)}")
    qubits = details.get("qubits") or [{"qubit": q} for q in range(n)]
    readout = [q.get("readout_error") for q in qubits]
    q_text = [
        f"qubit {q['qubit']}<br>readout error: {_fmt(q.get('readout_error'))}"
        f"<br>sx error: {_fmt(q.get('sx_error'))}<br>T1: {_us(q.get('t1'))}<br>T2: {_us(q.get('t2'))}"
        for q in qubits
    ]
    fig = go.Figure(
        [
            go.Scatter(x=line_x, y=line_y, mode="lines", line=dict(color="#b0bec5", width=3), hoverinfo="skip"),
            go.Scatter(
                x=mid_x,
                y=mid_y,
                mode="markers",
                marker=dict(
                    size=9,
                    symbol="square",
                    color=[e if e is not None else 0 for e in mid_err],
                    colorscale="Oranges",
                    showscale=False,
                ),
                hovertext=mid_text,
                hoverinfo="text",
            ),
            go.Scatter(
                x=[p[0] for p in pos],
                y=[p[1] for p in pos],
                mode="markers+text",
                text=[str(q) for q in range(n)],
                textfont=dict(color="white", size=10),
                marker=dict(
                    size=22 if n <= 30 else 12,
                    color=[r if r is not None else 0 for r in readout],
                    colorscale="Viridis",
                    showscale=any(r is not None for r in readout),
                    colorbar=dict(title="readout<br>error", thickness=12),
                ),
                hovertext=q_text,
                hoverinfo="text",
            ),
        ]
    )
    fig.update_layout(
        title=f"{details.get('name', '')}: coupling map",
        height=360 if n <= 30 else 560,
        showlegend=False,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(visible=False),
        yaxis=dict(visible=False, scaleanchor="x"),
        plot_bgcolor="white",
    )
    return fig


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.2e}" if value < 1e-3 else f"{value:.4f}"


def _us(seconds) -> str:
    return "—" if seconds is None else f"{seconds * 1e6:.1f} µs"


def device_details_html(details: dict) -> str:
    """Summary and per-qubit error rates of one device, as HTML."""
    name = html.escape(str(details.get("name", "")))
    summary = [
        ("Qubits", details.get("num_qubits")),
        ("Simulator", "yes" if details.get("simulator") else "no"),
        ("Basis gates", ", ".join(details.get("basis_gates") or []) if not details.get("simulator") else "all of Aer's"),
        ("Two-qubit gate", details.get("two_qubit_gate") or "—"),
        ("Median T1", _us(details.get("t1_median"))),
        ("Median T2", _us(details.get("t2_median"))),
        ("Median readout error", _fmt(details.get("readout_error_median"))),
        ("Median two-qubit error", _fmt(details.get("two_qubit_error_median"))),
    ]
    rows = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in summary)
    parts = [f"{TABLE_CSS}<h4 style='margin:4px 0'>{name}</h4><table class='qrt-table'>{rows}</table>"]
    if details.get("simulator") and not details.get("coupling_map"):
        parts.append("<p>Ideal simulator: every qubit coupled to every other, no errors.</p>")
    qubits = [q for q in details.get("qubits") or () if any(q.get(k) is not None for k in ("t1", "readout_error"))]
    if qubits:
        head = "<tr><th>Qubit</th><th>T1</th><th>T2</th><th>Readout error</th><th>sx error</th></tr>"
        body = "".join(
            f"<tr><td>{q['qubit']}</td><td>{_us(q.get('t1'))}</td><td>{_us(q.get('t2'))}</td>"
            f"<td>{_fmt(q.get('readout_error'))}</td><td>{_fmt(q.get('sx_error'))}</td></tr>"
            for q in qubits
        )
        parts.append(f"<div style='max-height:260px;overflow:auto'><table class='qrt-table'>{head}{body}</table></div>")
    edges = details.get("edge_errors") or []
    if edges:
        gate = html.escape(details.get("two_qubit_gate") or "two-qubit")
        body = "".join(f"<tr><td>{a}–{b}</td><td>{_fmt(e)}</td></tr>" for a, b, e in edges)
        parts.append(
            f"<div style='max-height:200px;overflow:auto'><table class='qrt-table'><tr><th>Pair</th><th>{gate} error</th></tr>"
            f"{body}</table></div>"
        )
    return "".join(parts)


# -- the view ----------------------------------------------------------------------------


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
            details = device_details(self._backend(name))
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
        bar = _queue_bar(rows)
        if self.queue_plot is None:
            import plotly.graph_objects as go

            self.queue_plot = go.FigureWidget(queue_figure(rows))
            self.plot_box.children = [self.queue_plot]
        with self.queue_plot.batch_update():
            trace = self.queue_plot.data[0]
            trace.x, trace.y = bar["x"], bar["y"]
            trace.marker.color = bar["marker"]["color"]
            trace.hovertext = bar["hovertext"]
            self.queue_plot.layout.yaxis.dtick = 1 if _max_pending(rows) < 10 else None
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
