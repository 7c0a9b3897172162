"""Figure builders from real qiskit results (headless: figures are checked as data)."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import EstimatorResult, SamplerResult, StatevectorEstimator, StatevectorSampler
from qiskit.quantum_info import SparsePauliOp
from qiskit.result import QuasiDistribution

from qrt_jupyter.widgets import figures
from qrt_jupyter.widgets.interim import InterimPlot
from support import bell


def ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    qc.h(range(n))  # uniform: 2**n outcomes
    qc.measure_all()
    return qc


@pytest.fixture(scope="module")
def v2_sampler_result():
    return StatevectorSampler(seed=7).run([bell(), ghz(5)], shots=2000).result()


@pytest.fixture(scope="module")
def v1_sampler_result(v2_sampler_result):
    """A seed-style SamplerResult built from real sampled counts, as the runtime's decoder makes it."""
    dists = []
    for pub in v2_sampler_result:
        counts = pub.data.meas.get_int_counts()
        shots = sum(counts.values())
        dists.append(QuasiDistribution({k: v / shots for k, v in counts.items()}, shots=shots))
    return SamplerResult(quasi_dists=dists, metadata=[{"shots": 2000}, {"shots": 2000}])


def test_v2_sampler_result_gives_one_bar_group_per_pub(v2_sampler_result):
    fig = figures.result_figure(v2_sampler_result)
    assert isinstance(fig, go.Figure)
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert fig.layout.xaxis.type == "category"  # "00" must not become the number 0
    bell_bars = dict(zip(fig.data[0].x, fig.data[0].y))
    assert set(k for k, v in bell_bars.items() if v > 0) == {"00", "11"}
    assert math.isclose(bell_bars["00"] + bell_bars["11"], 1.0)


def test_top_outcomes_are_cut_and_the_rest_summed(v2_sampler_result):
    fig = figures.result_figure(v2_sampler_result, top=4)
    x = list(fig.data[1].x)
    assert len(x) == 5 and x[-1] == "other"
    assert math.isclose(sum(fig.data[1].y), 1.0)
    assert "top 4" in fig.layout.title.text


def test_v1_and_v2_sampler_results_draw_the_same_distribution(v1_sampler_result, v2_sampler_result):
    v1 = figures.quasi_distributions(v1_sampler_result)
    v2 = figures.quasi_distributions(v2_sampler_result)
    assert len(v1) == len(v2) == 2
    for (_, a), (_, b) in zip(v1, v2):
        assert a.keys() == b.keys()
        for key in a:
            assert math.isclose(a[key], b[key])
    fig = figures.result_figure(v1_sampler_result)
    assert {k for k, v in zip(fig.data[0].x, fig.data[0].y) if v} == {"00", "11"}


def test_undecoded_sampler_json_is_read_too():
    dists = figures.quasi_distributions({"quasi_dists": [{"0": 0.25, "3": 0.75}], "metadata": [{}]})
    assert dists == [("circuit 0", {"00": 0.25, "11": 0.75})]


def test_qiskit_result_counts_are_normalised():
    from qiskit_aer import AerSimulator

    result = AerSimulator(seed_simulator=3).run(bell(), shots=1000).result()
    (label, dist), = figures.quasi_distributions(result)
    assert set(dist) == {"00", "11"} and math.isclose(sum(dist.values()), 1.0)


def test_estimator_result_error_bars_from_variance_and_shots():
    qc = bell(measure=False)
    obs = [SparsePauliOp("ZZ"), SparsePauliOp("XX"), SparsePauliOp("ZI")]
    exact = StatevectorEstimator().run([(qc, obs)]).result()[0].data.evs
    variances = [1 - float(v) ** 2 for v in exact]
    result = EstimatorResult(
        values=np.asarray(exact),
        metadata=[{"variance": var, "shots": 400} for var in variances],
    )
    labels, values, errors = figures.estimator_values(result)
    assert values == pytest.approx([1.0, 1.0, 0.0], abs=1e-9)
    assert errors == pytest.approx([math.sqrt(v / 400) for v in variances])
    fig = figures.result_figure(result)
    trace = fig.data[0]
    assert list(trace.y) == pytest.approx(values)
    assert trace.error_y.visible and list(trace.error_y.array) == pytest.approx(errors)
    assert errors[2] == pytest.approx(0.05)  # <ZI> = 0 has variance 1: sqrt(1/400)


