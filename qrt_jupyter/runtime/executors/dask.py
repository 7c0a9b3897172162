"""Jobs on the workers of an existing Dask cluster (``LocalRuntimeService(dask=ADDRESS or Client)``).

The scheduler's process stays in charge, exactly as with local workers: the
store decides which job runs next (FIFO per backend, one job per device across
the whole cluster, sessions first); this executor only submits each claimed job
as one Dask task (:func:`.dask_worker.run_launch`) and listens.

What a running program says comes back over a direct TCP connection from the
task to a listener in this process, not through Dask (a ``Queue``, ``Pub``/
``Sub`` or ``Variable`` passes every message through the Dask scheduler, one
round trip each, and gives no end-of-stream): one connection per job keeps its
interim results and logs in order, batches them (tens of thousands per second),
and its end says at once that the worker is gone: a SIGKILLed worker's socket
is closed by its kernel, a vanished machine is found by TCP keepalive probes.
The connection is authenticated by a random token sent first; lines are JSON,
never pickles. Cancels and time limits write ``kill`` to it; the task then
kills the program's process on its machine.

``distributed`` is imported only here, when a cluster is asked for.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import socket
import threading
from dataclasses import asdict

from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from . import Executor, Launch, Report
from .dask_worker import keepalive

__all__ = ["DaskCluster", "DaskClusterError", "DaskExecutor", "cluster_facts"]

logger = logging.getLogger(__name__)

WATCH_SECONDS = 0.5
"""How often the cluster's workers are listed (slots, and running jobs whose worker left)."""


class DaskClusterError(IBMRuntimeError):
    """The Dask cluster cannot run this runtime's jobs (unreachable, or qrt_jupyter missing there)."""


def _worker_probe():
    """The check run on every worker at connect: can it import this qrt_jupyter?

    Built here, nested, so that Dask sends the function by value: a function of
    this module would be sent by name, and a worker without qrt_jupyter could not
    even load it to say so.
    """

    def probe():
        try:
            import qrt_jupyter

            version = getattr(qrt_jupyter, "__version__", "of unknown version")
        except Exception as exc:  # noqa: BLE001 - what the user must fix, in one line
            return (None, f"{type(exc).__name__}: {exc}")
        try:
            from qrt_jupyter.runtime.executors import dask_worker

            dask_worker.prepare()
        except Exception as exc:  # noqa: BLE001
            return (version, f"{type(exc).__name__}: {exc}")
        return (version, None)

    return probe


class DaskCluster:
    """A connection to a Dask scheduler whose workers were checked; shared by a home's executors.

    ``target`` is a scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``
    (kept open on close: whoever made it closes it).
    """

    def __init__(self, target, timeout: float = 10.0):
        try:
            from distributed import Client
        except ImportError as exc:
            raise DaskClusterError("Running jobs on a Dask cluster needs the 'distributed' package: "
                                   "pip install 'qrt_jupyter[dask]'.") from exc
        if isinstance(target, Client):
            self.client, self._owned = target, False
        else:
            try:
                self.client = Client(str(target), timeout=timeout, set_as_default=False)
            except Exception as exc:  # noqa: BLE001 - unreachable, refused, or not an address at all
                raise DaskClusterError(f"Cannot reach the Dask scheduler at {target}: {exc}. Start it "
                                       "(`dask scheduler`) or check the address.") from None
            self._owned = True
        self.address = self.client.scheduler.address
        self.check_workers()

    def check_workers(self) -> None:
        """Every worker must import the same qrt_jupyter as this process: one clear line if not."""
        from ... import __version__

        try:
            answers = self.client.run(_worker_probe())
        except Exception as exc:  # noqa: BLE001 - a worker that cannot even run the probe
            self._refuse(f"The Dask workers at {self.address} could not be checked ({type(exc).__name__}: "
                         f"{exc}); install qrt_jupyter=={__version__} with its dependencies on every worker.")
        for worker, (version, problem) in sorted(answers.items()):
            if version != __version__:
                found = f"has qrt_jupyter {version}" if version else f"cannot import qrt_jupyter ({problem})"
                self._refuse(f"Dask worker {worker} {found}, this runtime is {__version__}; install "
                             f"qrt_jupyter=={__version__} with its dependencies on every worker.")
            if problem:
                self._refuse(f"Dask worker {worker} cannot run qrt_jupyter's jobs ({problem}); install "
                             f"qrt_jupyter=={__version__} with its dependencies on every worker.")

    def _refuse(self, message: str):
        self.close()
        raise DaskClusterError(message)

    def workers(self) -> dict[str, int]:
        """The cluster's workers now: address → threads."""
        info = self.client.scheduler_info(n_workers=-1)
        return {address: w.get("nthreads", 1) for address, w in info.get("workers", {}).items()}

    def stream_host(self) -> str:
        """This machine's address as the scheduler (so, likely, the workers) reach it."""
        host = self.address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((host, 9))
                return probe.getsockname()[0]
            except OSError:
                return "127.0.0.1"

    def close(self) -> None:
        if self._owned:
            self.client.close()


def cluster_facts(address: str, workers: dict[str, int], running: list[tuple[str, str | None]]) -> dict:
    """``cluster_info()``'s dict: the scheduler, and each worker's threads, state and jobs."""
    rows = []
    for worker, threads in sorted(workers.items()):
        jobs = [job_id for job_id, where in running if where == worker]
        rows.append({"address": worker, "threads": threads, "jobs": jobs, "state": "busy" if jobs else "idle"})
    return {"kind": "dask", "address": address, "workers": rows, "slots": sum(workers.values())}


