"""Worker processes against the faults a user's machine produces (issue 13, items 6-9).

Real worker processes throughout: a process that waits and is interrupted as the
notebook's button does it (SIGINT to its process group), programs that fork and
then kill their worker, programs that leave processes behind, a program that
allocates without bound under a memory limit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import WAIT, wait_until

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc (Linux)")

REPO = Path(__file__).resolve().parents[2]
SIMULATOR = {"backend_name": "ibmq_qasm_simulator"}

SLEEPER = '''
import time

def main(backend, user_messenger, seconds=1.0):
    user_messenger.publish("started")
    time.sleep(seconds)
    return "slept"
'''

FORK_THEN_DIE = '''
import os, time

def main(backend, user_messenger):
    child = os.fork()
    if child == 0:  # holds the worker's socket, forever
        while True:
            time.sleep(1)
    user_messenger.publish({"child": child})
    time.sleep(0.2)
    os.kill(os.getpid(), 9)
'''

LEAVES_PROCESSES = '''
import os, subprocess, time

def _daemon(new_session):
    """Double fork: the grandchild's parent exits, so it is nobody's child any more."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        grandchild = os.fork()
        if grandchild == 0:
            if new_session:
                os.setsid()
            os.write(write, str(os.getpid()).encode() + b"\\n")
            while True:
                time.sleep(1)
        os._exit(0)
    os.waitpid(child, 0)
    return int(os.read(read, 64).split()[0])

def main(backend, user_messenger, linger=0.0):
    pids = [subprocess.Popen(["sleep", "600"]).pid, _daemon(False), _daemon(True)]
    user_messenger.publish({"pids": pids})
    time.sleep(linger)
    return pids
