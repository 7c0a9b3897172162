"""Worker processes, seen from the client: start, talk to, recycle, kill.

User programs never run in the kernel: a cancel or a time limit must be able to
stop them, and a crash must not take the kernel down. Starting a Python that
imports qiskit and Aer takes seconds, so the pool keeps a few warm workers and
reuses a worker job after job; a job is sent to a worker still warming up, and
runs as soon as it is ready.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

from .frames import FrameReader, FrameWriter

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
            )
        child_sock.close()
        self._sock = parent_sock
        self._writer = FrameWriter(parent_sock)
        self.pid = self.process.pid
        self.job_id: str | None = None
        self.killed = False
        self._on_message = on_message
        self._reader = threading.Thread(target=self._read, name=f"qrt-worker-{self.pid}", daemon=True)
        self._reader.start()

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
                self._on_message(self, message)
        code = self.process.wait()
        self._sock.close()
        self._on_message(self, ("exit", code))

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
        return not self.killed and self.process.poll() is None


class WorkerPool:
    """Warm workers ready for the next job; at most ``max_idle`` kept idle.

    ``max_idle`` defaults to ``warm + 2``: two busy workers (the simulator's two
    slots on a small machine, or two devices) and the warm reserve all stay when
    they fall idle. With one idle slot fewer, every burst of jobs stopped a hot
    worker and started a new reserve, seconds of a core each time.
    """

    def __init__(self, on_message, log_dir: Path, warm: int = 1, max_idle: int | None = None):
        self._on_message = on_message
        self._log_path = Path(log_dir) / "workers.log"
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self.warm = warm
        self.max_idle = max(warm + 2 if max_idle is None else max_idle, warm)
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def _start(self) -> Worker:
        if self._closed:
            raise RuntimeError("the worker pool was shut down")
        worker = Worker(self._on_message, self._log_path)
        self._all.add(worker)
        return worker

    def prestart(self) -> None:
        with self._lock:
            while len(self._idle) < self.warm and not self._closed:
                self._idle.append(self._start())

    def acquire(self) -> Worker:
        """A worker for the next job, without waiting for it to finish warming up.

        The most recently released worker goes first: its caches (imported
        programs, backends, pass managers) are hot, while a worker that has
        never run a job pays for them all. The rest stay the warm reserve.
        """
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    break
                self._all.discard(worker)
            else:
                worker = self._start()
            while len(self._idle) < self.warm and not self._closed:
                self._idle.append(self._start())
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
            self._idle.append(worker)
            while len(self._idle) > self.max_idle:
                oldest = self._idle.pop(0)
                self._all.discard(oldest)
                oldest.stop()

    def discard(self, worker: Worker) -> None:
        """Forget a dead or killed worker and keep the warm reserve full."""
        with self._lock:
            self._all.discard(worker)
            if worker in self._idle:
                self._idle.remove(worker)
            while len(self._idle) < self.warm and not self._closed:
                self._idle.append(self._start())

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all, self._idle = list(self._all), set(), []
        for worker in workers:
            worker.kill()

    def __len__(self) -> int:
        return len(self._all)
