"""watch(job): the job widget's traits and the messages it sends, on every kind of job.

Widgets talk to a RecordingComm instead of a kernel, so what would reach the
front end is visible. Jobs are real: qiskit primitives, qiskit-ibm-runtime local
mode, and our local runtime in a temporary home with real worker processes.
Waits have generous bounds; nothing asserts how fast anything is.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import comm
import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import StatevectorEstimator, StatevectorSampler
from qiskit.quantum_info import SparsePauliOp

from qrt_jupyter.widgets import watch
from qrt_jupyter.widgets.job import JobWidget
from qrt_jupyter.widgets.pump import get_pump
from support import WAIT, bell, wait_until


class RecordingComm:
    """Stands in for the kernel's comm: keeps every message a widget sends."""

    kernel = "a kernel"
    _ids = 0

    def __init__(self, **kwargs):
        RecordingComm._ids += 1
        self.comm_id = f"comm-{RecordingComm._ids}"
        self.open_data = kwargs.get("data")
        self.messages: list[dict] = []
        self.handler = None

    def send(self, data=None, buffers=None, **kwargs):
        self.messages.append(data)

    def on_msg(self, callback):
        self.handler = callback

    def close(self, *args, **kwargs):
        pass

    def updates(self) -> list[dict]:
        return [m["state"] for m in self.messages if m and m.get("method") == "update"]


@pytest.fixture(autouse=True)
def recording_comms(monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))


def settle(widget: JobWidget) -> None:
    """Until the job is final and the pump has applied it (the widget updates by itself)."""
    assert widget.monitor.wait(WAIT)
    assert get_pump().drain(WAIT)


# -- the widget itself ------------------------------------------------------------


