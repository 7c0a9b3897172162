"""Pure plotly figure builders for job results and interim results.

Everything here is a function of a value: no widgets, no jobs, no threads,
so each figure is tested headless from real qiskit result objects. plotly is
imported inside the builders, never at module import, so watching a job does
not pay for plotly until there is something to draw.

The readers (``quasi_distributions``, ``estimator_values``) are duck-typed
on the result's shape rather than on its class, so the old ``IBMRuntimeService`` API's V1 results
(``SamplerResult``, ``EstimatorResult``), the V2 ``PrimitiveResult``, a qiskit
``Result`` (circuit-runner) and their undecoded JSON dicts all work without
importing qiskit here.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from typing import Any

#: How many outcomes a quasi-distribution bar chart shows; the rest are summed as "other".
TOP_OUTCOMES = 16

#: plotly's default qualitative palette, named so segments of one series share a colour.
PALETTE = (
    "#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A",
    "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52",
)


# ---------------------------------------------------------------------------
# reading results


def _bitstring(key: Any, width: int) -> str:
    if isinstance(key, str):
        if key.startswith("0x"):
            return format(int(key, 16), f"0{width}b")
        return key
    return format(int(key), f"0{width}b")


def _key_width(key: Any) -> int:
    if isinstance(key, str):
        return int(key, 16).bit_length() if key.startswith("0x") else len(key)
    return int(key).bit_length()


def _normalize(dist: Mapping[Any, float]) -> dict[str, float]:
    """Keys as bitstrings of one width; values as probabilities (counts are divided by their sum)."""
    if not dist:
        return {}
    width = max(max(_key_width(k) for k in dist), getattr(dist, "_num_bits", None) or 0, 1)
    values = {_bitstring(k, width): float(v) for k, v in dist.items()}
    total = sum(values.values())
    if all(float(v).is_integer() for v in values.values()) and total > 1.0 + 1e-9:
        values = {k: v / total for k, v in values.items()}
    return values


def _quasi_of(dist: Any) -> dict[str, float]:
    binary = getattr(dist, "binary_probabilities", None)
    if callable(binary):
        try:
            return dict(binary())
        except Exception:
            pass
    return _normalize(dist)


def quasi_distributions(result: Any) -> list[tuple[str, dict[str, float]]] | None:
    """``[(label, {bitstring: probability})]`` per circuit or pub, or None if ``result`` isn't a sampler's."""
    if isinstance(result, Mapping) and "quasi_dists" in result:
        # JSON keeps the integer outcomes of quasi_dists as decimal strings
        dists = [{int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in d.items()}
                 for d in result["quasi_dists"]]
        return [(f"circuit {i}", _normalize(d)) for i, d in enumerate(dists)]
    quasi = getattr(result, "quasi_dists", None)
    if quasi is not None:
        return [(f"circuit {i}", _quasi_of(d)) for i, d in enumerate(quasi)]
    if _is_primitive_result(result):
        out = []
        for i, pub in enumerate(result):
            counts = _pub_counts(pub)
            if counts is None:
                return None
            out.append((f"pub {i}", _normalize(counts)))
        return out or None
    if callable(getattr(result, "get_counts", None)) and hasattr(result, "results"):
        out = []
        for i in range(len(result.results)):
            try:
                out.append((f"circuit {i}", _normalize(result.get_counts(i))))
            except Exception:
                return None
        return out or None
    return None


def _is_primitive_result(result: Any) -> bool:
    return type(result).__name__ == "PrimitiveResult" or hasattr(result, "_pub_results")


def _pub_counts(pub: Any) -> dict[str, int] | None:
    """Counts of a ``SamplerPubResult`` (all classical registers joined), or None for other pubs."""
    join = getattr(pub, "join_data", None)
    if callable(join):
        try:
            return join().get_counts()
        except Exception:
            pass
    data = getattr(pub, "data", None)
    for value in (data.values() if hasattr(data, "values") else ()):
        if callable(getattr(value, "get_counts", None)):
            return value.get_counts()
    return None


def estimator_values(result: Any) -> tuple[list[str], list[float], list[float | None]] | None:
    """``(labels, values, errors)`` of an estimator result, or None if ``result`` isn't one.

    Errors are standard errors: ``sqrt(variance / shots)`` for V1-style
    results, ``stds`` for V2 ones; None where the result doesn't say.
    """
    if isinstance(result, Mapping) and "values" in result:
        values, metadata = result["values"], result.get("metadata") or []
    elif hasattr(result, "values") and hasattr(result, "metadata") and not callable(result.values):
        values, metadata = result.values, result.metadata or []
    elif _is_primitive_result(result):
        return _v2_estimator_values(result)
    else:
        return None
    values = [float(v) for v in _flat(values)]
    labels = [f"circuit {i}" for i in range(len(values))]
    errors: list[float | None] = []
    for i in range(len(values)):
        meta = metadata[i] if i < len(metadata) and isinstance(metadata[i], Mapping) else {}
        variance, shots = meta.get("variance"), meta.get("shots")
        if variance is None:
            errors.append(None)
        elif shots:
            errors.append(math.sqrt(max(float(variance), 0.0) / float(shots)))
        else:
            errors.append(math.sqrt(max(float(variance), 0.0)))
    return labels, values, errors


def _v2_estimator_values(result: Any):
    labels: list[str] = []
    values: list[float] = []
    errors: list[float | None] = []
    for i, pub in enumerate(result):
        data = getattr(pub, "data", None)
        evs = getattr(data, "evs", None)
        if evs is None:
            return None
        stds = getattr(data, "stds", None)
        flat_evs = list(_flat(evs))
        flat_stds = list(_flat(stds)) if stds is not None else [None] * len(flat_evs)
        for j, (ev, sd) in enumerate(zip(flat_evs, flat_stds)):
            labels.append(f"pub {i}" if len(flat_evs) == 1 else f"pub {i} [{j}]")
            values.append(float(ev))
            errors.append(None if sd is None else float(sd))
    return (labels, values, errors) if labels else None


def _flat(values: Any):
    if hasattr(values, "ravel"):
        return values.ravel().tolist()
    if isinstance(values, (int, float)):
        return [values]
    out = []
    for v in values:
        out.extend(_flat(v) if not isinstance(v, (int, float)) else [v])
    return out


def top_outcomes(
    dists: Sequence[tuple[str, Mapping[str, float]]], top: int = TOP_OUTCOMES
) -> tuple[list[str], bool]:
    """The ``top`` outcomes by summed probability, most likely first, and whether any were cut."""
    totals: dict[str, float] = {}
    for _, dist in dists:
        for key, p in dist.items():
            totals[key] = totals.get(key, 0.0) + p
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    return ranked[:top], len(ranked) > top


def result_summary(result: Any) -> str:
    """One short line about a result for headers and text fallbacks."""
    dists = quasi_distributions(result)
    if dists:
        label, dist = dists[0]
        best = sorted(dist.items(), key=lambda kv: -kv[1])[:3]
        text = ", ".join(f"{k}: {v:.3f}" for k, v in best)
        more = f" (+{len(dists) - 1} more)" if len(dists) > 1 else ""
        return f"quasi-distribution {text}{more}"
    est = estimator_values(result)
    if est:
        _, values, errors = est
        parts = [
            f"{v:.4g}" + (f" ± {e:.2g}" if e else "") for v, e in zip(values[:4], errors[:4])
        ]
        more = f" (+{len(values) - 4} more)" if len(values) > 4 else ""
        return "values " + ", ".join(parts) + more
    text = repr(result) if not isinstance(result, str) else result
    return text if len(text) <= 200 else text[:197] + "..."


# ---------------------------------------------------------------------------
# building figures


@functools.lru_cache(maxsize=1)
def _template():
    """plotly's ``plotly_white`` cut down to what these figures draw: its layout and its
    scatter and bar defaults. The whole template (defaults for two dozen trace types) is
    deep-copied into every figure and sent in its first message; for a job widget that is
    done while the job runs, and the trimmed one costs half as much and looks the same.
    A figure with another trace type needs that type's defaults added here."""
    import plotly.graph_objects as go
    import plotly.io as pio

    white = pio.templates["plotly_white"]
    return go.layout.Template(layout=white.layout, data={"scatter": white.data.scatter, "bar": white.data.bar})