def test_v2_estimator_result_uses_stds_and_labels_broadcast_values():
    result = StatevectorEstimator(default_precision=0.01, seed=5).run(
        [(bell(measure=False), [SparsePauliOp("ZZ"), SparsePauliOp("ZI")]), (bell(measure=False), "XX")]
    ).result()
    labels, values, errors = figures.estimator_values(result)
    assert labels == ["pub 0 [0]", "pub 0 [1]", "pub 1"]
    assert values[0] == pytest.approx(1.0, abs=0.1) and values[1] == pytest.approx(0.0, abs=0.1)
    expected = [float(s) for pub in result for s in np.ravel(pub.data.stds)]
    assert errors == pytest.approx(expected)
    assert figures.quasi_distributions(result) is None
    fig = figures.result_figure(result)
    assert list(fig.data[0].x) == labels


def test_results_without_a_picture():
    assert figures.result_figure("All done!") is None
    assert figures.result_summary("All done!") == "All done!"


def test_summaries_name_the_main_numbers(v2_sampler_result):
    assert figures.result_summary(v2_sampler_result).startswith("quasi-distribution ")
    est = EstimatorResult(values=np.array([0.5]), metadata=[{"variance": 0.75, "shots": 100}])
    assert figures.result_summary(est) == "values 0.5 ± 0.087"


def test_interim_readers():
    item = {"iteration": 3, "energy": -1.5, "flag": True, "nested": {"a": 1, "b": "x"}, "counts": {"0": 5}}
    assert figures.interim_x(item, 10) == 3
    assert figures.interim_x({"energy": 1}, 10) == 10
    assert figures.numeric_fields(item) == {"energy": -1.5, "nested.a": 1.0}
    assert figures.interim_counts(item) == {"0": 5.0}
    assert figures.numeric_fields(2.5) == {"value": 2.5}
    assert figures.numeric_fields("text") == {}


def test_interim_points_read_plain_and_other_results_alike():
    """The one-pass reader of flat numeric dicts and the general readers agree, item by item,
    and a dict the one-pass reader refuses (bools, numpy scalars, counts, nesting, a
    non-numeric iteration) is still read in full."""
    items = [
        {"iteration": 3, "energy": -1.5, "gap": 2},
        {"energy": 0.5, "flag": True},
        {"iteration": "x", "step": 7, "energy": 1.0},
        {"energy": np.float64(2.5), "iteration": 5},
        {"iteration": 6, "energy": float("nan"), "nested": {"a": 1}},
        {"iteration": 8, "counts": {"00": 3}, "energy": 4},
        2.0,
        "not a number",
    ]
    points, counts, counts_x = figures.interim_points(items, 10)
    expected: dict = {}
    for index, item in enumerate(items, 10):
        for name, y in figures.numeric_fields(item).items():
            xs, ys = expected.setdefault(name, ([], []))
            xs.append(figures.interim_x(item, index))
            ys.append(y)
    assert points == expected
    assert points["energy"] == ([3, 11, 7, 5, 8], [-1.5, 0.5, 1.0, 2.5, 4.0])
    assert points["nested.a"] == ([6], [1.0]) and points["value"] == ([16], [2.0])
    assert counts == {"00": 3.0} and counts_x == 8


def _one_by_one(items, start=0, known=()):
    """What interim_points gives, read with the general readers one result at a time."""
    points: dict = {}
    names = set(known)
    for index, item in enumerate(items, start):
        for name, y in figures.numeric_fields(item).items():
            if name not in points:
                if name not in names and len(names) >= figures.MAX_SERIES:
                    continue
                names.add(name)
                points[name] = ([], [])
            points[name][0].append(figures.interim_x(item, index))
            points[name][1].append(y)
    return points


