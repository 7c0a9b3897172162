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
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class Worker:
    """One worker process and the thread that reads its messages."""

    def __init__(self, on_message: Callable[["Worker", tuple], None], log_path: Path):
        parent_sock, child_sock = socket.socketpair()
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
        self.conn = Connection(parent_sock.detach())
        self.pid = self.process.pid
        self.job_id: str | None = None
        self.killed = False
        self._send_lock = threading.Lock()
        self._on_message = on_message
        self._reader = threading.Thread(target=self._read, name=f"qrt-worker-{self.pid}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                break
            self._on_message(self, message)
        code = self.process.wait()
        self._on_message(self, ("exit", code))

    def send(self, message: tuple) -> bool:
        try:
            with self._send_lock:
                self.conn.send(message)
            return True
        except (OSError, ValueError):
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
    """Warm workers ready for the next job; at most ``max_idle`` kept idle."""

    def __init__(self, on_message, log_dir: Path, warm: int = 1, max_idle: int = 2):
        self._on_message = on_message
        self._log_path = Path(log_dir) / "workers.log"
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self.warm = warm
        self.max_idle = max(max_idle, warm)
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
        """A worker for the next job, without waiting for it to finish warming up."""
        with self._lock:
            while self._idle:
                worker = self._idle.pop(0)
                if worker.alive:
                    break
                self._all.discard(worker)
            else:
                worker = self._start()
            while len(self._idle) < self.warm and not self._closed:
                self._idle.append(self._start())
            return worker

    def release(self, worker: Worker) -> None:
        with self._lock:
            worker.job_id = None
            if not worker.alive:
                self._all.discard(worker)
            elif not self._closed and len(self._idle) < self.max_idle:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                worker.stop()

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
