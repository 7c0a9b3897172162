"""The Backends tab's rows: one JSON-able dict per backend, the least busy marked, and their pictures.

Rows come from ``service.backends()`` read through the monitor's
:func:`~qrt_jupyter.monitor.backend_snapshot`, so a local ``LocalBackend`` and
an IBM backend look the same here. Pure functions: the tab
(:mod:`.backends_view`) and the dashboard's static summaries draw with them.
"""

from __future__ import annotations

import html

from ..monitor import backend_snapshot
from ._tables import TABLE_CSS

__all__ = [
    "backend_rows",
    "backends_html",
    "backends_text",
    "least_busy_name",
    "max_pending",
    "queue_bar",
    "queue_figure",
]

LEAST_BUSY_COLOR = "#2e7d32"
BUSY_COLOR = "#1565c0"
DOWN_COLOR = "#9e9e9e"


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

    fig = go.Figure(queue_bar(rows))
    fig.update_layout(
        title="Pending jobs per backend",
        height=320,
        margin=dict(l=40, r=10, t=40, b=110),
        xaxis=dict(tickangle=-60, tickfont=dict(size=10)),
        yaxis=dict(title="pending jobs", rangemode="tozero", dtick=1 if max_pending(rows) < 10 else None),
        showlegend=False,
    )
    return fig


def max_pending(rows) -> int:
    return max((r["pending_jobs"] for r in rows), default=0)


def queue_bar(rows: list[dict]) -> dict:
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