def _layout(**extra) -> dict:
    base = dict(
        template=_template(),
        height=320,
        margin=dict(l=50, r=20, t=40, b=40),
        legend=dict(orientation="h", y=-0.2),
    )
    base.update(extra)
    return base


def quasi_figure(dists: Sequence[tuple[str, Mapping[str, float]]], top: int = TOP_OUTCOMES):
    """Bar chart of quasi-probabilities: top outcomes, one bar group per circuit/pub."""
    import plotly.graph_objects as go

    keys, cut = top_outcomes(dists, top)
    fig = go.Figure(layout=_layout(
        title=dict(text="Quasi-distribution" + (f" (top {top})" if cut else "")),
        barmode="group",
        xaxis=dict(type="category", title="outcome"),
        yaxis=dict(title="quasi-probability"),
        showlegend=len(dists) > 1,
    ))
    for i, (label, dist) in enumerate(dists):
        x = list(keys)
        y = [dist.get(k, 0.0) for k in keys]
        if cut:
            x.append("other")
            y.append(sum(p for k, p in dist.items() if k not in set(keys)))
        fig.add_trace(go.Bar(name=label, x=x, y=y, marker_color=PALETTE[i % len(PALETTE)]))
    return fig


def estimator_figure(labels: Sequence[str], values: Sequence[float], errors: Sequence[float | None]):
    """Expectation values with error bars (standard errors) where known."""
    import plotly.graph_objects as go

    has_errors = any(e is not None for e in errors)
    fig = go.Figure(layout=_layout(
        title=dict(text="Expectation values"),
        xaxis=dict(type="category"),
        yaxis=dict(title="value"),
        showlegend=False,
    ))
    fig.add_trace(go.Scatter(
        x=list(labels),
        y=list(values),
        mode="markers",
        marker=dict(size=10, color=PALETTE[0]),
        error_y=dict(type="data", array=[e or 0.0 for e in errors], visible=has_errors),
        name="value",
    ))
    return fig


