"""A real Dask cluster on 127.0.0.1 for tests and benchmarks: `dask scheduler` and `dask worker`
processes on free ports, each stopped by its pid."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalDaskCluster:
    """``dask scheduler`` plus ``workers`` single-threaded ``dask worker`` processes (no nanny,
    so a SIGKILLed worker stays dead)."""

    def __init__(self, workers: int = 2, env: dict | None = None, log_dir: str | os.PathLike | None = None):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self._env = dict(os.environ, **(env or {}))
        self._log_dir = Path(log_dir) if log_dir else None
        self.scheduler = self._spawn([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--no-dashboard", "--no-show"], "scheduler")
        self.workers: list[subprocess.Popen] = []
        try:
            self._wait_for_scheduler()
            for _ in range(workers):
                self.add_worker()
        except BaseException:  # nothing started here outlives a failed start
            self.stop()
            raise

    def _spawn(self, argv: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        out = subprocess.DEVNULL
        if self._log_dir is not None:
            out = open(self._log_dir / f"dask-{name}-{time.monotonic_ns()}.log", "ab")
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env or self._env)

    def _wait_for_scheduler(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.scheduler.poll() is not None:
                raise RuntimeError(f"dask scheduler exited with {self.scheduler.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dask scheduler did not start")

    def add_worker(self, env: dict | None = None, wait: bool = True) -> subprocess.Popen:
        worker = self._spawn([DASK, "worker", self.address, "--nthreads", "1", "--no-nanny",
                              "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{len(self.workers)}"],
                             f"worker{len(self.workers)}", None if env is None else dict(self._env, **env))
        self.workers.append(worker)
        if wait:
            self.wait_for_workers(sum(1 for w in self.workers if w.poll() is None))
        return worker

    def wait_for_workers(self, n: int, timeout: float = 120.0) -> None:
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=timeout)

    def worker_addresses(self) -> dict[int, str]:
        """pid → address of each worker (asked of the workers themselves)."""
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            return {pid: address for address, pid in client.run(os.getpid).items()}

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def running_cluster(workers: int, log_dir=None, env: dict | None = None) -> Iterator[LocalDaskCluster]:
    """A :class:`LocalDaskCluster`, stopped (every process by its pid) when the block ends."""
    cluster = LocalDaskCluster(workers, env=env, log_dir=log_dir)
    try:
        yield cluster
    finally:
        cluster.stop()
