"""Jobs on the local runtime, through the public API, with real workers.

The tests share the session's runtime (``runtime`` in conftest.py), so the
worker processes stay warm between tests, as they do for a user; each test
starts with idle queues and looks at the jobs it submitted.
"""

import threading
import time

import pytest
from qiskit.providers import JobStatus
from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobNotFound,
    RuntimeJobTimeoutError,
    RuntimeProgramNotFound,
)

from support import bell, wait_until

from .programs import CRASH, GATED, LOGGING, upload


@pytest.fixture(scope="module")
def loop(warm_service):
    """The id of the LOOP program, uploaded once for the module."""
    return upload(warm_service)


@pytest.fixture
def svc(runtime):
    return runtime


def test_seed_hello_world_example(svc):
    """The seeds' tutorial code, with only the service class changed."""
    interim = []

    def interim_result_callback(job_id, interim_result):
        interim.append((job_id, interim_result))

    backend = svc.backend("ibmq_qasm_simulator")
    program_inputs = {"iterations": 3}
    options = {"backend_name": backend.name}
    job = svc.run(program_id="hello-world", options=options, inputs=program_inputs,
                  callback=interim_result_callback)
    result = job.result(timeout=120)
    assert result == "All done!"
    assert job.status() == JobStatus.DONE
    svc._home.hub.flush()
    iterations = [r["iteration"] for jid, r in interim if isinstance(r, dict)]
    assert iterations == [0, 1, 2]
    assert all(jid == job.job_id() for jid, _ in interim)
    assert len(interim) == 3  # interim results only, as the old API's tutorials show
    assert [r["iteration"] for r in job.interim_results()] == [0, 1, 2]
    assert job.program_id == "hello-world"
    assert job.inputs == {"iterations": 3}
    assert job.backend().name == "ibmq_qasm_simulator"
    assert job.creation_date <= job.end_date


def test_result_of_an_uploaded_program_and_its_backend(svc, loop):
    job = svc.run(loop, {"n": 2}, options={"backend_name": "fake_manila"})
    assert job.result(timeout=60) == {"n": 2, "backend": "fake_manila"}
    assert job.metrics()["usage"]["seconds"] >= 0


def test_interim_results_thousands_in_order_none_lost(svc, loop):
    received = []
    job = svc.run(loop, {"n": 3000}, callback=lambda job_id, r: received.append(r))
    assert job.result(timeout=60)["n"] == 3000
    svc._home.hub.flush()
    assert [r["i"] for r in received] == list(range(3000))
    assert [r["i"] for r in job.interim_results()] == list(range(3000))


def test_stream_results_attached_late_replays_without_gaps(svc, tmp_path):
    """Attach while the job runs, after half its results are in the store, then let it go on.

    The program waits for a file the test creates, so "late" is a fact the test
    observed (20 results stored, 20 still to come), whatever the machine's speed.
    """
    gate = tmp_path / "gate"
    program_id = upload(svc, source=GATED, name="gated", schema=None)
    job = svc.run(program_id, {"n": 40, "gate": str(gate), "before_gate": 20})
    wait_until(lambda: len(job.interim_results()) == 20, "the job's first 20 interim results in the store")
    assert job.status() == JobStatus.RUNNING
    received = []
    job.stream_results(lambda job_id, r: received.append(r))
    gate.touch()
    job.result(timeout=60)
    svc._home.hub.flush()
    assert [r["i"] for r in received] == list(range(40))


def test_stream_results_on_a_finished_job_is_refused(svc, loop):
    job = svc.run(loop, {"n": 1})
    job.wait_for_final_state(60)
    with pytest.raises(RuntimeInvalidStateError, match="already finished"):
        job.stream_results(print)


def test_logs_capture_stdout_stderr_and_logging(svc):
    program_id = upload(svc, source=LOGGING, name="logging-prog", schema=None)
    job = svc.run(program_id, {}, options={"log_level": "INFO"})
    assert job.result(timeout=60) == "ok"
    logs = job.logs()
    assert "to stdout" in logs and "to stderr" in logs and "a warning" in logs
    assert "a debug line" not in logs


def test_a_program_that_raises_fails_with_its_traceback(svc, loop):
    job = svc.run(loop, {"n": 5, "fail_at": 2})
    with pytest.raises(RuntimeJobFailureError, match="boom at 2"):
        job.result(timeout=60)
    assert job.status() == JobStatus.ERROR
    assert "ValueError: boom at 2" in job.error_message()
    assert 'line 8, in main' in job.error_message()  # the program's own line, not the worker's
    assert [r["i"] for r in job.interim_results()] == [0, 1]  # what it published before is kept


def test_a_crashing_worker_fails_the_job_and_is_replaced(svc, loop):
    program_id = upload(svc, source=CRASH, name="crash", schema=None)
    job = svc.run(program_id, {})
    with pytest.raises(RuntimeJobFailureError, match="exited unexpectedly"):
        job.result(timeout=60)
    assert job.interim_results() == ["about to crash"]
    assert svc.run(loop, {"n": 1}).result(timeout=60)["n"] == 1


