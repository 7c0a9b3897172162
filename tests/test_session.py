"""Sessions on the local runtime: lifetime, closing, max_time, and the scheduler's priority.

Everything runs for real: a LocalRuntimeService on a temporary home, its SQLite
store and its worker processes. Nothing here asserts on durations; where a test
needs the device busy it holds a "gate" job running until the test opens the
gate (creates a file), so the order of events is fixed by the test, not by timing.
"""

from __future__ import annotations

import pytest
from qiskit.providers import JobStatus
from qiskit_ibm_runtime.exceptions import IBMInputValueError, RuntimeInvalidStateError

from qrt_jupyter import LocalRuntimeService, Options, Sampler, Session
from qrt_jupyter.runtime.session import parse_max_time
from support import bell, wait_until

DEVICE = "fake_manila"  # one job at a time, so a running job keeps the rest queued

GATE_SOURCE = '''
import os
import time


def main(backend, user_messenger, gate, tag=None):
    """Wait until the file `gate` exists, so a test decides when this job may end."""
    while not os.path.exists(gate):
        time.sleep(0.02)
    return tag
'''

GATE_METADATA = {
    "name": "gate",
    "description": "Runs until a file exists; keeps a backend busy for as long as a test needs.",
    "max_execution_time": 300,
    "spec": {
        "parameters": {
            "type": "object",
            "properties": {"gate": {"type": "string"}, "tag": {"type": "string"}},
            "required": ["gate"],
        }
    },
}


@pytest.fixture
def home(runtime, monkeypatch):
    """The default home in these tests is the session's warm runtime (conftest.py).

    Its workers stay warm between tests, and it starts and ends each test with
    idle queues. Nothing may touch ~/.qrt.
    """
    monkeypatch.setenv("QRT_HOME", str(runtime.home))
    return runtime.home


@pytest.fixture
def service(home, runtime):
    return runtime


@pytest.fixture(scope="module")
def gate_program(warm_service):
    return warm_service.upload_program(data=GATE_SOURCE, metadata=GATE_METADATA)


# -- max_time --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, seconds",
    [(90, 90), (1.5, 1.5), ("2h", 7200), ("30m", 1800), ("1h 30m", 5400), ("1d 10s", 86410), (None, None)],
)
def test_max_time_accepts_seconds_and_hms_strings(given, seconds):
    assert parse_max_time(given) == seconds


@pytest.mark.parametrize("given", ["soon", "", 0, -5, True, [1]])
def test_max_time_rejects_nonsense(given):
    with pytest.raises(IBMInputValueError):
        parse_max_time(given)


def test_max_time_string_is_stored_in_seconds(service):
    with Session(service=service, backend="ibmq_qasm_simulator", max_time="2h") as session:
        assert session.max_time == 7200
        assert session.details()["max_time"] == 7200


# -- lifetime --------------------------------------------------------------------------


def test_context_manager_opens_then_closes(service):
    with Session(service=service, backend="ibmq_qasm_simulator") as session:
        assert session.service is service
        assert session.backend() == "ibmq_qasm_simulator"
        details = session.details()
        assert details["id"] == session.session_id
        assert details["state"] == "open"
        assert details["backend_name"] == "ibmq_qasm_simulator"
        assert details["accepting_jobs"] is True
        assert details["started_at"] is not None
        job = session.run("hello-world", {"iterations": 1})
        assert job.result() == "All done!"
        assert job.session_id == session.session_id
        assert session.details()["jobs"] == [job.job_id()]
        assert [j.job_id() for j in service.jobs(session_id=session.session_id)] == [job.job_id()]

    details = session.details()
    assert details["state"] == "closed"
    assert details["accepting_jobs"] is False
    assert details["closed_at"] is not None
    assert session.status() == "Closed"
    with pytest.raises(RuntimeInvalidStateError):
        session.run("hello-world", {"iterations": 1})
    # the store has it, for the dashboard and for other kernels
    assert session.session_id in [s["id"] for s in service.sessions()]


def test_close_refuses_new_jobs(service):
    session = Session(service=service, backend="ibmq_qasm_simulator")
    assert session.active
    session.close()
    assert not session.active
    with pytest.raises(RuntimeInvalidStateError):
        Sampler(session=session).run(bell())


def test_backend_given_as_object(service):
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    with Session(service=service, backend=service.backend(DEVICE)) as session:
        assert session.backend() == DEVICE
    with Session(service=service, backend=FakeManilaV2()) as session:
        assert session.details()["backend_name"] == DEVICE


def test_unknown_backend_is_refused_at_once(service):
    with pytest.raises(Exception, match="no_such_device"):
        Session(service=service, backend="no_such_device")


