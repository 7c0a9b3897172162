"""The default executor: this machine's warm worker processes (see ``runtime/workers.py``)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..workers import Worker, WorkerPool
from . import Executor, Launch, Report

__all__ = ["LocalExecutor"]


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


RECENT_BACKENDS = 3
"""How many recently used backends a new worker prepares while it waits for its first job."""


class LocalExecutor(Executor):
    """Jobs in worker processes of this machine, one job per worker at a time.

    ``max_jobs`` is ``$QRT_MAX_WORKERS``, else twice the cores (at least 4): most
    jobs wait on a simulator that uses one core, and devices run one job each.
    ``warm`` (``$QRT_WARM_WORKERS``, default 1) workers are kept started ahead of
    need, because a new one takes seconds to import qiskit and Aer.
    """

    def __init__(self, report: Report, log_dir: Path, warm: int | None = None, max_jobs: int | None = None):
        self._report = report
        self.max_jobs = max_jobs or _env_int("QRT_MAX_WORKERS", max(4, 2 * (os.cpu_count() or 1)))
        self._recent: list[str] = []  # local backends of the last jobs, newest last
        self._pool = WorkerPool(self._on_message, Path(log_dir),
                                warm=_env_int("QRT_WARM_WORKERS", 1) if warm is None else warm,
                                recent_backends=lambda: list(self._recent))
        self._running: dict[str, Worker] = {}
        self._ends: dict[Worker, tuple] = {}  # a job's result or error, held until its worker is idle
        self._lock = threading.Lock()
        self._pool.prestart()

    def start(self, launch: Launch) -> None:
        worker = self._pool.acquire()
        worker.job_id = launch.job_id
        worker.backends.add(launch.backend)
        with self._lock:
            self._running[launch.job_id] = worker
        self._report(("worker", launch.job_id, f"local:{worker.pid}"))  # before its result can be
        # the job first; preparing the other workers happens while it runs
        sent = worker.send(("run", launch.job_id, launch.program_kind, launch.program, launch.backend,
                            launch.backend_factory, launch.inputs, launch.log_level, launch.memory_limit))
        if launch.backend_factory is None:  # a local backend: the others may build it ahead of need
            if launch.backend in self._recent:
                self._recent.remove(launch.backend)
            self._recent = (self._recent + [launch.backend])[-RECENT_BACKENDS:]
            self._pool.warm_backend(launch.backend)
        if not sent:
            self._on_message(worker, ("exit", worker.process.returncode))

    def kill(self, job_id: str) -> None:
        with self._lock:
            worker = self._running.pop(job_id, None)
        if worker is not None:
            worker.kill()
            self._pool.discard(worker)

    def shutdown(self) -> None:
        self._pool.shutdown()

    def _on_message(self, worker: Worker, message: tuple) -> None:
        """A worker's message, on its reader thread: the scheduler's part is passed on."""
        kind = message[0]
        if kind == "ready":
            return
        if kind in ("result", "error"):
            # Reported with the "idle" that follows (after the worker has ended what the job
            # left running): by the time result() returns, the worker is back in the pool,
            # so the caller's next job goes to this warm worker, not to one still starting.
            with self._lock:
                self._ends[worker] = message
            return
        with self._lock:
            end = self._ends.pop(worker, None)
        if kind == "idle":
            self._forget(worker)
            if not worker.killed:
                self._pool.release(worker)
            if end is not None:
                self._report(end)
            self._report(("free",))
        elif kind == "exit":
            self._pool.discard(worker)
            if end is not None:  # it ended its job, then died: the job keeps its result
                self._report(end)
            job_id = worker.job_id
            if job_id is not None and not worker.killed and self._forget(worker) == job_id:
                self._report(("lost", job_id, f"exit code {message[1]}"))
        else:
            self._report(message)

    def _forget(self, worker: Worker) -> str | None:
        """Drop the worker's job from the running ones; that job's id, if it was still its."""
        job_id = worker.job_id
        with self._lock:
            if job_id is not None and self._running.get(job_id) is worker:
                del self._running[job_id]
                return job_id
        return None