def test_interim_points_read_a_run_of_same_shaped_results_as_one_by_one():
    """The column reader (many results with the same keys, as a program's loop publishes them)
    gives what the one-at-a-time readers give, and leaves every other run to them."""
    wide = {f"f{i}": float(i) for i in range(figures.MAX_SERIES + 3)}
    runs = [
        [{"iteration": i, "value": (i % 7) / 7} for i in range(300)],
        [{"a": 1, "b": 2.5}] * 3,  # no x field: the index is x
        [{"epoch": 1, "iteration": 2, "v": 3}, {"epoch": 2, "iteration": 3, "v": 4}],
        [{"step": 2, "x": float("inf")}, {"step": 3, "x": 1.0}],  # a non-finite value
        [{"iteration": True, "v": 1}, {"iteration": False, "v": 2}],  # bools are not numbers
        [{"iteration": 1, "v": np.float64(2.0)}, {"iteration": 2, "v": np.float64(3.0)}],
        [{"v": 1, "counts": {"0": 1}}, {"v": 2, "counts": {"1": 1}}],
        [{"v": 1, "w": 2}, {"w": 2, "v": 1}],  # the same keys in another order
        [{}, {}],
        [wide, wide],
    ]
    for items in runs:
        for known in ((), ("old",)):
            points, _, _ = figures.interim_points(items, 5, known)
            assert points == _one_by_one(items, 5, known), items[:2]
    points, counts, _ = figures.interim_points(runs[0], 0)
    assert points["value"][0] == list(range(300)) and counts is None


def test_interim_points_keep_at_most_max_series():
    wide = [{f"f{i}": float(i) for i in range(figures.MAX_SERIES + 5)}] * 2
    points, _, _ = figures.interim_points(wide, 0, known=("old",))
    assert len(points) == figures.MAX_SERIES - 1  # "old" takes one place
    assert all(len(xs) == 2 for xs, _ in points.values())


def test_figures_use_plotly_white_trimmed_to_scatter_and_bar():
    import plotly.io as pio

    template = go.Figure(layout=figures.lines_layout()).layout.template.to_plotly_json()
    white = pio.templates["plotly_white"].to_plotly_json()
    assert template["layout"] == white["layout"]
    assert template["data"] == {k: white["data"][k] for k in ("scatter", "bar")}


def test_interim_plot_sends_only_new_points_as_segments():
    plot = InterimPlot(figure_factory=go.Figure, max_segments=1000)
    created = plot.extend([{"iteration": i, "energy": float(i)} for i in range(3)], 0)
    assert created == [plot.lines] and plot.counts is None
    plot.extend([{"iteration": i, "energy": float(i)} for i in range(3, 5)], 3)
    first, segment = plot.lines.data
    assert list(first.x) == [0, 1, 2]
    assert list(segment.x) == [2, 3, 4]  # joined to the last point, then only the new ones
    assert segment.showlegend is False and segment.line.color == first.line.color
    assert plot.series_points("energy") == ([0, 1, 2, 3, 4], [0.0, 1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("factory", [go.Figure, go.FigureWidget])  # FigureWidget renames uids
def test_interim_plot_merges_segments_to_bound_the_trace_count(factory):
    plot = InterimPlot(figure_factory=factory, max_segments=5)
    for i in range(40):
        plot.extend([{"iteration": i, "a": i, "b": -i}], i)
        assert plot.trace_count <= 2 * (1 + 5)
    xs = [x for t in plot.lines.data if t.name == "a" for x in t.x]
    assert set(xs) == set(range(40))


def test_interim_counts_histogram_shows_the_newest_counts():
    plot = InterimPlot(figure_factory=go.Figure)
    plot.extend([{"iteration": 0, "counts": {"00": 3, "11": 1}}, {"iteration": 1, "counts": {"01": 9}}], 0)
    assert plot.lines is None
    (bars,) = plot.counts.data
    assert list(bars.x) == ["01"] and list(bars.y) == [9.0]
    assert plot.counts.layout.title.text == "Counts (iteration 1)"
    plot.extend([{"iteration": 2, "counts": {"10": 2, "11": 4}}], 2)
    assert list(plot.counts.data[0].x) == ["11", "10"]