def test_default_service_is_the_default_home(tmp_path, monkeypatch):
    home = tmp_path / "qrt-home"
    monkeypatch.setenv("QRT_HOME", str(home))
    with Session(backend="ibmq_qasm_simulator") as session:
        sid = session.session_id
    assert sid in [s["id"] for s in LocalRuntimeService(home=home).sessions()]


def test_reattach_from_another_service(service, home):
    session = Session(service=service, backend="ibmq_qasm_simulator", max_time=600)
    other = Session.from_id(session.session_id, service=LocalRuntimeService(home=home))
    assert other.backend() == "ibmq_qasm_simulator"
    assert other.max_time == 600
    other.close()
    assert session.details()["state"] == "closed"


def test_max_time_expiry_refuses_new_jobs(service):
    session = Session(service=service, backend="ibmq_qasm_simulator", max_time=1)
    job = session.run("hello-world", {"iterations": 1})
    assert job.result() == "All done!"
    wait_until(lambda: session.details()["state"] != "open", "the session to expire")
    assert session.details()["state"] == "expired"
    with pytest.raises(RuntimeInvalidStateError):
        session.run("hello-world", {"iterations": 1})
    with pytest.raises(RuntimeInvalidStateError):
        Sampler(session=session).run(bell())


# -- priority --------------------------------------------------------------------------


def test_session_jobs_run_before_earlier_queued_jobs(service, gate_program, tmp_path):
    """On a busy device, an open session's jobs overtake jobs queued before them.

    A gate job occupies the device; two plain jobs queue; then a session submits a
    Sampler job and a program job. When the gate opens, both session jobs must start
    before either plain job, whatever the timing.
    """
    gate, open_gate = tmp_path / "gate", tmp_path / "open"
    open_gate.touch()
    blocker = service.run(gate_program, {"gate": str(gate)}, options={"backend_name": DEVICE})
    wait_until(lambda: blocker.status() is JobStatus.RUNNING, "the blocker to run")

    earlier = [
        service.run(gate_program, {"gate": str(open_gate), "tag": f"plain-{i}"},
                    options={"backend_name": DEVICE})
        for i in range(2)
    ]
    with Session(service=service, backend=DEVICE) as session:
        sampler = Sampler(session=session, options=Options(resilience_level=0, execution={"shots": 50}))
        in_session = [
            sampler.run(bell()),
            session.run(gate_program, {"gate": str(open_gate), "tag": "session"}),
        ]
        assert in_session[0].queue_position() == 1  # ahead of the earlier plain jobs
        assert earlier[0].queue_position() > in_session[1].queue_position()

        gate.touch()
        # inside the block: the session must still be open when they are scheduled
        for job in in_session:
            job.result()
    for job in [blocker, *earlier]:
        job.result()

    session_starts = [job.start_date for job in in_session]
    plain_starts = [job.start_date for job in earlier]
    assert blocker.start_date < min(session_starts)
    assert max(session_starts) < min(plain_starts), (session_starts, plain_starts)
    assert all(job.session_id == session.session_id for job in in_session)
    assert all(job.session_id is None for job in earlier)


def test_closing_lets_queued_jobs_run_as_normal_jobs(service, gate_program, tmp_path):
    gate, open_gate = tmp_path / "gate", tmp_path / "open"
    open_gate.touch()
    blocker = service.run(gate_program, {"gate": str(gate)}, options={"backend_name": DEVICE})
    wait_until(lambda: blocker.status() is JobStatus.RUNNING, "the blocker to run")

    plain = service.run(gate_program, {"gate": str(open_gate), "tag": "plain"},
                        options={"backend_name": DEVICE})
    session = Session(service=service, backend=DEVICE)
    queued = session.run(gate_program, {"gate": str(open_gate), "tag": "was-in-session"})
    assert queued.queue_position() == 1
    session.close()

    # not cancelled: still queued, now behind the plain job that came first
    assert queued.status() is JobStatus.QUEUED
    assert queued.queue_position() == 2
    with pytest.raises(RuntimeInvalidStateError):
        session.run(gate_program, {"gate": str(open_gate)})

    gate.touch()
    assert queued.result() == "was-in-session"
    assert plain.result() == "plain"
    assert plain.start_date < queued.start_date
    assert queued.session_id == session.session_id  # the job still records its session


def test_cancel_closes_and_cancels_unfinished_jobs(service, gate_program, tmp_path):
    gate = tmp_path / "gate"
    blocker = service.run(gate_program, {"gate": str(gate)}, options={"backend_name": DEVICE})
    wait_until(lambda: blocker.status() is JobStatus.RUNNING, "the blocker to run")
    session = Session(service=service, backend=DEVICE)
    queued = session.run(gate_program, {"gate": str(gate)})
    session.cancel()
    assert session.details()["state"] == "closed"
    assert queued.status() is JobStatus.CANCELLED
    gate.touch()
    assert blocker.result() is None