'''

ALLOCATES = '''
def main(backend, user_messenger, mib=100, step=20):
    chunks = []
    for _ in range(mib // step):
        chunks.append(bytearray(step << 20))
    return len(chunks) * step
'''


def _upload(service, name: str, source: str) -> str:
    return service.upload_program(source, metadata={"name": name, "description": name, "max_execution_time": 300})


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting for a reaper."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


def _first_interim(job):
    wait_until(lambda: job.interim_results() or job.status().name in ("DONE", "ERROR", "CANCELLED"),
               "the job's first interim result")
    assert job.interim_results(), (job.status(), job.error_message())
    return job.interim_results()[0]


def test_interrupting_the_waiting_process_stops_the_wait_only(tmp_path):
    script = textwrap.dedent(f'''
        import sys, time
        from qrt_jupyter import LocalRuntimeService
        service = LocalRuntimeService(home=sys.argv[1])
        program = service.upload_program({SLEEPER!r}, metadata={{"name": "sleeper", "description": "s",
                                                               "max_execution_time": 300}})
        job = service.run(program, {{"seconds": 3.0}}, options={SIMULATOR!r})
        deadline = time.monotonic() + {WAIT}
        while not job.interim_results() and time.monotonic() < deadline:
            time.sleep(0.02)
        try:  # "running" inside the try: the SIGINT may arrive as soon as it is printed
            print("running", flush=True)
            job.wait_for_final_state(timeout={WAIT})
            print("not interrupted", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        job.wait_for_final_state(timeout={WAIT})
        print("final", job.status().name, job.error_message(), flush=True)
        service.close()
    ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    # its own session, as a kernel has: the SIGINT below goes to that group, not to pytest's
    kernel = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "home")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        assert kernel.stdout.readline().strip() == "running"
        os.killpg(kernel.pid, signal.SIGINT)  # what Jupyter's interrupt button does
        out, err = kernel.communicate(timeout=WAIT)
    finally:
        if kernel.poll() is None:
            os.killpg(kernel.pid, signal.SIGKILL)
            kernel.wait()
    assert "interrupted" in out.splitlines(), (out, err)
    assert "final DONE None" in out.splitlines(), (out, err)


def test_a_dead_workers_forked_child_cannot_keep_its_job_running(service):
    job = service.run(_upload(service, "fork-then-die", FORK_THEN_DIE), {}, options=SIMULATOR)
    child = _first_interim(job)["child"]
    job.wait_for_final_state(timeout=WAIT)
    assert job.status().name == "ERROR"
    assert job.reason == "worker_died"
    wait_until(lambda: not _running(child), "the forked child to end with its worker")


def test_processes_a_finished_job_left_behind_are_ended(service):
    job = service.run(_upload(service, "leaves-processes", LEAVES_PROCESSES), {}, options=SIMULATOR)
    pids = job.result(timeout=WAIT)
    assert len(pids) == 3
    wait_until(lambda: not any(_running(pid) for pid in pids), "the processes the job left to end")
    # the same worker serves the next job as before
    again = service.run(_upload(service, "sleeper", SLEEPER), {"seconds": 0.0}, options=SIMULATOR)
    assert again.result(timeout=WAIT) == "slept"


@pytest.mark.parametrize("how", ["cancel", "time limit", "close"])
def test_stopping_a_job_ends_the_processes_it_started(service, how):
    program = _upload(service, "leaves-processes", LEAVES_PROCESSES)
    if how == "time limit":  # a warm worker: the limit counts from RUNNING, a cold start included
        service.run(_upload(service, "sleeper", SLEEPER), {"seconds": 0.0}, options=SIMULATOR).result(timeout=WAIT)
    options = dict(SIMULATOR, max_execution_time=5) if how == "time limit" else SIMULATOR
    job = service.run(program, {"linger": 600.0}, options=options)
    pids = _first_interim(job)["pids"]
    assert all(_running(pid) for pid in pids)
    if how == "cancel":
        job.cancel()
    elif how == "close":
        service.close()
    job.wait_for_final_state(timeout=WAIT)
    assert job.status().name == {"cancel": "CANCELLED", "time limit": "ERROR", "close": "ERROR"}[how]
    wait_until(lambda: not any(_running(pid) for pid in pids), "the processes the job left to end")


def test_a_job_past_its_memory_limit_ends_error_and_the_worker_serves_on(service):
    program = _upload(service, "allocates", ALLOCATES)
    job = service.run(program, {"mib": 4000}, options=dict(SIMULATOR, memory_limit="200MiB"))
    job.wait_for_final_state(timeout=WAIT)
    assert job.status().name == "ERROR"
    assert job.error_message().startswith("memory limit of 200 MiB exceeded"), job.error_message()
    # the limit was the job's: the next one, without a limit, may allocate more
    assert service.run(program, {"mib": 300}, options=SIMULATOR).result(timeout=WAIT) == 300
    # within the limit a job runs as usual
    assert service.run(program, {"mib": 100}, options=dict(SIMULATOR, memory_limit=2 << 30)).result(
        timeout=WAIT) == 100


def test_the_memory_limit_default_comes_from_the_environment(service, monkeypatch):
    monkeypatch.setenv("QRT_MEMORY_LIMIT", "150MB")
    job = service.run(_upload(service, "allocates", ALLOCATES), {"mib": 4000}, options=SIMULATOR)
    job.wait_for_final_state(timeout=WAIT)
    assert "memory limit of 143.051 MiB exceeded" in job.error_message()


@pytest.mark.parametrize("bad", ["lots", -5, 0, True, "12 parsecs", float("nan")])
def test_a_memory_limit_that_is_not_a_size_is_one_clear_error(service, bad):
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    with pytest.raises(IBMInputValueError, match="memory_limit must be a positive number of bytes"):
        service.run("hello-world", {}, options=dict(SIMULATOR, memory_limit=bad))


def test_a_ready_idle_worker_goes_before_one_still_importing(tmp_path):
    """After a cancel killed the hot worker, the next job must not wait for a worker that is
    still importing qiskit when another idle one is ready."""
    from qrt_jupyter.runtime.workers import WorkerPool

    pool = WorkerPool(lambda worker, message: None, tmp_path, warm=1)
    try:
        pool.prestart()
        ready = wait_until(lambda: next((w for w in pool._idle if w.ready), None), "the reserve to be ready")
        pool._park(pool._start())  # a second idle worker, just started: still importing
        assert not pool._idle[-1].ready
        assert pool.acquire() is ready
    finally:
        pool.shutdown()


def test_workers_beyond_the_warm_reserve_exit_after_an_idle_while(tmp_path):
    from qrt_jupyter.runtime.workers import WorkerPool

    pool = WorkerPool(lambda worker, message: None, tmp_path, warm=1, idle_seconds=0.5)
    try:
        busy = [pool.acquire() for _ in range(3)]
        assert len(pool) == 4  # three for jobs and the reserve
        for worker in busy:
            pool.release(worker)
        kept = busy[-1]  # the most recently used one stays: its caches are hot
        wait_until(lambda: len(pool) == 1, "the idle workers beyond the reserve to exit")
        assert pool.acquire() is kept
        stopped = [w for w in busy if w is not kept]
        wait_until(lambda: not any(_running(w.pid) for w in stopped), "the stopped workers to end")
    finally:
        pool.shutdown()
