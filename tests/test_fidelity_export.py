"""Issue 12, item 11: exported notebooks keep the job widget's pictures.

Where no widget manager runs (nbconvert's HTML without saved widget state, GitHub's viewer)
a notebook shows the widget's static fallback; it now carries the plots as SVG, drawn from
the same data as the live figures. Real jobs on a real local runtime; the last test runs a
notebook in a real kernel with nbclient and exports it with nbconvert.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import comm
import pytest

from fidelity import svc  # noqa: F401 - the module's runtime
from qrt_jupyter.widgets import watch
from qrt_jupyter.widgets.pump import get_pump
from support import WAIT, bell

SVG = "{http://www.w3.org/2000/svg}"

ENERGIES = '''
import os, time

def main(backend, user_messenger, steps=4, flag=None):
    while flag is not None and not os.path.exists(flag):  # let the notebook say when
        time.sleep(0.05)
    for i in range(1, steps + 1):
        user_messenger.publish({"iteration": i, "energy": -1.0 - 0.1 * i})
    return {"values": [0.25], "metadata": [{"variance": 0.5, "shots": 200}]}
'''


class _Comm:
    """The kernel's comm, minus the kernel: the widgets' messages go nowhere."""

    kernel = None

    def __init__(self, **kwargs):
        self.comm_id = "comm"

    def send(self, *args, **kwargs):
        pass

    def on_msg(self, callback):
        pass

    def close(self, *args, **kwargs):
        pass


@pytest.fixture
def no_kernel(monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: _Comm(**kwargs))


def finished_bundle(job) -> dict:
    widget = watch(job)
    assert widget.monitor.wait(WAIT) and get_pump().drain(WAIT)
    return widget._repr_mimebundle_()


def charts(bundle: dict) -> list[ET.Element]:
    """The charts of the bundle's image/svg+xml, each checked to be well-formed XML."""
    document = ET.fromstring(bundle["image/svg+xml"])
    return document.findall(f"{SVG}g/{SVG}svg")


def texts(chart: ET.Element) -> list[str]:
    return [element.text for element in chart.iter(f"{SVG}text")]


def tooltips(chart: ET.Element, tag: str) -> list[str]:
    return [element.find(f"{SVG}title").text for element in chart.iter(f"{SVG}{tag}")
            if element.find(f"{SVG}title") is not None]


def test_a_sampler_jobs_fallback_draws_its_quasi_distribution(svc, no_kernel):
    job = svc.run("sampler", {"circuits": bell(), "shots": 400},
                  options={"backend_name": "ibmq_qasm_simulator"})
    bundle = finished_bundle(job)
    (chart,) = charts(bundle)
    assert chart.find(f"{SVG}title").text == "Quasi-distribution"
    bars = dict(tip.split(": ") for tip in tooltips(chart, "rect"))
    quasi = job.result().quasi_dists[0].binary_probabilities()
    assert {k: pytest.approx(float(v), abs=1e-3) for k, v in bars.items()} == quasi
    assert {"00", "11"} <= set(texts(chart))
    assert "<svg" in bundle["text/html"] and "DONE" in bundle["text/html"]


def test_an_estimator_jobs_fallback_draws_its_values(svc, no_kernel):
    job = svc.run("estimator", {"circuits": bell(False), "observables": ["ZZ", "XX", "ZI"],
                                "shots": None}, options={"backend_name": "ibmq_qasm_simulator"})
    (chart,) = charts(finished_bundle(job))
    assert chart.find(f"{SVG}title").text == "Expectation values"
    assert tooltips(chart, "circle") == ["circuit 0: 1", "circuit 1: 1", "circuit 2: 0"]


def test_interim_results_are_drawn_as_lines_and_counts(svc, no_kernel):
    program = svc.upload_program(ENERGIES, {"name": "energies", "description": "Energies.",
                                            "max_execution_time": 60})
    lines, values = charts(finished_bundle(svc.run(program, {"steps": 4})))
    assert lines.find(f"{SVG}title").text == "Interim results"
    (polyline,) = lines.iter(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 4
    assert values.find(f"{SVG}title").text == "Expectation values"
    hello = svc.run("hello-world", {"iterations": 2}, options={"backend_name": "ibmq_qasm_simulator"})
    counts = charts(finished_bundle(hello))
    assert [c.find(f"{SVG}title").text for c in counts] == ["Counts (iteration 1)"]


def test_a_job_still_queued_has_no_pictures_yet_and_says_so_in_text(svc, no_kernel):
    program = svc.upload_program(ENERGIES, {"name": "energies-later", "description": "Energies.",
                                            "max_execution_time": 60})
    job = svc.run(program, {"flag": "/nonexistent/never"})
    try:
        widget = watch(job)
        bundle = widget._repr_mimebundle_()
        assert "image/svg+xml" not in bundle and "<svg" not in bundle["text/html"]
    finally:
        job.cancel()


@pytest.mark.slow
def test_an_executed_and_exported_notebook_shows_the_final_pictures(svc, tmp_path):
    """nbclient in a real kernel, without widget state (as JupyterLab saves by default):
    the job's display is updated when it ends, and nbconvert's HTML shows the SVG plots."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    flag = tmp_path / "go"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        f"from qrt_jupyter import LocalRuntimeService, watch\n"
        f"service = LocalRuntimeService(home={str(tmp_path / 'home')!r})\n"
        f"program = service.upload_program({ENERGIES!r}, {{'name': 'energies', "
        f"'description': 'E.', 'max_execution_time': 120}})\n"
        f"job = service.run(program, {{'flag': {str(flag)!r}}})\n"
        "widget = watch(job)\n"
        "widget",
        f"open({str(flag)!r}, 'w').close()\n"
        "from qrt_jupyter.widgets.pump import get_pump\n"
        f"assert widget.monitor.wait({WAIT}) and get_pump().drain({WAIT})\n"
        "print(job.status().name)",
    )]
    NotebookClient(nb, timeout=WAIT, kernel_name="python3", store_widget_state=False).execute()
    shown = nb.cells[0].outputs[0].data
    assert "DONE" in shown["text/html"] and "<svg" in shown["text/html"]
    assert nb.cells[1].outputs[0].text.strip() == "DONE"
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert body.count("<title>Interim results</title>") == 1
    assert body.count("<title>Expectation values</title>") == 1
