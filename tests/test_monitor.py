"""The monitor layer on every kind of job, with real jobs (no timed assertions).

``WAIT`` is a generous upper bound for a job to end; nothing asserts how fast.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult, StatevectorSampler

from qrt_jupyter.monitor import (
    BackendSnapshot,
    JobSnapshot,
    PrefixView,
    backend_snapshot,
    monitor_job,
)
from qrt_jupyter.monitor.jobs import (
    IBMRuntimeJobMonitor,
    PrimitiveJobMonitor,
)
from support import WAIT, bell, wait_until


def mid_circuit_measurement() -> QuantumCircuit:
    """StatevectorSampler rejects this inside the job, so the job ends in ERROR."""
    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    qc.h(0)
    qc.measure(0, 0)
    return qc


class Recorder:
    def __init__(self, monitor):
        self.snapshots: list[JobSnapshot] = []
        self.unsubscribe = monitor.subscribe(self.snapshots.append)


# -- snapshots ---------------------------------------------------------------


def test_prefix_view_is_frozen_at_its_length():
    items = [1, 2]
    view = PrefixView(items)
    items.append(3)
    assert list(view) == [1, 2] and len(view) == 2 and view[-1] == 2
    assert view[1:] == [2]
    with pytest.raises(IndexError):
        view[2]


def test_snapshot_evolve_bumps_version_and_elapsed_needs_a_start():
    snap = JobSnapshot(job_id="j")
    assert snap.elapsed() is None and not snap.is_final and snap.logs == ""
    done = snap.evolve(status="DONE")
    assert done.version == snap.version + 1 and done.is_final and snap.status == "QUEUED"


def test_backend_snapshot_of_fake_and_aer_backends():
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    manila = backend_snapshot(FakeManilaV2())
    assert manila == BackendSnapshot(name="fake_manila", num_qubits=5, operational=True, pending_jobs=0,
                                     simulator=manila.simulator, status_msg=manila.status_msg)
    aer = backend_snapshot(AerSimulator())
    assert aer.name == "aer_simulator" and aer.operational


# -- plain qiskit primitive jobs -------------------------------------------------


def test_statevector_sampler_job_reaches_done_with_its_result():
    job = StatevectorSampler(seed=1).run([bell()], shots=64)
    monitor = monitor_job(job)
    assert isinstance(monitor, PrimitiveJobMonitor)
    assert monitor_job(job) is monitor  # one monitor per job
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "DONE" and snap.has_result and snap.error is None
    assert isinstance(snap.result, PrimitiveResult)
    assert snap.program == "StatevectorSampler" and snap.kind == "primitive"
    assert snap.created is not None and snap.finished is not None and snap.elapsed() >= 0
    assert not monitor.active  # stopped by itself


def test_aer_sampler_job_reaches_done_and_names_its_backend():
    from qiskit_aer.primitives import SamplerV2

    monitor = monitor_job(SamplerV2().run([bell()], shots=64))
    recorder = Recorder(monitor)
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "DONE" and isinstance(snap.result, PrimitiveResult)
    assert snap.backend == "aer_simulator"
    if recorder.snapshots:  # the job may have ended before we subscribed
        assert recorder.snapshots[-1] is snap


def test_primitive_job_failing_inside_reaches_error_with_the_message():
    monitor = monitor_job(StatevectorSampler().run([mid_circuit_measurement()]))
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "ERROR" and not snap.has_result
    assert "mid-circuit measurements" in snap.error and snap.error.startswith("QiskitError")


# -- qiskit-ibm-runtime local mode ---------------------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # qiskit-ibm-runtime's legacy SamplerV2
def test_ibm_runtime_local_mode_job_reaches_done():
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import SamplerV2

    job = SamplerV2(mode=AerSimulator()).run([bell()], shots=64)
    monitor = monitor_job(job)
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "DONE" and isinstance(snap.result, PrimitiveResult)
    assert snap.program == "sampler" and snap.backend == "aer_simulator"
    assert snap.session_id is None  # local mode reports the job id as session id: not a session


def _local_mode_job_waiting_in_a_busy_executor():
    """A qiskit-ibm-runtime local-mode job whose future has not started yet."""
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime.fake_provider.local_runtime_job import LocalRuntimeJob

    gate = threading.Event()
    executor = ThreadPoolExecutor(max_workers=1)
    executor.submit(gate.wait)  # occupies the only worker
    sampler = StatevectorSampler()
    future = executor.submit(lambda: sampler.run([bell()]).result())
    job = LocalRuntimeJob(sampler.run, AerSimulator(), "sampler", {"pubs": [bell()]}, future=future)
    return job, gate, executor


def test_queued_local_mode_job_cancelled_before_it_runs():
    job, gate, executor = _local_mode_job_waiting_in_a_busy_executor()
    try:
        monitor = monitor_job(job)
        assert monitor.snapshot.status == "QUEUED"  # not the ERROR PrimitiveJob.status() reports
        monitor.cancel()
        assert monitor.wait(WAIT)
        assert monitor.snapshot.status == "CANCELLED" and monitor.snapshot.error is None
    finally:
        gate.set()
        executor.shutdown(wait=False)


def test_queued_job_runs_when_its_executor_frees_up():
    job, gate, executor = _local_mode_job_waiting_in_a_busy_executor()
    monitor = monitor_job(job)
    statuses: list[str] = []
    monitor.subscribe(lambda s: statuses.append(s.status))
    assert monitor.snapshot.status == "QUEUED"
    gate.set()
    assert monitor.wait(WAIT)
    executor.shutdown(wait=False)
    assert monitor.snapshot.status == "DONE" and statuses[-1] == "DONE"


# -- qiskit-ibm-runtime RuntimeJobV2 ------------------------------------------------


class ScriptedRuntimeClient:
    """Answers RuntimeJobV2's REST calls the way IBM's service does, from a script of states.

    Only IBM's client is replaced; the job class and our monitor are the real ones.
    """

    def __init__(self, states, result=None, reason=None, logs="line 1\n"):
        self.states = list(states)
        self.result = result
        self.reason = reason
        self.logs = logs
        self.gets = 0
        self.cancelled = False

    def job_get(self, job_id, exclude_params=True):
        self.gets += 1
        state = "Cancelled" if self.cancelled else self.states[min(self.gets - 1, len(self.states) - 1)]
        body = {"state": {"status": state}, "created": "2024-01-01T00:00:00Z"}
        if self.reason and state == "Failed":
            body["state"]["reason"] = self.reason
        return body

    def job_results(self, job_id):
        from qiskit_ibm_runtime import RuntimeEncoder

        return json.dumps(self.result, cls=RuntimeEncoder) if self.result is not None else "Traceback: boom"

    def job_metadata(self, job_id):
        return {"timestamps": {"created": "2024-01-01T00:00:00Z", "running": "2024-01-01T00:00:01Z",
                               "finished": "2024-01-01T00:00:03Z"}, "usage": {}}

    def job_logs(self, job_id):
        return self.logs

    def job_cancel(self, job_id):
        self.cancelled = True


def _ibm_job(client, program="sampler"):
    from qiskit_ibm_runtime import RuntimeJobV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    return RuntimeJobV2(backend=FakeManilaV2(), api_client=client, job_id="ibm-job-1",
                        program_id=program, service=None, session_id="sess-1")


def test_ibm_runtime_job_polled_to_done_with_decoded_result_and_logs():
    result = StatevectorSampler(seed=3).run([bell()], shots=32).result()
    client = ScriptedRuntimeClient(["Queued", "Queued", "Running", "Completed"], result=result)
    monitor = monitor_job(_ibm_job(client), min_interval=0.01, max_interval=0.02)
    assert isinstance(monitor, IBMRuntimeJobMonitor)
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "DONE" and snap.kind == "ibm-runtime"
    assert isinstance(snap.result, PrimitiveResult)
    assert snap.backend == "fake_manila" and snap.program == "sampler" and snap.session_id == "sess-1"
    assert snap.logs == "line 1\n"
    assert snap.elapsed() == pytest.approx(2.0)  # from the service's metrics timestamps
    assert snap.created is not None


def test_ibm_runtime_job_failure_reports_the_service_message():
    client = ScriptedRuntimeClient(["Running", "Failed"], reason="out of quota")
    monitor = monitor_job(_ibm_job(client), min_interval=0.01, max_interval=0.02)
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "ERROR" and "out of quota" in snap.error and snap.reason == "out of quota"


def test_ibm_runtime_job_cancelled():
    client = ScriptedRuntimeClient(["Queued"])
    monitor = monitor_job(_ibm_job(client), min_interval=0.01, max_interval=0.02)
    monitor.cancel()
    assert monitor.wait(WAIT)
    assert monitor.snapshot.status == "CANCELLED"


def test_unknown_objects_are_refused():
    with pytest.raises(TypeError):
        monitor_job(object())


# -- our local runtime: pushed events ------------------------------------------------

SLOW_PROGRAM = """
import time