def test_importing_widgets_pulls_no_qiskit_or_plotly():
    code = (
        "import sys, qrt_jupyter, qrt_jupyter.widgets, qrt_jupyter.widgets.pump, qrt_jupyter.monitor\n"
        "bad = [m for m in ('qiskit', 'qiskit_aer', 'qiskit_ibm_runtime', 'plotly') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sampler_job_widget_reaches_done_with_a_quasi_distribution_figure():
    widget = watch(StatevectorSampler(seed=2).run([bell()], shots=128))
    settle(widget)
    assert widget.status == "DONE" and widget.job_id == widget.monitor.job_id
    assert widget.error is None and not widget.cancellable
    assert widget.result_summary.startswith("quasi-distribution")
    (bars,) = widget.result_figure.data
    assert bars.type == "bar" and set(bars.x) == {"00", "11"}
    assert widget.result_figure in widget.view.children and widget.view.children[0] is widget
    # what the front end heard: the contract traits are synced
    state = widget.comm.open_data["state"]
    for update in widget.comm.updates():
        state.update(update)
    assert state["status"] == "DONE" and state["job_id"] == widget.job_id


def test_estimator_job_widget_shows_values_with_error_bars():
    circuit = bell(measure=False)
    observables = [SparsePauliOp("ZZ"), SparsePauliOp("XI")]
    job = StatevectorEstimator(default_precision=0.05, seed=1).run([(circuit, observables)])
    widget = watch(job)
    settle(widget)
    trace = widget.result_figure.data[0]
    assert trace.error_y.visible and len(trace.y) == 2
    assert widget.result_summary.startswith("values ")


def test_failing_primitive_job_widget_shows_the_error():
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    qc.h(0)
    qc.measure(0, 0)
    widget = watch(StatevectorSampler().run([qc]))
    settle(widget)
    assert widget.status == "ERROR" and "mid-circuit" in widget.error
    assert widget.result_figure is None and widget.view.children == (widget,)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # qiskit-ibm-runtime's legacy SamplerV2
def test_ibm_runtime_local_mode_job_widget_reaches_done():
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import SamplerV2

    widget = watch(SamplerV2(mode=AerSimulator()).run([bell()], shots=64))
    settle(widget)
    assert widget.status == "DONE" and widget.program == "sampler" and widget.backend == "aer_simulator"
    assert widget.result_figure is not None


def test_the_final_state_goes_out_as_one_message_and_a_repeat_flush_sends_nothing():
    job, gate, executor = queued_local_mode_job()
    try:
        widget = watch(job)
        assert widget.status == "QUEUED"
        widget.comm.messages.clear()
        gate.set()
        settle(widget)
    finally:
        executor.shutdown(wait=False)
    final = [u for u in widget.comm.updates() if u.get("status") == "DONE"]
    assert len(final) == 1
    assert {"finished", "cancellable"} <= final[0].keys() and final[0]["cancellable"] is False
    sent = len(widget.comm.messages)
    get_pump().flush_now(widget)
    assert len(widget.comm.messages) == sent


def test_mime_bundle_has_the_widget_view_and_static_summaries():
    widget = watch(StatevectorSampler().run([bell()], shots=16))
    settle(widget)
    bundle = widget._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.view.model_id
    assert bundle["text/plain"].startswith(f"Job {widget.job_id} [DONE]")
    assert "quasi-distribution" in bundle["text/plain"]
    assert "DONE" in bundle["text/html"] and widget.job_id in bundle["text/html"]


def test_terminal_ipython_shows_the_text_summary(shell):
    widget = watch(StatevectorSampler().run([bell()], shots=16))
    settle(widget)
    data, _ = shell.display_formatter.format(widget, include={"text/plain"})
    assert data["text/plain"].startswith(f"Job {widget.job_id} [DONE]")


def queued_local_mode_job():
    """A qiskit-ibm-runtime local-mode job waiting behind a busy executor (released by ``gate``)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime.fake_provider.local_runtime_job import LocalRuntimeJob

    gate = threading.Event()
    executor = ThreadPoolExecutor(max_workers=1)
    executor.submit(gate.wait)
    sampler = StatevectorSampler()
    future = executor.submit(lambda: sampler.run([bell()]).result())
    return LocalRuntimeJob(sampler.run, AerSimulator(), "sampler", {}, future=future), gate, executor


def test_cancel_message_from_the_front_end_cancels_the_job():
    job, gate, executor = queued_local_mode_job()
    try:
        widget = watch(job)
        assert widget.status == "QUEUED" and widget.cancellable
        click = {"method": "custom", "content": {"action": "cancel"}}  # what js/job.js sends
        widget.comm.handler({"content": {"data": click}, "buffers": []})
        settle(widget)
        assert widget.status == "CANCELLED" and widget.error is None
    finally:
        gate.set()
        executor.shutdown(wait=False)


# -- our local runtime --------------------------------------------------------------


@pytest.fixture
def service(runtime):
    """The session's warm runtime (conftest.py): idle queues when each test starts."""
    return runtime


def test_local_hello_world_widget_draws_interim_counts_and_finishes(service):
    widget = watch(service.run("hello-world", {"iterations": 3}))
    assert widget.program == "hello-world" and widget.backend
    settle(widget)
    assert widget.status == "DONE" and widget.interim_count == 3
    assert widget.result_summary == "All done!" and widget.result_figure is None
    plot = widget.interim_plot
    assert plot.counts is not None and plot.counts in widget.view.children
    assert plot.counts.layout.title.text == "Counts (iteration 2)"
    assert widget.max_execution_time and widget.started and widget.finished >= widget.started


def test_local_program_publishing_many_results_is_drawn_in_increments(service):
    source = textwrap.dedent(
        """
        def main(backend, user_messenger, n=400):
            for i in range(n):
                user_messenger.publish({"iteration": i, "energy": -i / n, "gap": (i % 7) / 7})
            return {"n": n}
        """
    )
    program = service.upload_program(
        source, metadata={"name": "many-interims", "description": "test program", "max_execution_time": 300}
    )
    widget = watch(service.run(program, {"n": 400}))
    settle(widget)
    assert widget.status == "DONE" and widget.interim_count == 400
    plot = widget.interim_plot
    xs, ys = plot.series_points("energy")
    assert xs == list(range(400)) and ys[-1] == pytest.approx(-399 / 400)
    # the figure got addTraces messages holding only new points (plus the joining point),
    # each series as one binary buffer (plotly's typed-array form), not a JSON list
    sent = [m["state"]["_py2js_addTraces"] for m in plot.lines.comm.messages
            if m.get("method") == "update" and m["state"].get("_py2js_addTraces")]
    assert sent
    for msg in sent:
        for trace in msg["trace_data"]:
            assert trace["x"]["dtype"] == "float64" and trace["x"]["shape"][0] <= 401
    points_sent = sum(t["x"]["shape"][0] for msg in sent for t in msg["trace_data"] if t["name"] == "energy")
    assert 400 <= points_sent < 2 * 400  # every point, in increments, not the history again on every flush


def test_local_program_error_is_shown_with_logs(service):
    source = textwrap.dedent(
        """
        def main(backend, user_messenger, **kwargs):
            print("about to fail")
            raise ValueError("the program broke")
        """
    )
    program = service.upload_program(
        source, metadata={"name": "fails", "description": "test program", "max_execution_time": 300}
    )
    widget = watch(service.run(program, {}))
    settle(widget)
    assert widget.status == "ERROR" and "the program broke" in widget.error
    assert "about to fail" in widget.logs


def test_a_burst_holds_the_first_plot_back_until_it_slows_down(service, tmp_path):
    """The first plot waits one flush after the first interim result, and while results keep
    arriving thousands a second the header counts them and no figure is made (a FigureWidget
    costs the kernel tens of milliseconds); the first flush after they stop draws every point,
    the job still running. The program publishes when the test says; the pump is driven by
    hand on a fake clock."""
    from qrt_jupyter.widgets import job as job_widget
    from qrt_jupyter.widgets.pump import UpdatePump

    source = textwrap.dedent(
        """
        import os
        import time

        def main(backend, user_messenger, go, n=1000):
            for burst in range(2):
                while not os.path.exists(f"{go}{burst}"):  # when the test says
                    time.sleep(0.01)
                for i in range(burst * n, (burst + 1) * n):
                    user_messenger.publish({"iteration": i, "value": i % 5})
            time.sleep(120)
        """
    )
    program = service.upload_program(
        source, metadata={"name": "bursts-then-wait", "description": "test program", "max_execution_time": 300}
    )
    now = [0.0]
    pump = UpdatePump(clock=lambda: now[0], start=False)
    go = tmp_path / "go"
    job = service.run(program, {"n": 1000, "go": str(go)})
    widget = JobWidget(job, pump=pump)

    def flush_after(count: int) -> None:
        wait_until(lambda: len(widget.monitor.snapshot.interim_results) == count, f"{count} results in the snapshot")
        now[0] += 2 * pump.min_interval  # due again, and all three within FIGURE_WAIT_SECONDS
        pump.run_once()
        assert widget.interim_count == count and widget.status == "RUNNING"

    try:
        assert 1000 >= job_widget.BURST_RESULTS and 6 * pump.min_interval < job_widget.FIGURE_WAIT_SECONDS
        (tmp_path / "go0").touch()
        flush_after(1000)
        assert widget.interim_plot is None and pump.pending() == 1  # the first sighting: wait a flush
        (tmp_path / "go1").touch()
        flush_after(2000)
        assert widget.interim_plot is None and pump.pending() == 1  # 1000 more since: a burst
        flush_after(2000)  # nothing new arrived: the burst is over
        assert widget.interim_plot is not None and widget.interim_plot.lines in widget.view.children
        assert widget.interim_plot.series_points("value")[0] == list(range(2000))
        assert pump.pending() == 0
    finally:
        job.cancel()
        widget.close()


def test_local_job_cancelled_from_the_widget(service):
    source = textwrap.dedent(
        """
        import time

        def main(backend, user_messenger, **kwargs):
            for i in range(600):
                user_messenger.publish({"iteration": i, "x": i})
                time.sleep(0.1)
        """
    )
    program = service.upload_program(
        source, metadata={"name": "slow", "description": "test program", "max_execution_time": 300}
    )
    widget = watch(service.run(program, {}))
    wait_until(lambda: widget.status == "RUNNING" and widget.interim_count > 0, "the job to run and publish")
    widget.cancel()
    settle(widget)
    assert widget.status == "CANCELLED" and not widget.cancellable


def test_local_sampler_program_result_figure(service):
    widget = watch(service.run("sampler", {"circuits": bell(), "shots": 256}))
    settle(widget)
    assert widget.status == "DONE", widget.error
    bars = widget.result_figure.data[0]
    assert {x for x, y in zip(bars.x, bars.y) if y} <= {"00", "11"}


@pytest.mark.slow
def test_a_session_job_shows_its_session(service):
    from qrt_jupyter import Sampler, Session

    with Session(service=service, backend="ibmq_qasm_simulator") as session:
        job = Sampler(session=session).run(circuits=bell())
        widget = watch(job)
        job.result(timeout=120)
        settle(widget)
    assert widget.session_id == session.session_id
    assert f"session: {session.session_id}" in widget.text_summary()


def test_in_a_real_kernel_updates_from_the_pump_thread_reach_the_front_end(tmp_path):
    """ipykernel + ipywidgets: trait changes made on the pump's thread are sent as comm messages.

    nbclient records every widget message it receives into the notebook's widget
    state, as a front end would apply them; the kernel itself only waits.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from qrt_jupyter import LocalRuntimeService, watch\n"
            f"svc = LocalRuntimeService(home={str(tmp_path)!r})\n"
            "w = watch(svc.run('hello-world', {'iterations': 3}))\n"
            "w"
        ),
        nbformat.v4.new_code_cell(
            "import time\n"
            "w.monitor.wait(120)\n"
            "while w.status != 'DONE':\n"
            "    time.sleep(0.05)"
        ),
        nbformat.v4.new_code_cell("time.sleep(0.5)"),
    ]
    NotebookClient(nb, timeout=WAIT, kernel_name="python3").execute()
    output = nb.cells[0].outputs[0]["data"]
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"} <= output.keys()
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    headers = [m["state"] for m in state.values() if m["model_name"] == "AnyModel" and "status" in m["state"]]
    assert [(h["status"], h["interim_count"]) for h in headers] == [("DONE", 3)]


def test_closing_the_widget_closes_its_figures_and_stops_listening():
    widget = watch(StatevectorSampler().run([bell()], shots=16))
    settle(widget)
    figure = widget.result_figure
    widget.close()
    assert widget.comm is None and figure.comm is None and widget.view.comm is None
    assert get_pump().pending() == 0
