"""Per-backend FIFO queues, claimed from the shared store, run on worker processes.

One scheduler runs in each client process that submits jobs to a home. The
queues live in the store, not in memory, so several kernels sharing a home see
one queue per backend: a scheduler starts the job at the head of a backend's
queue only if that job is its own (or was left behind by a process that died),
and only while the backend has a free slot (one for a device, one per core for
the simulator). Jobs of an open session go before other queued jobs.

Two threads: the *loop* decides (claims, time limits, cancels, recovery); the
*drain* consumes worker messages, writes them to the store in batches and
emits events. Neither ever calls user code: events go to the EventHub's own
delivery thread.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import socket
import threading
import time
from pathlib import Path
from typing import Callable

from .events import EventHub, JobEvent
from .ids import new_owner_token
from .store import Store
from .workers import Worker, WorkerPool

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
OWNER_STALE_SECONDS = 60.0
LOOP_SECONDS = 0.25
RECOVER_SECONDS = 5.0
_HOST = socket.gethostname()

INTERRUPTED_MESSAGE = (
    "Job was interrupted: the Python process that ran it (pid {pid}) ended before the job "
    "finished, for example a kernel restart. Submit it again with service.run(...)."
)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_owners(store: Store, me: str | None = None) -> dict[str, int]:
    """Owner tokens (→ pid) of processes that are gone: pid dead, or no heartbeat for long."""
    now = time.time()
    dead = {}
    for row in store.owners():
        if row["token"] == me:
            continue
        local = row["host"] == _HOST
        if (local and not _pid_alive(row["pid"])) or now - row["heartbeat"] > OWNER_STALE_SECONDS:
            dead[row["token"]] = row["pid"]
    return dead


def settle_interrupted(store: Store, me: str | None, emit: Callable[[JobEvent], None] | None = None) -> int:
    """Mark running jobs of dead processes failed, with a message that says why.

    Returns how many queued jobs dead processes left behind (to be adopted).
    """
    dead = dead_owners(store, me)
    live = {row["token"] for row in store.owners()} - set(dead)
    orphans = 0
    for row in store.running_jobs():
        owner = row["owner"]
        if owner == me or owner in live:
            continue
        message = INTERRUPTED_MESSAGE.format(pid=dead.get(owner, "unknown"))
        if store.set_status(row["id"], "ERROR", only_if=("RUNNING",), error=message,
                            reason="interrupted", finished=time.time()):
            if emit:
                emit(JobEvent(row["id"], "status", "ERROR"))
    for row in store.queued_jobs():
        if row["owner"] != me and row["owner"] not in live:
            orphans += 1
    for token in dead:
        store.remove_owner(token)
    return orphans


class Scheduler:
    """Runs this process's share of a home's queues (see the module docstring)."""

    def __init__(self, store: Store, hub: EventHub, home: Path,
                 resolve_program: Callable[[str, str | None], tuple[str, str]],
                 capacity: Callable[[str], int], decode: Callable[[str], object]):
        self.store = store
        self.hub = hub
        self.token = new_owner_token()
        self._resolve_program = resolve_program
        self._capacity = capacity
        self._decode = decode
        self._max_workers = int(os.environ.get("QRT_MAX_WORKERS", max(4, 2 * (os.cpu_count() or 1))))
        self._pool = WorkerPool(
            self._on_worker_message, Path(home) / "logs",
            warm=int(os.environ.get("QRT_WARM_WORKERS", "1")),
        )
        self._inbox: "queue.SimpleQueue[tuple[Worker, tuple]]" = queue.SimpleQueue()
        self._lock = threading.RLock()
        self._running: dict[str, tuple[Worker, float | None]] = {}  # job id → worker, deadline
        self._limits: dict[str, float] = {}  # job id → its max_execution_time
        self._interim_next: dict[str, int] = {}
        self._log_next: dict[str, int] = {}
        self._positions: dict[str, int | None] = {}
        self._last_pending: dict[str, int] | None = None
        self._queues_dirty = True
        self._wake = threading.Event()
        self._final = threading.Condition()
        self._stopping = threading.Event()
        self._last_heartbeat = 0.0
        self._last_recover = 0.0
        self.store.heartbeat(self.token, os.getpid(), _HOST)
        settle_interrupted(self.store, self.token, self.hub.emit)
        self._pool.prestart()
        self._loop_thread = threading.Thread(target=self._loop, name="qrt-scheduler", daemon=True)
        self._drain_thread = threading.Thread(target=self._drain, name="qrt-drain", daemon=True)
        self._loop_thread.start()
        self._drain_thread.start()
        atexit.register(self.shutdown)

    # -- public, called from the service ------------------------------------
    def wake(self, queues_changed: bool = False) -> None:
        """Run the loop now; ``queues_changed`` also republishes positions and pending counts."""
        if queues_changed:
            self._queues_dirty = True
        self._wake.set()

    def cancel(self, job_id: str) -> bool:
        """Cancel a job; True if it was queued or running here and is now CANCELLED."""
        if self.store.set_status(job_id, "CANCELLED", only_if=("QUEUED",), reason="cancelled",
                                 finished=time.time()):
            self._finished(job_id, "CANCELLED")
            return True
        with self._lock:
            entry = self._running.get(job_id)
        if entry is not None:
            self._stop_running(job_id, "CANCELLED", reason="cancelled", error=None)
            return True
        return False

    def wait_final(self, job_id: str, timeout: float | None) -> str | None:
        """Block until the job is final (any process's job: the store is re-read)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        # The status is read under the condition's lock: _finished() writes the store first
        # and notifies under this lock, so a job that ends between the read and the wait
        # cannot slip past (that lost wake-up used to cost a result up to 0.5 s).
        with self._final:
            while True:
                status = self.store.job_status(job_id)
                if status in ("DONE", "ERROR", "CANCELLED") or status is None:
                    return status
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return status
                self._final.wait(0.5 if remaining is None else min(0.5, remaining))

    def owns(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._running

    def shutdown(self) -> None:
        """At interpreter exit: running jobs cannot finish; say so instead of leaving them RUNNING."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._lock:
            running = list(self._running)
        for job_id in running:
            self.store.set_status(job_id, "ERROR", only_if=("RUNNING",), reason="interrupted",
                                  error=INTERRUPTED_MESSAGE.format(pid=os.getpid()), finished=time.time())
        self._pool.shutdown()
        try:
            self.store.remove_owner(self.token)
        except Exception:  # the store may already be gone at exit
            pass

    # -- the loop thread ----------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(LOOP_SECONDS)
            self._wake.clear()
            try:
                self._tick()
            except Exception:
                logger.exception("qrt_jupyter scheduler tick failed; retrying")

    def _tick(self) -> None:
        now = time.time()
        if now - self._last_heartbeat > HEARTBEAT_SECONDS:
            self.store.heartbeat(self.token, os.getpid(), _HOST)
            self._last_heartbeat = now
        if now - self._last_recover > RECOVER_SECONDS:
            settle_interrupted(self.store, self.token, self.hub.emit)
            self._last_recover = now
        self._enforce_limits(now)
        self._dispatch()
        self._publish_queues()

    def _enforce_limits(self, now: float) -> None:
        with self._lock:
            running = dict(self._running)
        if not running:
            return
        for job_id, (worker, deadline) in running.items():
            if deadline is not None and now > deadline:
                limit = self._limits.get(job_id, 0.0)
                self._stop_running(
                    job_id, "ERROR", reason="max_execution_time",
                    error=(f"Job {job_id} exceeded its maximum execution time of {limit:g} s and was "
                           "stopped. Raise max_execution_time in the run options (up to the "
                           "program's limit) or make the program faster."),
                )
        # cancels requested by other processes sharing this home
        rows = self.store._read(
            "SELECT id FROM jobs WHERE status='RUNNING' AND cancel_requested=1 AND owner=?", (self.token,)
        )
        for row in rows:
            if row["id"] in running:
                self._stop_running(row["id"], "CANCELLED", reason="cancelled", error=None)

    def _stop_running(self, job_id: str, status: str, reason: str, error: str | None) -> None:
        """Kill the job's worker (a program need not cooperate) and settle the job."""
        with self._lock:
            entry = self._running.pop(job_id, None)
        if entry is None:
            return
        worker, _ = entry
        worker.kill()
        self._pool.discard(worker)
        if self.store.set_status(job_id, status, only_if=("RUNNING",), reason=reason, error=error,
                                 finished=time.time()):
            self._finished(job_id, status)
        self.wake()

    def _dispatch(self) -> None:
        with self._lock:
            mine_running = len(self._running)
        if mine_running >= self._max_workers:
            return
        claimed: list[str] = []
        with self.store.tx() as c:
            queued = c.execute(
                """SELECT j.id, j.backend, j.owner,
                          CASE WHEN s.state='open' AND (s.max_time IS NULL OR s.created+s.max_time > ?)
                               THEN 0 ELSE 1 END AS prio
                   FROM jobs j LEFT JOIN sessions s ON s.id=j.session_id
                   WHERE j.status='QUEUED' ORDER BY prio, j.rowid""",
                (time.time(),),
            ).fetchall()
            if not queued:
                return
            running = dict(c.execute(
                "SELECT backend, count(*) FROM jobs WHERE status='RUNNING' GROUP BY backend").fetchall())
            live = {r[0] for r in c.execute("SELECT token FROM owners").fetchall()}
            blocked: set[str] = set()
            now = time.time()
            for row in queued:
                backend = row["backend"]
                if backend in blocked:
                    continue
                if running.get(backend, 0) >= self._capacity(backend):
                    blocked.add(backend)
                    continue
                if row["owner"] != self.token and row["owner"] in live:
                    blocked.add(backend)  # another kernel's job is next here; it will run it
                    continue
                if mine_running + len(claimed) >= self._max_workers:
                    break
                c.execute(
                    "UPDATE jobs SET status='RUNNING', owner=?, started=?, updated=? WHERE id=? AND status='QUEUED'",
                    (self.token, now, now, row["id"]),
                )
                running[backend] = running.get(backend, 0) + 1
                claimed.append(row["id"])
        for job_id in claimed:
            self._start(job_id)

    def _start(self, job_id: str) -> None:
        row = self.store.get_job(job_id)
        try:
            kind, ref = self._resolve_program(row["program_id"], self.store.job_blob(job_id, "program_data"))
        except Exception as exc:
            if self.store.set_status(job_id, "ERROR", only_if=("RUNNING",), reason="program_error",
                                     error=f"Program {row['program_id']!r} cannot be run: {exc}",
                                     finished=time.time()):
                self._finished(job_id, "ERROR")
            return
        worker = self._pool.acquire()
        worker.job_id = job_id
        limit = row["max_execution_time"]
        with self._lock:
            self._running[job_id] = (worker, (time.time() + limit) if limit else None)
            if limit:
                self._limits[job_id] = limit
            self._interim_next.setdefault(job_id, self.store.interim_count(job_id))
            self._log_next.setdefault(job_id, self.store.log_count(job_id))
        self.hub.emit(JobEvent(job_id, "status", "RUNNING"))
        self._queues_dirty = True
        sent = worker.send(("run", job_id, kind, ref, row["backend"],
                            self.store.job_blob(job_id, "inputs"), row["log_level"]))
        if not sent:
            self._inbox.put((worker, ("exit", worker.process.poll())))

    def _publish_queues(self) -> None:
        """Queue positions of waiting jobs, and pending counts per backend, when they change."""
        pending = self.store.pending_counts()
        if pending == self._last_pending and not self._queues_dirty:
            return
        self._queues_dirty = False
        self._last_pending = pending
        positions: dict[str, int] = {}
        per_backend: dict[str, int] = {}
        for row in self.store.queued_jobs():
            per_backend[row["backend"]] = per_backend.get(row["backend"], 0) + 1
            positions[row["id"]] = per_backend[row["backend"]]
        for job_id, position in positions.items():
            if self._positions.get(job_id) != position and self.hub.has_subscribers(job_id):
                self.hub.emit(JobEvent(job_id, "queue", position))
        self._positions = positions
        self.hub.emit(JobEvent("", "backends", pending))

    # -- the drain thread ---------------------------------------------------
    def _on_worker_message(self, worker: Worker, message: tuple) -> None:
        self._inbox.put((worker, message))

    def _drain(self) -> None:
        while True:
            batch = [self._inbox.get()]
            try:
                while len(batch) < 5000:
                    batch.append(self._inbox.get_nowait())
            except queue.Empty:
                pass
            try:
                self._handle_batch(batch)
            except Exception:
                logger.exception("qrt_jupyter could not record worker messages")

    def _handle_batch(self, batch: list[tuple[Worker, tuple]]) -> None:
        interim_rows: list[tuple] = []
        log_rows: list[tuple] = []
        events: list[JobEvent | tuple] = []  # a tuple: an interim result, decoded by the hub

        def flush() -> None:
            self.store.write_batch(interim_rows, log_rows)
            for event in events:
                if isinstance(event, tuple):
                    self.hub.emit_encoded(*event, self._decode)
                else:
                    self.hub.emit(event)
            interim_rows.clear()
            log_rows.clear()
            events.clear()

        for worker, message in batch:
            kind = message[0]
            now = time.time()
            if kind == "interim":
                _, job_id, text = message
                with self._lock:
                    index = self._interim_next.get(job_id, 0)
                    self._interim_next[job_id] = index + 1
                interim_rows.append((job_id, index, text, now))
                if self.hub.has_subscribers(job_id):
                    events.append((job_id, "interim", text, now, index))
            elif kind == "log":
                _, job_id, stream, text = message
                with self._lock:
                    index = self._log_next.get(job_id, 0)
                    self._log_next[job_id] = index + 1
                log_rows.append((job_id, index, stream, text, now))
                if self.hub.has_subscribers(job_id):
                    events.append(JobEvent(job_id, "log", text, now, index))
            elif kind in ("result", "error"):
                flush()
                self._settle(worker, message)
            elif kind == "idle":
                flush()
                if not worker.killed:
                    self._pool.release(worker)
                self.wake()
            elif kind == "exit":
                flush()
                self._worker_exited(worker, message[1])
            # "ready" needs no action: jobs were already queued on the socket
        flush()

    def _settle(self, worker: Worker, message: tuple) -> None:
        kind, job_id, payload = message
        with self._lock:
            entry = self._running.get(job_id)
            if entry is None or entry[0] is not worker:
                return  # cancelled or timed out meanwhile: that verdict stands
            del self._running[job_id]
        if kind == "result":
            ok = self.store.set_status(job_id, "DONE", only_if=("RUNNING",), result=payload,
                                       reason="done", finished=time.time())
            status = "DONE"
        else:
            ok = self.store.set_status(job_id, "ERROR", only_if=("RUNNING",), error=payload,
                                       reason="program_error", finished=time.time())
            status = "ERROR"
        if ok:
            self._finished(job_id, status)

    def _worker_exited(self, worker: Worker, code) -> None:
        self._pool.discard(worker)
        job_id = worker.job_id
        if worker.killed or job_id is None:
            return
        with self._lock:
            entry = self._running.get(job_id)
            if entry is None or entry[0] is not worker:
                return
            del self._running[job_id]
        if self.store.set_status(
            job_id, "ERROR", only_if=("RUNNING",), reason="worker_died", finished=time.time(),
            error=(f"The worker process running job {job_id} exited unexpectedly (exit code {code}); "
                   "the program may have crashed the interpreter or run out of memory. "
                   "See the runtime's logs/workers.log."),
        ):
            self._finished(job_id, "ERROR")
        self.wake()

    def _finished(self, job_id: str, status: str) -> None:
        with self._lock:
            self._interim_next.pop(job_id, None)
            self._log_next.pop(job_id, None)
            self._limits.pop(job_id, None)
        self.hub.emit(JobEvent(job_id, "status", status))
        with self._final:
            self._final.notify_all()
        self.wake(queues_changed=True)