def result_figure(result: Any, top: int = TOP_OUTCOMES):
    """The final-result figure of a job, or None for results that have no picture (e.g. a string)."""
    dists = quasi_distributions(result)
    if dists:
        return quasi_figure(dists, top)
    est = estimator_values(result)
    if est:
        return estimator_figure(*est)
    return None


# ---------------------------------------------------------------------------
# reading interim results


#: Interim fields used as the x axis when present.
X_FIELDS = ("iteration", "iter", "step", "epoch")
#: At most this many numeric series are drawn (a result with hundreds of fields stays readable).
MAX_SERIES = 12


def interim_x(item: Any, index: int) -> float:
    """The x value of an interim result: its ``iteration`` (or step, epoch) field, else its index."""
    if isinstance(item, Mapping):
        for name in X_FIELDS:
            value = item.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
    return index


def numeric_fields(item: Any) -> dict[str, float]:
    """The numbers in an interim result, one level of nesting flattened as ``outer.inner``.

    ``counts`` and the x field are left out: they get their own plot and axis.
    """
    if isinstance(item, bool):
        return {}
    if isinstance(item, (int, float)):
        return {"value": float(item)} if math.isfinite(item) else {}
    if not isinstance(item, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in item.items():
        if key in X_FIELDS or key == "counts":
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value):
                out[str(key)] = float(value)
        elif isinstance(value, Mapping):
            for inner, v in value.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                    out[f"{key}.{inner}"] = float(v)
        elif hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy scalar
            try:
                out[str(key)] = float(value.item())
            except (TypeError, ValueError):
                pass
    return out


def interim_counts(item: Any) -> dict[str, float] | None:
    """The ``counts`` dict of an interim result, if it has one."""
    if isinstance(item, Mapping):
        counts = item.get("counts")
        if isinstance(counts, Mapping) and counts:
            return {str(k): float(v) for k, v in counts.items()}
    return None


