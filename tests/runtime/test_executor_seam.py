"""The scheduler knows executors only through the seam: a second executor, running programs on threads
of this process, gets the same queueing, results, interim results, cancels and lost jobs."""

from __future__ import annotations

import threading

import pytest

from qrt_jupyter.runtime import codec
from qrt_jupyter.runtime.events import EventHub
from qrt_jupyter.runtime.executors import Executor, Launch
from qrt_jupyter.runtime.scheduler import Scheduler
from qrt_jupyter.runtime.store import Store
from qrt_jupyter.runtime.worker_main import run_job

PUBLISHER = '''
import os, time

def main(backend, user_messenger, n=3, hold_until=None):
    for i in range(n):
        user_messenger.publish({"i": i})
    while hold_until is not None and not os.path.exists(hold_until):  # the test lets it go
        time.sleep(0.01)
    return {"n": n, "backend": backend.name}
'''


class ThreadExecutor(Executor):
    """Runs each job on a thread of this process with the worker's own ``run_job``.

    One at a time: ``run_job`` redirects this process's stdout while a program runs.
    """

    max_jobs = 2

    def __init__(self, report):
        self.report = report
        self.started: list[Launch] = []
        self.killed: set[str] = set()
        self.threads: list[threading.Thread] = []
        self._one_at_a_time = threading.Lock()

    def start(self, launch: Launch) -> None:
        self.started.append(launch)
        if launch.backend == "vanishing":  # what runs it is gone before it begins
            self.report(("lost", launch.job_id, "test executor lost it"))
            return

        def send(message):
            if launch.job_id not in self.killed:
                self.report(message)

        def run():
            with self._one_at_a_time:
                run_job(send, launch.job_id, launch.program_kind, launch.program, launch.backend,
                        launch.backend_factory, launch.inputs, launch.log_level)
            self.report(("free",))

        thread = threading.Thread(target=run, daemon=True)
        self.threads.append(thread)
        thread.start()

    def kill(self, job_id: str) -> None:
        self.killed.add(job_id)

    def shutdown(self) -> None:
        for thread in self.threads:
            thread.join(60)


@pytest.fixture
def runtime(tmp_path):
    store, hub = Store(tmp_path / "runtime.db"), EventHub()
    executors: list[ThreadExecutor] = []

    def make(report):
        executors.append(ThreadExecutor(report))
        return executors[0]

    scheduler = Scheduler(store, hub, tmp_path, lambda program_id, data: ("source", data),
                          capacity=lambda backend: 1, executor=make)
    yield store, scheduler, executors[0]
    scheduler.shutdown()


def submit(store, scheduler, job_id, inputs, backend="ibmq_qasm_simulator"):
    store.insert_job(id=job_id, program_id="publisher", program_data=PUBLISHER, backend=backend,
                     inputs=codec.encode(inputs), options="{}", owner=scheduler.token)
    scheduler.wake(queues_changed=True)


def test_a_job_runs_through_the_seam_and_is_recorded(runtime):
    store, scheduler, executor = runtime
    submit(store, scheduler, "j1", {"n": 3})
    assert scheduler.wait_final("j1", 120) == "DONE"
    assert codec.decode(store.job_blob("j1", "result")) == {"n": 3, "backend": "ibmq_qasm_simulator"}
    assert [codec.decode(row["data"]) for row in store.interim("j1")] == [{"i": 0}, {"i": 1}, {"i": 2}]
    (launch,) = executor.started
    assert (launch.job_id, launch.program_kind, launch.backend_factory) == ("j1", "source", None)


def test_one_job_at_a_time_per_backend_and_cancel_kills_where_it_runs(runtime, tmp_path):
    store, scheduler, executor = runtime
    release = tmp_path / "release"
    submit(store, scheduler, "held", {"n": 1, "hold_until": str(release)})
    submit(store, scheduler, "next", {"n": 2})
    assert scheduler.wait_final("next", 0.5) == "QUEUED"  # capacity 1: "held" never ends by itself
    assert scheduler.cancel("held")
    assert "held" in executor.killed and store.job_status("held") == "CANCELLED"
    release.touch()  # the killed program may now return: what it says is no longer heard
    assert scheduler.wait_final("next", 120) == "DONE"
    assert store.job_status("held") == "CANCELLED" and store.job_blob("held", "result") is None


def test_a_lost_job_fails_with_what_the_executor_said(runtime):
    store, scheduler, _ = runtime
    submit(store, scheduler, "gone", {"n": 1}, backend="vanishing")
    assert scheduler.wait_final("gone", 120) == "ERROR"
    row = store.get_job("gone")
    assert row["reason"] == "worker_died" and "test executor lost it" in row["error"]


def _held_job(store, scheduler, executor, tmp_path, job_id):
    """A job RUNNING in the executor whose program is held; what it reports from now on is the
    test's (its own messages are not heard)."""
    submit(store, scheduler, job_id, {"n": 1, "hold_until": str(tmp_path / f"{job_id}-release")})
    for _ in range(1000):
        if store.job_status(job_id) == "RUNNING" and len(store.interim(job_id)) == 1:
            break
        threading.Event().wait(0.01)
    executor.killed.add(job_id)
    return tmp_path / f"{job_id}-release"


def test_an_end_reported_with_nothing_ahead_is_recorded_before_report_returns(runtime, tmp_path):
    store, scheduler, executor = runtime
    release = _held_job(store, scheduler, executor, tmp_path, "quiet")
    executor.report(("result", "quiet", codec.encode({"n": 0})))
    assert store.job_status("quiet") == "DONE"  # on the reporting thread: no hand-over to the drain
    release.touch()


def test_interim_results_reported_before_an_end_are_all_recorded_before_it(runtime, tmp_path):
    store, scheduler, executor = runtime
    release = _held_job(store, scheduler, executor, tmp_path, "busy")
    for i in range(1, 2001):  # the drain is still writing these when the end arrives
        executor.report(("interim", "busy", codec.encode({"i": i})))
    executor.report(("result", "busy", codec.encode({"n": 2001})))
    assert scheduler.wait_final("busy", 120) == "DONE"
    assert [codec.decode(row["data"])["i"] for row in store.interim("busy")] == list(range(2001))
    assert scheduler.dropped == 0
    release.touch()