class _Job:
    """What the executor knows of one job it started."""

    __slots__ = ("future", "worker", "conn", "killed", "connected", "ended")

    def __init__(self):
        self.future = None
        self.worker: str | None = None
        self.conn: socket.socket | None = None
        self.killed = False
        self.connected = False
        self.ended = False


class DaskExecutor(Executor):
    """Each job a Dask task; slots are the cluster's worker threads (see the module docstring)."""

    def __init__(self, report: Report, cluster: DaskCluster):
        self._report = report
        self.cluster = cluster
        self._token = secrets.token_hex(16)
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._workers = cluster.workers()
        self._listener = socket.create_server((cluster.stream_host(), 0), backlog=128)
        self._host, self._port = self._listener.getsockname()[:2]
        threading.Thread(target=self._accept, name="qrt-dask-accept", daemon=True).start()
        threading.Thread(target=self._watch, name="qrt-dask-watch", daemon=True).start()

    # -- the seam ---------------------------------------------------------------------
    @property
    def max_jobs(self) -> int:
        return sum(self._workers.values())

    @property
    def simulator_slots(self) -> int:
        return max(1, sum(self._workers.values()))

    def start(self, launch: Launch) -> None:
        job = _Job()
        with self._lock:
            self._jobs[launch.job_id] = job
        from .dask_worker import run_launch

        try:
            job.future = self.cluster.client.submit(
                run_launch, asdict(launch), self._host, self._port, self._token,
                key=f"qrt-job-{launch.job_id}", pure=False, retries=0)
        except Exception as exc:  # noqa: BLE001 - the cluster went away
            self._end(launch.job_id, job, f"the Dask cluster refused the job: {exc}")
            return
        job.future.add_done_callback(lambda future, job_id=launch.job_id: self._task_done(job_id, future))

    def kill(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is None:
            return
        job.killed = True
        if job.conn is not None:
            try:
                job.conn.sendall(b"kill\n")
            except OSError:
                pass
        elif job.future is not None:
            job.future.cancel()

    def shutdown(self) -> None:
        self._closed.set()
        with self._lock:
            jobs, self._jobs = list(self._jobs), {}
        self._listener.close()
        for job_id in jobs:
            self.kill(job_id)
        self.cluster.close()

    def cluster_info(self) -> dict:
        """The cluster for a view: its scheduler, and each worker's threads and jobs."""
        with self._lock:
            running = [(job_id, job.worker) for job_id, job in self._jobs.items()]
        return cluster_facts(self.cluster.address, self._workers, running)

    # -- the streams --------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="qrt-dask-stream", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        """One job's connection: check the handshake, then report every line until its end."""
        keepalive(conn)
        conn.settimeout(30)
        lines = conn.makefile("rb")
        try:
            hello = json.loads(lines.readline() or b"{}")
        except ValueError:
            hello = {}
        if not isinstance(hello, dict) or not hmac.compare_digest(str(hello.get("token", "")), self._token):
            conn.close()  # not one of our tasks: say nothing
            return
        job_id = hello.get("job")
        with self._lock:
            job = self._jobs.get(job_id)
            accept = job is not None and not job.connected and not job.killed
            if accept:
                job.connected, job.conn, job.worker = True, conn, str(hello.get("worker"))
        if not accept:
            conn.sendall(b"no\n")
            conn.close()
            return
        conn.sendall(b"ok\n")
        conn.settimeout(None)
        self._report(("worker", job_id, job.worker))
        ending = None
        try:
            for line in lines:
                message = json.loads(line)
                kind = message[0]
                if kind == "idle":
                    ending = "idle"
                    break
                if kind == "exit":
                    ending = (f"the program's process on Dask worker {job.worker} exited unexpectedly "
                              f"(exit code {message[1]}); the program may have crashed the interpreter "
                              "or run out of memory")
                    break
                if not job.killed:
                    self._report(tuple(message))
        except (OSError, ValueError):
            pass
        conn.close()
        if ending == "idle":
            with self._lock:
                if self._jobs.get(job_id) is job:
                    del self._jobs[job_id]
            self._report(("free",))
        else:
            self._end(job_id, job, ending or f"the Dask worker {job.worker} running it was lost")

    def _end(self, job_id: str, job: _Job, why: str) -> None:
        """The job cannot end by itself: tell the scheduler, once, unless it was killed."""
        with self._lock:
            if job.ended or job.killed or self._jobs.get(job_id) is not job:
                return
            job.ended = True
            del self._jobs[job_id]
        if job.future is not None:
            job.future.cancel()
        self._report(("lost", job_id, why, f"Job {job_id} failed: {why}."))

    def _task_done(self, job_id: str, future) -> None:
        """The task ended; if it never connected (it failed to start), the job is lost."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.connected:
            return
        try:
            detail = f"its Dask task failed to start: {future.exception()!r}"
        except Exception as exc:  # noqa: BLE001 - cancelled or the cluster went away
            detail = f"its Dask task ended without running it ({type(exc).__name__})"
        self._end(job_id, job, detail)

    def _watch(self) -> None:
        """Follow the cluster's workers: slots for the scheduler, and jobs whose worker left."""
        while not self._closed.wait(WATCH_SECONDS):
            try:
                self._workers = self.cluster.workers()
            except Exception:  # noqa: BLE001 - the scheduler is unreachable for now
                continue
            with self._lock:
                gone = [(job_id, job) for job_id, job in self._jobs.items()
                        if job.worker is not None and job.worker not in self._workers]
            for job_id, job in gone:
                self._end(job_id, job, f"the Dask worker {job.worker} running it left the cluster")
