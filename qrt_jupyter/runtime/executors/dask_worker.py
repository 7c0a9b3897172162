"""The Dask executor's side on a Dask worker: one task per job, the program in a child process.

A Dask worker thread cannot be stopped from outside, so the task does not run
the program itself: it hands the job to a warm worker process of this machine
(the same :class:`~..workers.WorkerPool` the local executor uses, so cancel, time
limits and crashes behave as locally) and relays what that process says to the
scheduler's process over one TCP connection per job (see :mod:`.dask` for why
TCP and not a Dask queue). The task returns when the job ends; it reads the
connection meanwhile, and a ``kill`` line or the connection closing stops the
program at once.

Wire format, one JSON value per line (no pickles: the scheduler's process never
unpickles what a worker sends):

    worker → scheduler: {"token", "job", "worker"} (the handshake), then
                        ["interim", job_id, json], ["log", job_id, stream, text],
                        ["result", job_id, json], ["error", job_id, traceback],
                        ["idle"] (the job ended, its process is free) or ["exit", code]
    scheduler → worker: "ok" or "no" (answer to the handshake), later "kill"
"""

from __future__ import annotations

import json
import queue
import socket
import tempfile
import threading
from pathlib import Path

from ..workers import Worker, WorkerPool

__all__ = ["prepare", "run_launch", "keepalive"]

_pool: WorkerPool | None = None
_pool_lock = threading.Lock()
_routes: dict[Worker, "_JobStream"] = {}
_RELAYED = ("interim", "log", "result", "error")


def keepalive(sock: socket.socket) -> None:
    """Probe an idle connection every few seconds, so a machine that vanishes is noticed."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 5), ("TCP_KEEPINTVL", 2), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _worker_pool() -> WorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            log_dir = Path(tempfile.gettempdir()) / "qrt_jupyter-dask"
            _pool = WorkerPool(_on_message, log_dir, warm=1)
        return _pool


def prepare() -> str:
    """Start this Dask worker's warm process ahead of the first job; where its log is."""
    pool = _worker_pool()
    pool.prestart()
    return str(Path(tempfile.gettempdir()) / "qrt_jupyter-dask" / "workers.log")


class _JobStream:
    """The connection back to the scheduler's process: lines written in batches by one thread."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.done = threading.Event()
        self._ended = False
        self._end_lock = threading.Lock()
        self._queue: "queue.SimpleQueue[object]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="qrt-dask-stream", daemon=True)
        self._thread.start()

    def send(self, message) -> None:
        self._queue.put(message)

    def end(self) -> bool:
        """Mark the job ended; True for the first caller only (its end, or a kill, not both)."""
        with self._end_lock:
            first, self._ended = not self._ended, True
        self.done.set()
        return first

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            try:
                while len(batch) < 5000:
                    batch.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            closing = batch[-1] is None
            lines = [json.dumps(m) for m in batch if m is not None]
            try:
                if lines:
                    self.sock.sendall(("\n".join(lines) + "\n").encode())
            except OSError:
                closing = True
            if closing:
                return

    def close(self) -> None:
        """Send what is queued, then close (the scheduler's side reads to the end)."""
        self._queue.put(None)
        self._thread.join(30)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def _on_message(worker: Worker, message: tuple) -> None:
    """A worker process's message, on its reader thread: relayed, or ends the job."""
    stream = _routes.get(worker)
    kind = message[0]
    if stream is None:
        if kind == "exit":
            _worker_pool().discard(worker)
        return
    if kind in _RELAYED:
        stream.send(list(message))
    elif kind == "idle":
        _routes.pop(worker, None)
        if stream.end():
            stream.send(["idle"])
            _worker_pool().release(worker)
    elif kind == "exit":
        _routes.pop(worker, None)
        if stream.end() and not worker.killed:
            stream.send(["exit", message[1]])
        _worker_pool().discard(worker)


def _listen(reader, worker: Worker, stream: _JobStream, outcome: list) -> None:
    """Wait for a ``kill`` line (or the scheduler's side closing): stop the program at once."""
    try:
        line = reader.readline()
    except (OSError, ValueError):  # closed by the task after the job's end
        line = b""
    if stream.done.is_set() or not stream.end():
        return
    outcome.append("killed" if line.strip() == b"kill" else "abandoned")
    _routes.pop(worker, None)
    worker.kill()
    _worker_pool().discard(worker)


def run_launch(launch: dict, host: str, port: int, token: str) -> str:
    """The Dask task of one job: run it in a worker process, relay, return how it ended."""
    from distributed import get_worker

    where = get_worker().address
    sock = socket.create_connection((host, port), timeout=30)
    keepalive(sock)
    sock.sendall((json.dumps({"token": token, "job": launch["job_id"], "worker": where}) + "\n").encode())
    reader = sock.makefile("rb")
    if reader.readline().strip() != b"ok":  # killed meanwhile, or a retry after a lost worker
        sock.close()
        return "refused"
    sock.settimeout(None)
    stream = _JobStream(sock)
    pool = _worker_pool()
    worker = pool.acquire()
    worker.job_id = launch["job_id"]
    _routes[worker] = stream
    sent = worker.send(("run", launch["job_id"], launch["program_kind"], launch["program"], launch["backend"],
                        launch["backend_factory"], launch["inputs"], launch["log_level"],
                        launch.get("memory_limit")))
    if not sent:
        _on_message(worker, ("exit", worker.process.poll()))
    outcome: list[str] = []
    threading.Thread(target=_listen, args=(reader, worker, stream, outcome), name="qrt-dask-kill",
                     daemon=True).start()
    stream.done.wait()
    stream.close()
    return outcome[0] if outcome else "done"