def main(backend, user_messenger, seconds=60, **kwargs):
    print("started")
    for i in range(int(seconds * 10)):
        user_messenger.publish({"iteration": i, "value": i})
        time.sleep(0.1)
    return "slept"
"""


@pytest.fixture
def service(runtime):
    """The session's warm runtime (conftest.py): idle queues when each test starts."""
    return runtime


@pytest.fixture
def home(runtime):
    return runtime.home


@pytest.fixture(scope="module")
def slow_program(warm_service):
    return warm_service.upload_program(
        SLOW_PROGRAM, metadata={"name": "slow-monitor", "description": "sleeps", "max_execution_time": 300}
    )


def test_local_job_events_build_the_snapshot_without_polling(service):
    from qrt_jupyter.monitor.jobs import LocalRuntimeJobMonitor

    job = service.run("hello-world", {"iterations": 4})
    monitor = monitor_job(job)
    assert isinstance(monitor, LocalRuntimeJobMonitor)
    assert monitor_job(service.job(job.job_id())) is monitor  # same job id, same monitor
    recorder = Recorder(monitor)
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "DONE" and snap.result == "All done!" and snap.kind == "local-runtime"
    assert [r["iteration"] for r in snap.interim_results] == [0, 1, 2, 3]  # each once, in order
    assert snap.program == "hello-world" and snap.backend and snap.max_execution_time
    assert snap.started <= snap.finished and snap.queue_position is None
    assert recorder.snapshots[-1] is snap
    counts = [len(s.interim_results) for s in recorder.snapshots]
    assert counts == sorted(counts)  # interim results only ever grow
    assert all(s.status != "DONE" or s.has_result for s in recorder.snapshots)


