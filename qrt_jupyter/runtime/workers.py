"""Worker processes, seen from the client: start, talk to, recycle, kill.

User programs never run in the kernel: a cancel or a time limit must be able to
stop them, and a crash must not take the kernel down. Starting a Python that
imports qiskit and Aer takes seconds, so the pool keeps a few warm workers and
reuses a worker job after job; a job is sent to a worker still warming up, and
runs as soon as it is ready.

Each worker leads its own session and process group. The notebook's interrupt
button sends SIGINT to the kernel's process group, and that must stop only the
cell's wait, never the job; and a kill (cancel, time limit, ``close()``) goes to
the whole group, so processes a program started do not outlive it. A worker's
death is seen from the process itself, not from its socket: a child it forked
may hold the socket open long after the worker is gone.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .frames import FrameReader, FrameWriter
from .job_limits import descendants

logger = logging.getLogger(__name__)

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


SOCKET_BUFFER = 4 << 20
"""Bytes a worker may send ahead of the client (the kernel caps it at ``net.core.wmem_max``).

A Unix socket charges each small message several hundred bytes of bookkeeping, so the
default buffer (about 200 kB) holds only a few hundred interim results: a program
publishing in a loop would stop whenever the client looked away for a few milliseconds
(a widget drawing, the GIL held by another thread). Memory is only used when it fills."""


def _widen(sock: socket.socket) -> None:
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
        except OSError:  # a platform that refuses: the default still works, only slower
            pass


EXIT_GRACE = 1.0
"""Seconds the messages a dead worker sent may take to arrive before its socket is closed."""


class Worker:
    """One worker process and the thread that reads its messages."""

    def __init__(self, on_message: Callable[["Worker", tuple], None], log_path: Path):
        parent_sock, child_sock = socket.socketpair()
        _widen(parent_sock)
        _widen(child_sock)
        env = dict(os.environ)
        # the child must import this very qrt_jupyter, installed or not
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, env.get("PYTHONPATH")]))
        env.setdefault("PYTHONUNBUFFERED", "1")
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "qrt_jupyter.runtime.worker_main", str(child_sock.fileno())],
                pass_fds=(child_sock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                close_fds=True,
                start_new_session=True,
            )
        child_sock.close()
        self._sock = parent_sock
        self._writer = FrameWriter(parent_sock)
        self.pid = self.process.pid
        self.job_id: str | None = None
        self.backends: set[str] = set()  # backends it was asked to prepare or has run a job on
        self.killed = False
        self.ready = False  # it has imported qiskit and Aer and said so
        self._exited = threading.Event()
        self._on_message = on_message
        self._reader = threading.Thread(target=self._read, name=f"qrt-worker-{self.pid}", daemon=True)
        self._reader.start()
        threading.Thread(target=self._watch, name=f"qrt-worker-{self.pid}-exit", daemon=True).start()

    def _read(self) -> None:
        reader = FrameReader(self._sock.fileno())
        while True:
            try:
                messages = reader.read()
            except OSError:
                break
            if messages is None:
                break
            for message in messages:
                if message[0] == "ready":
                    self.ready = True
                self._on_message(self, message)

    def _watch(self) -> None:
        """Wait for the worker process to end, then end what it left and report its exit.

        The exit is reported after every message the worker sent before it: the
        reader reaches the end of the stream once the worker's group is gone.
        """
        try:  # wait without reaping, so the group id cannot be reused before the group is killed
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        except (ChildProcessError, AttributeError, OSError):
            pass
        self._exited.set()
        self._kill_group()
        code = self.process.wait()
        self._reader.join(EXIT_GRACE)
        if self._reader.is_alive():  # a process outside the group still holds the socket
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._reader.join()
        self._sock.close()
        self._on_message(self, ("exit", code))

    def _kill_group(self) -> None:
        if self.process.returncode is not None:  # reaped: its group id may belong to another now
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def send(self, message: tuple) -> bool:
        """Send a message to the worker; False if it is gone."""
        try:
            self._writer.send(message)
            return True
        except OSError:
            return False

    def kill(self) -> None:
        """Stop at once: used for cancel and time limits, where the program may not cooperate."""
        self.killed = True
        if self.process.returncode is None:
            try:  # freeze the group at once: nothing more is sent, and no descendant is reparented
                os.killpg(self.pid, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                pass
            for pid in descendants(self.pid):  # what the program started, in any session
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self._kill_group()
        try:
            self.process.kill()
        except OSError:
            pass

    def stop(self) -> None:
        """Ask an idle worker to exit cleanly."""
        self.killed = True
        if not self.send(("stop",)):
            self.kill()

    @property
    def alive(self) -> bool:
        # not process.poll(): reaping the worker here would let its group outlive it
        return not self.killed and not self._exited.is_set()


IDLE_SECONDS = 120.0
"""How long a worker beyond the warm reserve may stay idle before it exits (``$QRT_WORKER_IDLE_SECONDS``)."""


class WorkerPool:
    """Warm workers ready for the next job; at most ``max_idle`` kept idle.

    ``max_idle`` defaults to ``warm + 2``: two busy workers (the simulator's two
    slots on a small machine, or two devices) and the warm reserve all stay when
    they fall idle. With one idle slot fewer, every burst of jobs stopped a hot
    worker and started a new reserve, seconds of a core each time. Those beyond
    the reserve exit after ``idle_seconds`` without a job: an idle runtime holds
    only what the next job needs.

    ``recent_backends()`` names the backends a new worker prepares while it
    waits for its first job (see :meth:`warm_backend`).
    """

    def __init__(self, on_message, log_dir: Path, warm: int = 1, max_idle: int | None = None,
                 idle_seconds: float | None = None, recent_backends: Callable[[], list[str]] = list):
        self._on_message = on_message
        self._log_path = Path(log_dir) / "workers.log"
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self.warm = warm
        self.max_idle = max(warm + 2 if max_idle is None else max_idle, warm)
        self.idle_seconds = float(os.environ.get("QRT_WORKER_IDLE_SECONDS") or IDLE_SECONDS) \
            if idle_seconds is None else idle_seconds
        self._recent_backends = recent_backends
        self._idle: list[Worker] = []
        self._idle_since: dict[Worker, float] = {}
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._closing = threading.Event()
        threading.Thread(target=self._retire_idle, name="qrt-worker-pool", daemon=True).start()

    def _start(self) -> Worker:
        if self._closed:
            raise RuntimeError("the worker pool was shut down")
        worker = Worker(self._on_message, self._log_path)
        for name in self._recent_backends():
            worker.backends.add(name)
            worker.send(("warm", name))
        self._all.add(worker)
        return worker

    def warm_backend(self, name: str) -> None:
        """Let idle workers prepare backend ``name`` (a device's noise model takes most of a
        second to build) while they wait, so the next job there, or after a cancel, is quick."""
        with self._lock:
            idle = [w for w in self._idle if name not in w.backends]
        for worker in idle:
            worker.backends.add(name)
            worker.send(("warm", name))

    def _retire_idle(self) -> None:
        """Stop workers beyond the warm reserve once they have been idle ``idle_seconds``."""
        while not self._closing.wait(min(5.0, max(0.1, self.idle_seconds / 4))):
            now = time.monotonic()
            with self._lock:
                # the oldest idle ones go first; the most recently used stay as the reserve
                while len(self._idle) > self.warm and now - self._idle_since.get(self._idle[0], now) \
                        > self.idle_seconds:
                    oldest = self._idle.pop(0)
                    self._idle_since.pop(oldest, None)
                    self._all.discard(oldest)
                    oldest.stop()

    def prestart(self) -> None:
        with self._lock:
            self._fill_reserve()

    def _fill_reserve(self) -> None:
        while len(self._idle) < self.warm and not self._closed:
            self._park(self._start())

    def _park(self, worker: Worker) -> None:
        self._idle.append(worker)
        self._idle_since[worker] = time.monotonic()

    def acquire(self) -> Worker:
        """A worker for the next job, without waiting for it to finish warming up.

        The most recently released worker goes first: its caches (imported
        programs, backends, pass managers) are hot, while a worker that has
        never run a job pays for them all. A worker still importing qiskit is
        taken only when no idle one is ready, and then the one started first.
        The rest stay the warm reserve.
        """
        with self._lock:
            for dead in [w for w in self._idle if not w.alive]:
                self._idle.remove(dead)
                self._all.discard(dead)
            ready = [w for w in self._idle if w.ready]
            if ready:
                worker = ready[-1]
                self._idle.remove(worker)
            elif self._idle:
                worker = self._idle.pop(0)
            else:
                worker = self._start()
            self._idle_since.pop(worker, None)
            self._fill_reserve()
            return worker

    def release(self, worker: Worker) -> None:
        """Back to the idle list; beyond ``max_idle``, the least recently used one goes."""
        with self._lock:
            worker.job_id = None
            if not worker.alive:
                self._all.discard(worker)
                return
            if self._closed:
                self._all.discard(worker)
                worker.stop()
                return
            self._park(worker)
            while len(self._idle) > self.max_idle:
                oldest = self._idle.pop(0)
                self._idle_since.pop(oldest, None)
                self._all.discard(oldest)
                oldest.stop()

    def discard(self, worker: Worker) -> None:
        """Forget a dead or killed worker and keep the warm reserve full."""
        with self._lock:
            self._all.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            self._idle_since.pop(worker, None)
            self._fill_reserve()

    def shutdown(self) -> None:
        self._closing.set()
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = list(self._all), set(), []
        for worker in workers:
            worker.kill()

    def __len__(self) -> int:
        return len(self._all)
