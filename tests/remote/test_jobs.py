"""RemoteRuntimeJob against a real server: the RuntimeJob API, events pushed over WebSockets."""

import threading

import pytest
from qiskit.providers import JobStatus
from qiskit_ibm_runtime import exceptions as ibm

from support import WAIT, bell, wait_until

SLOW = '''
import time

def main(backend, user_messenger, **kwargs):
    """Publishes n interim results, logs a line, then sleeps (so it can be cancelled or time out)."""
    print("starting", flush=True)
    for i in range(kwargs.get("n", 0)):
        user_messenger.publish({"i": i})
    if kwargs.get("fail"):
        raise ValueError("asked to fail")
    time.sleep(kwargs.get("sleep", 0))
    return "slept"
'''


@pytest.fixture(scope="module")
def slow_program(server):
    from qrt_jupyter import RemoteRuntimeService

    service = RemoteRuntimeService(server.url, token=server.tokens["writer"])
    program_id = service.upload_or_update_program(SLOW, metadata={
        "name": "slow-remote", "description": "sleeps", "max_execution_time": 120})
    yield program_id
    service.close()


def test_a_sampler_job_has_the_runtime_job_api(remote):
    job = remote.run("sampler", {"circuits": bell(), "shots": 128}, options={"backend_name": "ibmq_qasm_simulator"})
    assert job.program_id == "sampler" and job.backend_name == "ibmq_qasm_simulator"
    assert job.creation_date is not None and job.inputs["shots"] == 128
    assert job.inputs["circuits"].num_qubits == 2  # circuits come back as circuits
    result = job.result(timeout=WAIT)
    assert type(result).__name__ == "SamplerResult"  # the built-in program's decoder applies
    assert set(result.quasi_dists[0]) <= {0, 3}
    assert job.status() is JobStatus.DONE and job.done() and job.in_final_state()
    assert job.start_date <= job.end_date and job.reason == "done"
    assert job.queue_position() is None and job.error_message() is None
    assert job.backend().name == "ibmq_qasm_simulator"
    assert job.metrics()["timestamps"]["finished"] == job.end_date
    raw = job.result(decoder="qrt_jupyter.runtime.results:ResultDecoder")
    assert isinstance(raw, dict) and "quasi_dists" in raw
    with pytest.raises(ibm.RuntimeInvalidStateError):
        job.cancel()
    with pytest.raises(ibm.RuntimeInvalidStateError):
        job.stream_results(print)


def test_subscribe_delivers_job_events_in_order_on_another_thread(remote, slow_program):
    events, threads = [], set()
    done = threading.Event()

    def on_event(event):
        events.append(event)
        threads.add(threading.get_ident())
        if event.kind == "status" and event.data in ("DONE", "ERROR", "CANCELLED"):
            done.set()

    job = remote.run(slow_program, {"n": 50})
    unsubscribe = job.subscribe(on_event)
    assert done.wait(WAIT)
    unsubscribe()
    interims = [e for e in events if e.kind == "interim"]
    assert [e.index for e in interims] == list(range(50))
    assert [e.data for e in interims] == [{"i": i} for i in range(50)]
    assert events[-1].data == "DONE" and all(e.job_id == job.job_id() for e in events)
    assert "starting" in "".join(e.data for e in events if e.kind == "log") + job.logs()
    assert threading.get_ident() not in threads
    assert job.result() == "slept"


def test_stream_results_and_run_callback_get_every_interim_result_then_the_result(remote, slow_program):
    from_run, from_stream = [], []
    job = remote.run(slow_program, {"n": 5, "sleep": 1}, callback=lambda job_id, value: from_run.append(value))
    job.stream_results(lambda job_id, value: from_stream.append(value))
    assert job.result(timeout=WAIT) == "slept"
    expected = [{"i": i} for i in range(5)] + ["slept"]
    wait_until(lambda: from_run == expected and from_stream == expected, "from_run == expected and from_stream == expected")
    job.cancel_result_streaming()


def test_cancel_a_running_job(remote, slow_program):
    job = remote.run(slow_program, {"sleep": 60})
    wait_until(lambda: job.status() is JobStatus.RUNNING, "job.status() is JobStatus.RUNNING")
    job.cancel()
    job.wait_for_final_state(WAIT)
    assert job.status() is JobStatus.CANCELLED
    assert "cancelled" in job.error_message()
    with pytest.raises(ibm.RuntimeInvalidStateError, match="cancelled"):
        job.result()


def test_a_failed_job_raises_the_failure_with_the_programs_error(remote, slow_program):
    job = remote.run(slow_program, {"fail": True})
    with pytest.raises(ibm.RuntimeJobFailureError, match="asked to fail"):
        job.result(timeout=WAIT)
    assert job.status() is JobStatus.ERROR and "asked to fail" in job.error_message()


def test_time_limits_and_waiting(remote, slow_program):
    job = remote.run(slow_program, {"sleep": 30}, options={"max_execution_time": 2})
    with pytest.raises(ibm.RuntimeJobTimeoutError):
        job.wait_for_final_state(timeout=0.2)
    with pytest.raises(ibm.RuntimeJobMaxTimeoutError):
        job.result(timeout=WAIT)
    assert job.reason == "max_execution_time"


def test_a_queued_job_knows_its_queue_position(remote, slow_program):
    first = remote.run(slow_program, {"sleep": 30}, options={"backend_name": "fake_lima"})
    second = remote.run(slow_program, {"sleep": 0}, options={"backend_name": "fake_lima"})
    try:
        wait_until(lambda: first.status() is JobStatus.RUNNING, "first.status() is JobStatus.RUNNING")
        assert second.status() is JobStatus.QUEUED and second.queue_position(refresh=True) == 1
    finally:
        first.cancel()
        second.result(timeout=WAIT)


def test_a_job_from_another_handle_tells_the_same_truth(remote, server, slow_program):
    from qrt_jupyter import RemoteRuntimeService

    job = remote.run(slow_program, {"n": 3})
    job.result(timeout=WAIT)
    again = RemoteRuntimeService(server.url, token=server.tokens["reader"]).job(job.job_id())
    assert again.status() is JobStatus.DONE and again.result() == "slept"
    assert again.interim_results() == [{"i": 0}, {"i": 1}, {"i": 2}]
    remote.delete_job(job.job_id())
    with pytest.raises(ibm.RuntimeJobNotFound):
        remote.job(job.job_id())


def test_a_subscriber_that_raises_does_not_stop_the_stream(remote, slow_program):
    seen = []
    done = threading.Event()

    def broken(event):
        seen.append(event)
        if event.kind == "status" and event.data == "DONE":
            done.set()
        raise RuntimeError("a bug in the subscriber")

    job = remote.run(slow_program, {"n": 3})
    unsubscribe = job.subscribe(broken)
    assert done.wait(WAIT)
    unsubscribe()
    assert [e.index for e in seen if e.kind == "interim"] == [0, 1, 2]
    assert [e.data for e in seen if e.kind == "status"].count("DONE") == 1