def test_bad_inputs_name_the_parameter_and_queue_nothing(svc, loop):
    before = len(svc.jobs(limit=None))
    with pytest.raises(IBMInputValueError, match="input parameter 'n'"):
        svc.run(loop, {"n": "many"})
    with pytest.raises(IBMInputValueError, match="its parameters are"):
        svc.run(loop, {"m": 1})
    with pytest.raises(IBMInputValueError, match="input parameter 'iterations'"):
        svc.run("hello-world", {"iterations": -1})
    with pytest.raises(IBMInputValueError, match="cannot be serialized"):
        svc.run(loop, {"n": object()})
    assert len(svc.jobs(limit=None)) == before


def test_unknown_program_backend_and_job(svc):
    with pytest.raises(RuntimeProgramNotFound, match="unknown program 'nope'"):
        svc.run("nope", {})
    with pytest.raises(IBMInputValueError, match="unknown backend 'ibmq_nowhere'"):
        svc.run("hello-world", {}, options={"backend_name": "ibmq_nowhere"})
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    with pytest.raises(QiskitBackendNotFoundError, match="fake_manila"):
        svc.backend("manila")  # suggests the name that exists
    with pytest.raises(RuntimeJobNotFound, match="unknown job 'doesnotexist'"):
        svc.job("doesnotexist")
    with pytest.raises(IBMInputValueError, match="Unknown run option"):
        svc.run("hello-world", {}, options={"backend_nme": "fake_manila"})


def test_backend_requirements_are_checked_at_submit(svc):
    from qiskit import QuantumCircuit

    wide = QuantumCircuit(7)
    wide.measure_all()
    with pytest.raises(IBMInputValueError, match="has 5 qubits but"):
        svc.run("sampler", {"circuits": wide}, options={"backend_name": "fake_manila"})
    requirement = upload(svc, name="needs-20", schema=None)
    svc.update_program(requirement, backend_requirements={"min_num_qubits": 20})
    with pytest.raises(IBMInputValueError, match="needs 20"):
        svc.run(requirement, {}, options={"backend_name": "fake_lima"})
    job = svc.run(requirement, {"n": 1})  # no backend: the least busy that fits
    assert job.backend().num_qubits >= 20
    job.wait_for_final_state(60)


def test_cancel_a_running_job_stops_it_quickly(svc, loop):
    job = svc.run(loop, {"n": 1000, "sleep": 0.05})
    wait_until(lambda: job.status() == JobStatus.RUNNING, "the job to run")
    job.cancel()
    job.wait_for_final_state(timeout=10)
    assert job.status() == JobStatus.CANCELLED
    assert job.reason == "cancelled"
    count = len(job.interim_results())
    time.sleep(0.5)  # a window to watch for results that should not come: a slow machine cannot fail it
    assert len(job.interim_results()) == count  # the program really stopped
    with pytest.raises(RuntimeInvalidStateError, match="cancelled"):
        job.result()
    with pytest.raises(RuntimeInvalidStateError, match="already CANCELLED"):
        job.cancel()


def test_cancel_a_queued_job_at_once(svc, loop):
    blocker = svc.run(loop, {"n": 200, "sleep": 0.05}, options={"backend_name": "fake_lima"})
    queued = svc.run(loop, {"n": 1}, options={"backend_name": "fake_lima"})
    assert queued.status() == JobStatus.QUEUED
    assert queued.queue_position() == 2 or blocker.status() == JobStatus.RUNNING
    queued.cancel()
    assert queued.status() == JobStatus.CANCELLED
    blocker.cancel()


def test_time_limit_is_enforced_and_explained(svc, loop):
    job = svc.run(loop, {"n": 1000, "sleep": 0.05}, options={"max_execution_time": 1})
    job.wait_for_final_state(timeout=30)
    assert job.status() == JobStatus.ERROR
    assert job.reason == "max_execution_time"
    with pytest.raises(RuntimeJobMaxTimeoutError, match="maximum execution time of 1 s"):
        job.result()


def test_programs_limit_caps_the_runs_option(svc):
    program_id = upload(svc, name="short", max_execution_time=2)
    job = svc.run(program_id, {"n": 1}, options={"max_execution_time": 100})
    assert job.max_execution_time == 2


def test_result_timeout_raises_the_clients_error(svc, loop):
    job = svc.run(loop, {"n": 100, "sleep": 0.05})
    with pytest.raises(RuntimeJobTimeoutError):
        job.result(timeout=0.2)
    job.cancel()


