"""Per-backend FIFO queues, claimed from the shared store, run by an executor.

One scheduler runs in each client process that submits jobs to a home. The
queues live in the store, not in memory, so several kernels sharing a home see
one queue per backend: a scheduler starts the job at the head of a backend's
queue only if that job is its own (or was left behind by a process that died,
see :mod:`.recovery`), and only while the backend has a free slot (one for a
device, one per core for the simulator). Jobs of an open session go before
other queued jobs. The claiming itself is ``Store.claim_queued``.

Where a claimed job runs is the executor's business (:mod:`.executors`): the
scheduler starts, kills and listens, and owns time limits and cancels.

Two threads: the *loop* decides (claims, time limits, cancels, recovery); the
*drain* consumes the executor's reports, writes them to the store in batches
and emits events. Neither ever calls user code: events go to the EventHub's own
delivery thread.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from ..status import CANCELLED, DONE, ERROR, FINAL_STATUSES, QUEUED, RUNNING
from . import codec
from .backends import backend_factory
from .events import EventHub, JobEvent, take_waiting
from .executors import Executor, Launch, Report
from .ids import new_owner_token
from .recovery import HOST, mark_interrupted, settle_interrupted
from .store import Store, StoreError, StoreFull

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
LOOP_SECONDS = 0.25
INLINE_REPORTS = frozenset({"result", "error", "free", "lost"})
"""Reports the executor's thread records itself when nothing is waiting ahead of them
(:meth:`Scheduler._report`): a job's end, and a free slot; never interim results or logs,
whose many small writes the drain batches."""
PUBLISH_SECONDS = 0.05
"""Queue positions and pending counts are published at most this often: a burst of jobs
starting and ending changes them many times, and each publication is two reads and an event."""
RECOVER_SECONDS = 5.0
DRAIN_BATCH = 5000
"""Reports recorded per store transaction at most."""


def local_executor(home: Path) -> Callable[[Report], Executor]:
    """The default: worker processes of this machine, logging to ``home/logs/workers.log``."""

    def make(report: Report) -> Executor:
        from .executors.local import LocalExecutor

        return LocalExecutor(report, Path(home) / "logs")

    return make


def _memory_limit(options_json: str | None) -> int | None:
    """The job's ``memory_limit`` run option, else ``$QRT_MEMORY_LIMIT``, in bytes (None: no limit)."""
    from .job_limits import parse_memory_limit

    try:
        limit = json.loads(options_json or "{}").get("memory_limit")
    except (ValueError, AttributeError):
        limit = None
    if limit is None:
        try:
            return parse_memory_limit(os.environ.get("QRT_MEMORY_LIMIT") or None)
        except ValueError:
            logger.warning("QRT_MEMORY_LIMIT=%r is not a size; no memory limit applies",
                           os.environ.get("QRT_MEMORY_LIMIT"))
            return None
    return limit


