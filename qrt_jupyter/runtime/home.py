"""One runtime home per process: the store, the event hub, the scheduler, the poller.

Every ``LocalRuntimeService`` on the same home directory in one process shares
this object, so ``%qrt_service local`` twice does not start two schedulers.
Opening a home settles what a previous process left behind (the rules are in
:mod:`.recovery`): its running jobs are marked failed (interrupted) and its
queued jobs are adopted and run. The scheduler runs jobs through an executor
(:mod:`.executors`): the local worker processes, unless :meth:`RuntimeHome.use_dask`
pointed this process's share of the home at a Dask cluster.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable

from .._lazy import import_heavy
from ..status import CANCELLED, FINAL_STATUSES, QUEUED
from . import codec
from .events import EventHub, JobEvent
from .recovery import settle_interrupted
from .scheduler import Scheduler
from .store import Store

_homes: dict[Path, "RuntimeHome"] = {}
_homes_lock = threading.Lock()

POLL_SECONDS = 1.0
ORPHAN_CHECK_SECONDS = 2.0


def default_home() -> Path:
    return Path(os.environ.get("QRT_HOME") or Path.home() / ".qrt").expanduser()


def _import_for_run() -> None:
    """What a first ``run()`` imports in the client: the encoder, the exceptions, jsonschema."""
    try:
        import_heavy("qiskit_ibm_runtime")
        from . import jobs  # noqa: F401
        from .programs import registry

        registry.import_jsonschema()
    except Exception:  # run() reports it
        pass


def open_home(path: str | os.PathLike | None = None) -> "RuntimeHome":
    resolved = Path(path).expanduser().resolve() if path is not None else default_home().resolve()
    with _homes_lock:
        home = _homes.get(resolved)
        if home is None:
            home = _homes[resolved] = RuntimeHome(resolved)
    return home


class RuntimeHome:
    def __init__(self, path: Path):
        self.path = path
        self.store = Store(path / "runtime.db")
        self.hub = EventHub()
        self._scheduler: Scheduler | None = None
        self._poller: "StorePoller | None" = None
        self._lock = threading.Lock()
        self._cluster = None  # a DaskCluster when this process runs the home's jobs on one
        self._last_orphan_check = 0.0
        self._warming = False
        self.check_orphans(force=True)

    def check_orphans(self, force: bool = False) -> None:
        """Settle what dead processes left: fail their running jobs, run their queued ones.

        A scheduler does this on its own; a process that only reads (lists jobs,
        waits for one) calls this now and then, so that jobs another kernel left
        queued when it exited run without waiting for this process to submit one.
        """
        now = time.monotonic()
        if not force and now - self._last_orphan_check < ORPHAN_CHECK_SECONDS:
            return
        self._last_orphan_check = now
        if self._scheduler is not None:
            return
        if settle_interrupted(self.store, None, self.hub.emit):
            self.scheduler()  # queued jobs of a process that is gone: run them now

    def warm_up(self) -> None:
        """Get ready for a first job: start the scheduler and its warm workers in the
        background, and import what ``run()`` needs in this process when it is idle.

        Called when a service is created (not at ``import`` or ``%load_ext``): the
        seconds a worker takes to import qiskit and Aer pass while the user types.
        The background thread imports nothing of qiskit: importing a package on two
        threads at once can hand the user's own ``from qiskit import ...`` a partly
        initialised module (an ImportError seen in a benchmark run). Those imports
        run on this thread's event loop instead, after the current cell, where a
        kernel has one (ipykernel runs cells on an asyncio loop); a plain script
        imports them at its first ``run()``.
        """
        if self._scheduler is not None or self._warming:
            return
        self._warming = True

        def start() -> None:
            try:
                self.scheduler()
                from .backends import catalog
                from .programs import registry
                from .programs.builtin import BUILTIN_PROGRAMS

                catalog()  # reads every fake device's configuration file once
                for program_id in BUILTIN_PROGRAMS:
                    registry.builtin_program(program_id)
            except Exception:  # the first run() meets the same problem and reports it
                pass

        threading.Thread(target=start, name="qrt-warm-up", daemon=True).start()
        try:
            import asyncio

            asyncio.get_running_loop().call_soon(_import_for_run)
        except RuntimeError:  # no event loop running here
            pass

    # -- scheduler ---------------------------------------------------------------
    def scheduler(self) -> Scheduler:
        with self._lock:
            if self._scheduler is None:
                from .backends import catalog
                from .programs.registry import BUILTIN_PROGRAMS

                def resolve(program_id: str, program_data: str | None) -> tuple[str, str]:
                    if program_data is not None:
                        return "source", program_data
                    if program_id in BUILTIN_PROGRAMS:
                        return "builtin", BUILTIN_PROGRAMS[program_id]
                    row = self.store.get_program(program_id)
                    if row is None:
                        raise LookupError("the program was deleted")
                    return "source", row["data"]

                def capacity(backend: str) -> int:
                    info = catalog().get(backend)
                    if info is None:
                        return 1
                    slots = self._scheduler.executor.simulator_slots if self._scheduler else None
                    return slots if info.simulator and slots else info.max_concurrency

                executor = None
                if self._cluster is not None:
                    from .executors.dask import DaskExecutor

                    cluster = self._cluster

                    def executor(report):
                        return DaskExecutor(report, cluster)

                self._scheduler = Scheduler(self.store, self.hub, self.path, resolve, capacity, executor)
            return self._scheduler

    def use_dask(self, target) -> None:
        """Run this process's jobs of the home on a Dask cluster (an address or a ``Client``).

        The workers are checked now (:class:`~.executors.dask.DaskCluster`). A scheduler
        already running local jobs here keeps them: switching then is refused.
        """
        from .executors.dask import DaskCluster, DaskClusterError

        with self._lock:
            current = self._cluster
            if current is not None and (target is current.client or str(target) == current.address):
                return
            scheduler = self._scheduler
            if scheduler is not None and scheduler.running_jobs():
                raise DaskClusterError(
                    f"This process is running jobs of {self.path} on "
                    f"{current.address if current else 'local workers'}; wait for them or call "
                    "service.close() before pointing the home at another cluster.")
            cluster = DaskCluster(target)
            self._scheduler, self._cluster = None, cluster
        if scheduler is not None:
            scheduler.shutdown()

    @property
    def dask_address(self) -> str | None:
        return self._cluster.address if self._cluster is not None else None

    def cluster_info(self) -> dict:
        """Where this process runs the home's jobs: local workers or the Dask cluster's workers.

        Reading it starts nothing: without a scheduler yet, no job runs here.
        """
        scheduler = self._scheduler
        if scheduler is not None:
            return scheduler.executor.cluster_info()
        if self._cluster is None:
            return {"kind": "local", "address": None, "workers": [], "slots": 0}
        from .executors.dask import cluster_facts

        return cluster_facts(self._cluster.address, self._cluster.workers(), [])

    def close(self) -> None:
        """Stop this process's scheduler and workers for this home.

        Its running jobs are marked interrupted; its queued jobs stay queued and
        are run by the next process that opens the home.
        """
        with _homes_lock:
            if _homes.get(self.path) is self:
                del _homes[self.path]
        with self._lock:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown()

    @property
    def my_token(self) -> str | None:
        return self._scheduler.token if self._scheduler is not None else None

    def wake_scheduler(self) -> None:
        """Let this process's scheduler, if it has one, look at the queues now (a session closed)."""
        scheduler = self._scheduler
        if scheduler is not None:
            scheduler.wake(queues_changed=True)

    def cancel(self, job_id: str) -> None:
        if self._scheduler is not None and self._scheduler.cancel(job_id):
            return
        status = self.store.job_status(job_id)
        if status is None or status in FINAL_STATUSES:
            return
        if status == QUEUED and self.store.cancel_queued(job_id):
            self.hub.emit(JobEvent(job_id, "status", CANCELLED))
            return
        self.store.request_cancel(job_id)  # running in another process: its scheduler stops it

    def wait_final(self, job_id: str, timeout: float | None) -> str | None:
        if self._scheduler is not None:
            return self._scheduler.wait_final(job_id, timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.store.job_status(job_id)
            if status is None or status in FINAL_STATUSES:
                return status
            if deadline is not None and time.monotonic() >= deadline:
                return status
            self.check_orphans()
            if self._scheduler is not None:
                return self._scheduler.wait_final(job_id, None if deadline is None
                                                  else max(0.0, deadline - time.monotonic()))
            time.sleep(0.2)

    # -- events ------------------------------------------------------------------
    def subscribe(self, callback: Callable[[JobEvent], None], job_id: str | None = None) -> Callable[[], None]:
        unsubscribe = self.hub.subscribe(callback, job_id)
        owned_here = job_id is not None and self._owned_here(job_id)
        if job_id is None or not owned_here:
            poller = self.poller()
            poller.watch(job_id)

            def both() -> None:
                unsubscribe()
                poller.unwatch(job_id)

            return both
        return unsubscribe

    def _owned_here(self, job_id: str) -> bool:
        row = self.store.get_job(job_id)
        return row is not None and self.my_token is not None and row["owner"] == self.my_token

    def poller(self) -> "StorePoller":
        with self._lock:
            if self._poller is None:
                self._poller = StorePoller(self)
            return self._poller


class StorePoller:
    """Reports jobs that another process runs (another kernel on the same home).

    Events of this process's own jobs come straight from its scheduler; for the
    others the store is the only source, read about once a second while anyone
    listens.
    """

    def __init__(self, home: RuntimeHome):
        self.home = home
        self._watched: dict[str | None, int] = {}
        self._seen: dict[str, str] = {}
        self._next: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._since = time.time() - 1.0
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="qrt-store-poller", daemon=True).start()

    def watch(self, job_id: str | None) -> None:
        with self._lock:
            self._watched[job_id] = self._watched.get(job_id, 0) + 1
            if job_id is not None and job_id not in self._next:
                store = self.home.store
                self._next[job_id] = (store.interim_count(job_id), store.log_count(job_id))
        self._wake.set()

    def unwatch(self, job_id: str | None) -> None:
        with self._lock:
            count = self._watched.get(job_id, 0) - 1
            if count > 0:
                self._watched[job_id] = count
            else:
                self._watched.pop(job_id, None)
                self._next.pop(job_id, None)

    def _run(self) -> None:
        while True:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            with self._lock:
                watched = dict(self._watched)
            if not watched:
                continue
            try:
                self.home.check_orphans()
                self._poll(watched)
            except Exception:  # a locked or vanished store: try again next round
                pass

    def _poll(self, watched: dict) -> None:
        store, hub, me = self.home.store, self.home.hub, self.home.my_token
        changed = False
        rows = store.jobs_updated_since(self._since - 1.0)
        for row in rows:
            self._since = max(self._since, row["updated"])
            if row["owner"] == me and me is not None:
                continue  # our scheduler reports its own jobs
            if self._seen.get(row["id"]) != row["status"]:
                self._seen[row["id"]] = row["status"]
                changed = True
                if None in watched or row["id"] in watched:
                    self._stream_new(row["id"])
                    hub.emit(JobEvent(row["id"], "status", row["status"]))
        for job_id in [j for j in watched if j is not None]:
            self._stream_new(job_id)
        if changed and None in watched:
            hub.emit(JobEvent("", "backends", store.pending_counts()))

    def _stream_new(self, job_id: str) -> None:
        with self._lock:
            if job_id not in self._next:
                return
            interim_next, log_next = self._next[job_id]
        store, hub = self.home.store, self.home.hub
        for row in store.interim(job_id, interim_next):
            hub.emit(JobEvent(job_id, "interim", codec.decode(row["data"]), row["time"], row["idx"]))
            interim_next = row["idx"] + 1
        for row in store.logs(job_id, log_next):
            hub.emit(JobEvent(job_id, "log", row["text"], row["time"], row["idx"]))
            log_next = row["idx"] + 1
        with self._lock:
            if job_id in self._next:
                self._next[job_id] = (interim_next, log_next)