def test_fifo_queue_positions_on_a_device(svc, loop):
    jobs = [svc.run(loop, {"n": 3, "sleep": 0.1}, options={"backend_name": "fake_quito"})
            for _ in range(4)]
    positions = [j.queue_position() for j in jobs]
    queued = [p for p in positions if p is not None]
    assert queued == sorted(queued) and len(set(queued)) == len(queued)
    assert svc.backend("fake_quito").status().pending_jobs >= 1
    for job in jobs:
        job.wait_for_final_state(60)
    starts = [j.start_date for j in jobs]
    assert starts == sorted(starts)  # one at a time, first in first out
    for earlier, later in zip(jobs, jobs[1:]):
        assert earlier.end_date <= later.start_date
    assert svc.backend("fake_quito").status().pending_jobs == 0


def test_jobs_listing_filters_and_delete(svc, loop):
    a = svc.run(loop, {"n": 1}, options={"backend_name": "fake_belem"})
    a.wait_for_final_state(60)
    listed = svc.jobs(limit=5, backend_name="fake_belem")
    assert listed[0].job_id() == a.job_id()
    assert all(j.program_id == loop for j in svc.jobs(limit=5, program_id="loop"))
    assert a.job_id() not in [j.job_id() for j in svc.jobs(limit=None, pending=True)]
    assert len(svc.jobs(limit=2)) == 2
    svc.delete_job(a.job_id())
    with pytest.raises(RuntimeJobNotFound):
        svc.job(a.job_id())


def test_concurrent_submissions_from_threads(svc, loop):
    jobs, errors = [], []

    def submit():
        try:
            for _ in range(5):
                jobs.append(svc.run(loop, {"n": 2}, options={"backend_name": "fake_bogota"}))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({j.job_id() for j in jobs}) == 30
    for job in jobs:
        assert job.result(timeout=120)["n"] == 2
    ordered = sorted(jobs, key=lambda j: j.start_date)
    for earlier, later in zip(ordered, ordered[1:]):
        assert earlier.end_date <= later.start_date  # never two at once on one device


def test_subscribe_reports_status_queue_and_interim_events(svc, tmp_path):
    # subscribe() reports what happens from then on; the job waits at a gate until then (a job
    # that nothing waits before starts at once, and may publish before the subscription)
    gate = tmp_path / "gate"
    program_id = svc.upload_or_update_program(GATED, name="gated", description="test program gated",
                                              max_execution_time=60)
    events = []
    job = svc.run(program_id, {"n": 3, "gate": str(gate), "before_gate": 0})
    unsubscribe = job.subscribe(events.append)
    gate.touch()
    job.wait_for_final_state(60)
    svc._home.hub.flush()
    unsubscribe()
    kinds = [e.kind for e in events]
    assert "interim" in kinds
    assert [e.data for e in events if e.kind == "status"][-1] == "DONE"


def test_service_subscribe_sees_every_job(svc, loop):
    events = []
    unsubscribe = svc.subscribe(events.append)
    job = svc.run(loop, {"n": 1})
    job.wait_for_final_state(60)
    svc._home.hub.flush()
    # pending counts are published at most every PUBLISH_SECONDS: soon after, not at once
    wait_until(lambda: any(e.kind == "backends" and e.data.get(job.backend().name) is None for e in events),
               "the backends event after the job's end")
    unsubscribe()
    statuses = [e.data for e in events if e.job_id == job.job_id() and e.kind == "status"]
    assert statuses[0] == "QUEUED" and statuses[-1] == "DONE"


def test_a_programs_backend_options_do_not_leak_into_the_next_job(svc):
    from .programs import SET_SHOTS

    program_id = upload(svc, source=SET_SHOTS, name="set-shots", schema=None)
    opts = {"backend_name": "fake_athens"}
    default = svc.run(program_id, {}, options=opts).result(timeout=60)
    assert svc.run(program_id, {"shots": 7}, options=opts).result(timeout=60) == 7
    assert svc.run(program_id, {}, options=opts).result(timeout=60) == default


def test_jobs_filter_by_status(svc, loop):
    failed = svc.run(loop, {"n": 2, "fail_at": 0})
    failed.wait_for_final_state(60)
    errors = svc.jobs(limit=None, status="ERROR")
    assert failed.job_id() in [j.job_id() for j in errors]
    assert all(j.status() == JobStatus.ERROR for j in errors)
    assert failed.job_id() not in [j.job_id() for j in svc.jobs(limit=None, status=JobStatus.DONE)]


def test_backends_know_their_service(svc):
    assert svc.backend("fake_manila").service is svc
    assert all(b.service is svc for b in svc.backends()[:3])


def test_a_noisy_device_stays_noisy_job_after_job(svc):
    """A warm worker reuses its fake device; the noise model must survive every job."""
    opts = {"backend_name": "fake_manila"}
    for _ in range(3):
        quasi = svc.run("sampler", {"circuits": bell(), "shots": 4000}, options=opts).result(timeout=120)
        dist = quasi.quasi_dists[0]
        assert dist.get(1, 0) + dist.get(2, 0) > 0.002  # readout and gate errors leave 01 and 10