def interim_points(items: Sequence[Any], start: int = 0, known: Any = ()) -> tuple[
        dict[str, tuple[list[float], list[float]]], dict[str, float] | None, Any]:
    """``({name: (xs, ys)}, newest counts, its x)`` of interim results numbered ``start`` on.

    Numbers against iteration, at most ``MAX_SERIES`` series counting the ``known`` ones
    already drawn; the live plot and the static pictures read interim results alike.
    A flat dict of plain numbers (what most programs publish) is read in one pass by
    :func:`_plain_point`, and a run of such dicts with the same keys column by column by
    :func:`_plain_columns`; anything else by the general readers above, with the same answer.
    """
    columns = _plain_columns(items, start, known)
    if columns is not None:
        return columns, None, None
    points: dict[str, tuple[list[float], list[float]]] = {}
    names = set(known)  # the series drawn or started: a new one only while there is room
    counts, counts_x = None, None
    for index, item in enumerate(items, start):
        plain = _plain_point(item, index) if type(item) is dict else None
        if plain is not None:
            x, fields, found = plain[0], plain[1], None
        else:
            x, fields, found = interim_x(item, index), numeric_fields(item), interim_counts(item)
        for name, y in fields.items():
            series = points.get(name)
            if series is None:
                if name not in names and len(names) >= MAX_SERIES:
                    continue
                names.add(name)
                series = points[name] = ([], [])
            series[0].append(x)
            series[1].append(y)
        if found is not None:
            counts, counts_x = found, x
    return points, counts, counts_x


_isfinite = math.isfinite


def _plain_columns(items: Sequence[Any], start: int, known: Any) -> dict | None:
    """The points of ``items`` when all are flat dicts of finite plain numbers with the same
    keys in the same order (a program publishing ``{"iteration": i, "energy": e}`` in a
    loop), read a column at a time by C-level ``map``s instead of a Python call per result;
    None for anything else. The widget reads thousands of results a second while the job's
    messages are still being recorded, which this leaves the GIL to."""
    if not items or set(map(type, items)) != {dict}:
        return None
    shapes = set(map(tuple, items))
    if len(shapes) != 1:
        return None
    keys = shapes.pop()
    if "counts" in keys or any(type(key) is not str for key in keys):
        return None
    columns = {}
    for key in keys:
        column = list(map(operator.itemgetter(key), items))
        if not set(map(type, column)) <= _PLAIN_NUMBERS:
            return None
        columns[key] = column
    x_name = next((name for name in X_FIELDS if name in columns), None)
    xs = columns[x_name] if x_name is not None else list(range(start, start + len(items)))
    points: dict[str, tuple[list[float], list[float]]] = {}
    names = set(known)
    for key, column in columns.items():
        if key in X_FIELDS:
            continue
        if not all(map(_isfinite, column)):
            return None  # some results lack this series: the one-at-a-time reader skips them
        if key not in names and len(names) >= MAX_SERIES:
            continue
        names.add(key)
        points[key] = (list(xs), list(map(float, column)))
    return points


_PLAIN_NUMBERS = frozenset((int, float))


def _plain_point(item: dict, index: int) -> tuple[Any, dict[str, float]] | None:
    """``(x, fields)`` of a dict whose keys are strings and whose values are plain ints and
    floats, without counts; None for any other dict (the general readers take it)."""
    x = index
    for name in X_FIELDS:
        if name in item:
            value = item[name]
            if type(value) is not int and type(value) is not float:
                return None
            x = value
            break
    fields: dict[str, float] = {}
    for key, value in item.items():
        kind = type(value)
        if (kind is not float and kind is not int) or type(key) is not str or key == "counts":
            return None
        if key not in X_FIELDS and _isfinite(value):
            fields[key] = float(value)
    return x, fields


def lines_layout() -> dict:
    return _layout(
        title=dict(text="Interim results"),
        xaxis=dict(title="iteration"),
        yaxis=dict(title="value"),
        height=280,
    )


def counts_layout(title: str = "Counts") -> dict:
    return _layout(
        title=dict(text=title),
        xaxis=dict(type="category", title="outcome"),
        yaxis=dict(title="counts"),
        height=280,
        showlegend=False,
    )


def counts_bars(counts: Mapping[str, float], top: int = TOP_OUTCOMES) -> tuple[list[str], list[float]]:
    """Bars for a counts histogram: top outcomes by count, the rest summed as "other"."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    x = [k for k, _ in ranked[:top]]
    y = [v for _, v in ranked[:top]]
    if len(ranked) > top:
        x.append("other")
        y.append(sum(v for _, v in ranked[top:]))
    return x, y