class Scheduler:
    """Runs this process's share of a home's queues (see the module docstring).

    ``resolve_program(program_id, program_data)`` gives ``(kind, ref)`` for a
    :class:`~.executors.Launch`; ``capacity(backend)`` how many jobs a backend
    runs at once; ``executor`` builds the executor from the report callable
    (default: :func:`local_executor`).
    """

    def __init__(self, store: Store, hub: EventHub, home: Path,
                 resolve_program: Callable[[str, str | None], tuple[str, str]],
                 capacity: Callable[[str], int],
                 executor: Callable[[Report], Executor] | None = None):
        self.store = store
        self.hub = hub
        self.token = new_owner_token()
        self._resolve_program = resolve_program
        self._capacity = capacity
        self._inbox: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()
        self._lock = threading.RLock()
        self._running: dict[str, float | None] = {}  # job id → deadline (time.time()), if any
        self._limits: dict[str, float] = {}  # job id → its max_execution_time
        self._unsettled: dict[str, list[tuple[str, dict]]] = {}  # job id → its ends, not yet recorded
        self._interim_next: dict[str, int] = {}
        self._log_next: dict[str, int] = {}
        self._positions: dict[str, int | None] = {}
        self._last_pending: dict[str, int] | None = None
        self.dropped = 0
        """Interim results and log lines that arrived for a job not running here any more
        (final, or being stopped): never recorded, counted here and in the debug log."""
        self._queues_dirty = True
        self._last_publish = 0.0
        self._start_lock = threading.Lock()  # one start at a time: the loop's and submit()'s
        self._wake = threading.Event()
        self._final = threading.Condition()
        self._stopping = threading.Event()
        self._last_heartbeat = 0.0
        self._last_recover = 0.0
        self.store.heartbeat(self.token, os.getpid(), HOST)
        settle_interrupted(self.store, self.token, self.hub.emit)
        self._handling = threading.Lock()  # one batch of reports at a time (drain or inline)
        self._in_flight = 0  # reports put in the inbox and not yet handled
        self._counting = threading.Lock()  # _in_flight's own: a reader never waits on the drain's writes
        self._executor = (executor or local_executor(home))(self._report)
        self._loop_thread = threading.Thread(target=self._loop, name="qrt-scheduler", daemon=True)
        self._drain_thread = threading.Thread(target=self._drain, name="qrt-drain", daemon=True)
        self._loop_thread.start()
        self._drain_thread.start()
        atexit.register(self.shutdown)

    # -- public, called from the home ------------------------------------------
    def submit(self, recorded: Callable[[dict], None], **fields) -> dict:
        """Record a new job of this process; the fields recorded (a row's keys).

        When an executor slot is free and nothing is queued on the job's backend, the job
        is recorded RUNNING and started here, on the caller's thread, with the inputs in
        hand (:meth:`Store.insert_job`): a job that nothing waits before does not wait for
        the loop's next pass and its reads of the store. Otherwise it is recorded QUEUED
        and the loop claims it in turn. ``recorded(row)`` runs once the job is in the
        store and before it can start, so a callback it subscribes misses nothing.
        """
        with self._start_lock:
            with self._lock:
                free = not self._stopping.is_set() and len(self._running) < self._executor.max_jobs
            row = self.store.insert_job(start_below=self._capacity(fields["backend"]) if free else None,
                                        owner=self.token, **fields)
            recorded(row)
            self._emit(JobEvent(row["id"], "status", QUEUED))
            if row["status"] == RUNNING:
                self._launch(row["id"], row, row.get("program_data"), row.get("inputs"), new=True)
                return row
        self.wake(queues_changed=True)
        return row

    def wake(self, queues_changed: bool = False) -> None:
        """Run the loop now; ``queues_changed`` also republishes positions and pending counts."""
        if queues_changed:
            self._queues_dirty = True
        self._wake.set()

    def cancel(self, job_id: str) -> bool:
        """Cancel a job; True if it was queued, or running here, and is now CANCELLED."""
        if self.store.cancel_queued(job_id):
            self._finished(job_id, CANCELLED)
            return True
        if self.owns(job_id):
            self._stop_running(job_id, CANCELLED, reason="cancelled", error=None)
            return True
        return False

    def wait_final(self, job_id: str, timeout: float | None) -> str | None:
        """Block until the job is final (any process's job: the store is re-read)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        # The status is read under the condition's lock: _finished() writes the store first
        # and notifies under this lock, so a job that ends between the read and the wait
        # cannot slip past (a lost wake-up would delay a result by a whole wait below).
        with self._final:
            while True:
                status = self.store.job_status(job_id)
                if status in FINAL_STATUSES or status is None:
                    return status
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return status
                self._final.wait(0.5 if remaining is None else min(0.5, remaining))

    @property
    def executor(self) -> Executor:
        """What runs this scheduler's jobs (for its slots and ``cluster_info``)."""
        return self._executor

    def running_jobs(self) -> list[str]:
        """The jobs this scheduler is running now."""
        with self._lock:
            return list(self._running)

    def owns(self, job_id: str) -> bool:
        """Whether this scheduler is running the job now."""
        with self._lock:
            return job_id in self._running

    def shutdown(self) -> None:
        """At interpreter exit: running jobs cannot finish; say so instead of leaving them RUNNING."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._start_lock:  # a start under way finishes first; no claim after this
            with self._lock:
                running = list(self._running)
            for job_id in running:
                mark_interrupted(self.store, job_id, os.getpid())
            if self._unsettled:  # a last try; what is still not taken, recovery settles as interrupted
                self._retry_unsettled()
            self._executor.shutdown()
        try:
            self.store.remove_owner(self.token)
        except Exception:  # the store may already be gone at exit
            pass

    # -- the loop thread ---------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping.is_set():
            wait = LOOP_SECONDS
            if self._queues_dirty:  # a publication held back by PUBLISH_SECONDS is due then
                wait = max(0.0, min(wait, self._last_publish + PUBLISH_SECONDS - time.monotonic()))
            self._wake.wait(wait)
            self._wake.clear()
            try:
                self._tick()
            except Exception:
                logger.exception("qrt_jupyter scheduler tick failed; retrying")

    def _tick(self) -> None:
        if self._unsettled:
            self._retry_unsettled()
        now = time.time()
        if now - self._last_heartbeat > HEARTBEAT_SECONDS:
            self.store.heartbeat(self.token, os.getpid(), HOST)
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
        for job_id, deadline in running.items():
            if deadline is not None and now > deadline:
                limit = self._limits.get(job_id, 0.0)
                self._stop_running(
                    job_id, ERROR, reason="max_execution_time",
                    error=(f"Job {job_id} exceeded its maximum execution time of {limit:g} s and was "
                           "stopped. Raise max_execution_time in the run options (up to the "
                           "program's limit) or make the program faster."),
                )
        for job_id in self.store.cancel_requests(self.token):  # asked by other processes on this home
            if job_id in running:
                self._stop_running(job_id, CANCELLED, reason="cancelled", error=None)

    def _stop_running(self, job_id: str, status: str, reason: str, error: str | None) -> None:
        """Kill the job where it runs (a program need not cooperate) and settle it."""
        with self._lock:
            if job_id not in self._running:
                return
            del self._running[job_id]
        self._executor.kill(job_id)
        self._record_end(job_id, [(status, {"reason": reason, "error": error})])
        self.wake()

    def _dispatch(self) -> None:
        with self._start_lock:
            if self._stopping.is_set():  # queued jobs stay queued, for another process to adopt
                return
            with self._lock:
                free = self._executor.max_jobs - len(self._running)
            for job_id in self.store.claim_queued(self.token, self._capacity, free):
                self._start(job_id)

    def _start(self, job_id: str) -> None:
        """Start a job claimed from the queue, read back from the store."""
        self._launch(job_id, self.store.get_job(job_id), self.store.job_blob(job_id, "program_data"),
                     self.store.job_blob(job_id, "inputs"))

    def _launch(self, job_id: str, row, program_data: str | None, inputs: str | None, new: bool = False) -> None:
        """Hand a job recorded RUNNING for this scheduler to the executor (``new``: recorded just
        now, so it has no interim results or logs to count from)."""
        try:
            kind, ref = self._resolve_program(row["program_id"], program_data)
        except Exception as exc:
            return self._refuse(job_id, f"Program {row['program_id']!r} cannot be run: {exc}")
        try:
            factory = backend_factory(row["backend"])
        except KeyError as exc:
            return self._refuse(job_id, f"Backend {row['backend']!r} cannot be built here: {exc.args[0]}")
        limit = row["max_execution_time"]
        with self._lock:
            self._running[job_id] = (time.time() + limit) if limit else None
            if limit:
                self._limits[job_id] = limit
            interim_next, log_next = (0, 0) if new else self.store.next_indexes(job_id)
            self._interim_next.setdefault(job_id, interim_next)
            self._log_next.setdefault(job_id, log_next)
        self._emit(JobEvent(job_id, "status", RUNNING))
        self._queues_dirty = True
        try:
            self._executor.start(Launch(
                job_id=job_id, program_kind=kind, program=ref, backend=row["backend"], backend_factory=factory,
                inputs=inputs, log_level=row["log_level"], memory_limit=_memory_limit(row["options"]),
            ))
        except Exception as exc:  # the executor is broken (a worker cannot start, the cluster is gone)
            logger.exception("qrt_jupyter could not start job %s", job_id)
            self._lost(job_id, "not started", error=f"Job {job_id} could not be started: {exc}")

    def _refuse(self, job_id: str, error: str) -> None:
        """End a claimed job that cannot start (its program was deleted, its backend is unknown)."""
        self._record_end(job_id, [(ERROR, {"reason": "program_error", "error": error})])

    def _publish_queues(self) -> None:
        """Queue positions of waiting jobs, and pending counts per backend, when they change
        (at most every :data:`PUBLISH_SECONDS`)."""
        if self._queues_dirty and time.monotonic() - self._last_publish < PUBLISH_SECONDS:
            return  # the loop comes back when it is due
        self._last_publish = time.monotonic()
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
        self._emit(JobEvent("", "backends", pending))

    # -- the drain thread: what the executor reports -----------------------------------
    def _report(self, message: tuple) -> None:
        """What the executor reports, on its thread (a worker's reader thread).

        A job's end is recorded right here when nothing reported before it is still
        waiting to be handled: one thread hand-over fewer between the worker's result and
        the ``result()`` waiting for it (BENCHMARKS.md, issue 17). Everything else, and an
        end that something is waiting ahead of, goes through the drain thread in order,
        so a job's interim results are recorded before its end.
        """
        # this thread's earlier reports were counted when put, and stay counted until handled
        if message[0] in INLINE_REPORTS and self._in_flight == 0:
            with self._handling:  # free: with nothing in flight the drain is not writing
                if self._in_flight == 0:  # another thread's report may have come meanwhile
                    self._handle_reports([message])
                    return
        with self._counting:  # never the drain's lock: a reader does not wait on its writes
            self._in_flight += 1
        self._inbox.put(message)

    def _drain(self) -> None:
        while True:
            batch = take_waiting(self._inbox, DRAIN_BATCH)
            with self._handling:
                self._handle_reports(batch)
            with self._counting:
                self._in_flight -= len(batch)

    def _handle_reports(self, batch: list[tuple]) -> None:
        try:
            self._handle_batch(batch)
        except Exception:
            logger.exception("qrt_jupyter could not record worker messages")

    def _handle_batch(self, batch: list[tuple]) -> None:
        interim_rows: list[tuple] = []
        log_rows: list[tuple] = []
        events: list[JobEvent | tuple] = []  # a tuple: an interim result, decoded by the hub

        def flush() -> None:
            try:
                refused = self.store.write_batch(interim_rows, log_rows)
            except StoreFull as exc:  # the disk is full: these jobs end saying so, keeping what was written
                for job_id in {row[0] for row in interim_rows + log_rows}:
                    self._stop_running(job_id, ERROR, reason="store_full", error=str(exc))
                interim_rows.clear()
                log_rows.clear()
                events.clear()
                return
            if refused:  # final between the check below and the write
                self._drop(len([r for r in interim_rows + log_rows if r[0] in refused]), refused)
            if refused:
                events[:] = [e for e in events if (e[0] if isinstance(e, tuple) else e.job_id) not in refused]
            self.hub.emit_batch(list(events), codec.decode)  # one queue item: one wake-up of the hub
            interim_rows.clear()
            log_rows.clear()
            events.clear()

        for message in batch:
            kind = message[0]
            now = time.time()
            if kind in ("interim", "log") and message[1] not in self._running:
                self._drop(1, {message[1]})
                continue
            if kind == "interim":
                _, job_id, text = message
                interim_rows.append((job_id, self._next_index(self._interim_next, job_id), text, now))
                if self.hub.has_subscribers(job_id):
                    events.append((job_id, "interim", text, now, interim_rows[-1][1]))
            elif kind == "log":
                _, job_id, stream, text = message
                log_rows.append((job_id, self._next_index(self._log_next, job_id), stream, text, now))
                if self.hub.has_subscribers(job_id):
                    events.append(JobEvent(job_id, "log", text, now, log_rows[-1][1]))
            elif kind in ("result", "error"):
                flush()
                self._settle(*message)
            elif kind == "lost":
                flush()
                self._lost(*message[1:])
            elif kind == "worker":
                self.store.set_worker(message[1], message[2])
            elif kind == "free":
                flush()
                self.wake()
        flush()

    def _drop(self, count: int, job_ids: set[str]) -> None:
        self.dropped += count
        logger.debug("dropped %d late message(s) of job(s) %s, which are no longer running here "
                     "(%d in all)", count, ", ".join(sorted(job_ids)), self.dropped)

    def _next_index(self, counters: dict[str, int], job_id: str) -> int:
        with self._lock:
            index = counters.get(job_id, 0)
            counters[job_id] = index + 1
        return index

    def _settle(self, kind: str, job_id: str, payload: str) -> None:
        with self._lock:
            if job_id not in self._running:
                return  # cancelled or timed out meanwhile: that verdict stands
            del self._running[job_id]
        if kind == "result":
            end = (DONE, {"result": payload, "reason": "done"})
        else:
            end = (ERROR, {"error": payload, "reason": "program_error"})
        # no room for the result: say so in the (small) error instead
        lost = (ERROR, {"reason": "store_full", "error": f"The job's {kind} ({len(payload)} characters) was lost."})
        self._record_end(job_id, [end, lost])

    def _lost(self, job_id: str, detail: str, error: str | None = None) -> None:
        with self._lock:
            if job_id not in self._running:
                return
            del self._running[job_id]
        self._record_end(job_id, [(ERROR, {
            "reason": "worker_died",
            "error": error or (f"The worker process running job {job_id} exited unexpectedly ({detail}); "
                               "the program may have crashed the interpreter or run out of memory. "
                               "See the runtime's logs/workers.log."),
        })])
        self.wake()

    def _record_end(self, job_id: str, ends: list[tuple[str, dict]]) -> None:
        """Record how a job ended: the first of ``ends`` that the store takes, in order.

        A later entry is the fallback for a full disk (an error saying what was lost
        instead of a result that finds no room); its error is prefixed with the
        store's "store full: ..." message. When even the last finds no room (the
        store's reserve is used up), the job is kept in ``_unsettled`` and every tick
        tries again: it ends as soon as there is room, or, if this process exits
        first, recovery marks it interrupted. It never stays RUNNING for good while
        this process lives on.
        """
        full: StoreError | None = None
        for status, fields in ends:
            if full is not None and fields.get("reason") == "store_full":
                fields = {**fields, "error": f"{full} {fields['error']}"}
            try:
                settled = self.store.set_status(job_id, status, only_if=(RUNNING,), finished=time.time(),
                                                **fields)
            except StoreFull as exc:
                full = exc
                continue
            except (StoreError, sqlite3.OperationalError) as exc:
                full = full or StoreError(str(exc))
                continue
            self._unsettled.pop(job_id, None)
            if settled:
                self._finished(job_id, status)
            return
        if job_id not in self._unsettled:
            logger.warning("qrt_jupyter could not record the end of job %s (%s); retrying until the "
                           "store takes it", job_id, full)
        self._unsettled[job_id] = ends

    def _retry_unsettled(self) -> None:
        """Ends of jobs the store could not take before (a full disk): try them again."""
        for job_id, ends in list(self._unsettled.items()):
            self._record_end(job_id, ends)

    def _finished(self, job_id: str, status: str) -> None:
        with self._lock:
            self._interim_next.pop(job_id, None)
            self._log_next.pop(job_id, None)
            self._limits.pop(job_id, None)
        with self._final:  # a result() waiting in the caller's thread first: it is the critical path
            self._final.notify_all()
        self._emit(JobEvent(job_id, "status", status))
        self.wake(queues_changed=True)

    def _emit(self, event: JobEvent) -> None:
        """An event for the hub, if anyone listens: one that nobody hears is a thread woken
        for nothing (a subscriber that comes later reads the store: :meth:`RuntimeJob.subscribe`)."""
        if self.hub.has_subscribers(event.job_id):
            self.hub.emit(event)
