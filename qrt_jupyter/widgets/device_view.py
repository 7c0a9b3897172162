"""What the details panel draws for one device: its coupling map as a figure, its error rates as HTML.

The facts come from the runtime (:func:`qrt_jupyter.runtime.device_details.device_details`,
the one reader of a device's ``Target``); this module only lays them out.
"""

from __future__ import annotations

import html

from ._tables import TABLE_CSS

__all__ = ["coupling_layout", "coupling_map_figure", "device_details_html"]


def _undirected(edges) -> list[tuple[int, int]]:
    return sorted({tuple(sorted((int(a), int(b)))) for a, b in edges or () if a != b})


def coupling_layout(num_qubits: int, edges) -> list[tuple[float, float]]:
    """2-D positions for the qubits of a coupling map, deterministic for a given map.

    A chain (every qubit coupled to at most two others, connected) is drawn as a
    line, as IBM draws its small linear devices; anything else with rustworkx's
    spring layout with a fixed random state (the same map is drawn alike every time).
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