def test_monitor_of_a_finished_local_job_opens_final(service, home):
    from qrt_jupyter import LocalRuntimeService

    job = service.run("hello-world", {"iterations": 1})
    job.wait_for_final_state(WAIT)
    other = LocalRuntimeService(home=home)  # another handle on the same home, as after a restart
    monitor = monitor_job(other.job(job.job_id()))
    snap = monitor.snapshot
    assert snap.status == "DONE" and snap.result == "All done!" and len(snap.interim_results) == 1


def test_local_job_queue_position_then_cancelled_while_queued(service, slow_program):
    first = service.run(slow_program, {"seconds": 60}, options={"backend_name": "fake_manila"})
    second = service.run(slow_program, {"seconds": 60}, options={"backend_name": "fake_manila"})
    try:
        waiting = monitor_job(second)
        wait_until(lambda: waiting.snapshot.queue_position == 1, "the second job to be first in the queue")
        assert waiting.snapshot.status == "QUEUED"
        waiting.cancel()
        assert waiting.wait(WAIT)
        assert waiting.snapshot.status == "CANCELLED" and waiting.snapshot.queue_position is None
    finally:
        for job in (first, second):
            try:
                job.cancel()
            except Exception:
                pass


def test_local_running_job_cancelled_keeps_its_interims_and_logs(service, slow_program):
    monitor = monitor_job(service.run(slow_program, {"seconds": 60}))
    wait_until(lambda: len(monitor.snapshot.interim_results) >= 3, "three interim results in the snapshot")
    assert monitor.snapshot.status == "RUNNING" and monitor.snapshot.started is not None
    monitor.cancel()
    assert monitor.wait(WAIT)
    snap = monitor.snapshot
    assert snap.status == "CANCELLED" and len(snap.interim_results) >= 3
    assert "started" in snap.logs


def test_local_job_error_carries_the_message(service):
    program = service.upload_program(
        "def main(backend, user_messenger, **kwargs):\n    raise RuntimeError('no luck')\n",
        metadata={"name": "monitor-fails", "description": "fails", "max_execution_time": 300},
    )
    monitor = monitor_job(service.run(program, {}))
    assert monitor.wait(WAIT)
    assert monitor.snapshot.status == "ERROR" and "no luck" in monitor.snapshot.error


BURST_PROGRAM = """
def main(backend, user_messenger, n=3000, **kwargs):
    for i in range(n):
        user_messenger.publish({"iteration": i, "value": i % 7})
    print("published", n)
    return n
"""


def test_local_burst_reaches_the_monitor_and_a_stream_each_once_in_order(service):
    """Thousands of results as fast as the program can publish: the runtime hands the monitor
    runs of them at once, a plain ``run(callback=)`` one at a time; both get all."""
    program = service.upload_program(
        BURST_PROGRAM, metadata={"name": "monitor-burst", "description": "bursts", "max_execution_time": 300})
    streamed: list[int] = []
    job = service.run(program, {"n": 3000}, callback=lambda _job_id, result: streamed.append(result["iteration"]))
    monitor = monitor_job(job)
    recorder = Recorder(monitor)
    assert monitor.wait(WAIT)
    service._home.hub.flush()
    snap = monitor.snapshot
    assert snap.status == "DONE" and snap.result == 3000 and "published 3000" in snap.logs
    assert [r["iteration"] for r in snap.interim_results] == list(range(3000))
    assert streamed == list(range(3000))
    counts = [len(s.interim_results) for s in recorder.snapshots]
    assert counts == sorted(counts) and len(counts) < 3000  # coalesced, never shrinking
