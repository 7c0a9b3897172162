"""The program that runs inside a worker process: ``python -m qrt_jupyter.runtime.worker_main FD``.

Workers are started with ``subprocess`` rather than ``multiprocessing`` so that
a user's script or notebook is never re-imported in the child (the spawn
start method would re-run an unguarded ``__main__``). The parent passes one end
of a socket pair as file descriptor FD; messages are pickled tuples in the
frames of :mod:`.frames`:

    parent → worker: ("run", job_id, kind, ref, backend_name, backend_factory, inputs_json, log_level
                      [, memory_limit])
                     ("warm", backend_name)   prepare that backend at the next idle moment
                     ("stop",)
    worker → parent: ("ready", pid), ("interim", job_id, json), ("log", job_id, stream, text),
                     ("result", job_id, json), ("error", job_id, traceback_text), ("idle", job_id)

A worker imports qiskit and Aer once, then serves job after job, so a small job
does not pay for a process start. It exits when the parent goes away.

Nothing a job started outlives it: the worker is the subreaper of its
descendants (orphans of a program become its children, not init's), and after
each job it kills what is left of them (see :mod:`.job_limits`).
"""

from __future__ import annotations

import gc
import importlib
import io
import linecache
import logging
import os
import socket
import sys
import threading
import time
import traceback

from .._lazy import import_heavy
from .frames import FrameReader, FrameWriter
from .job_limits import end_descendants, become_subreaper, memory_limited


class _ConnStream(io.TextIOBase):
    """stdout/stderr of the running program, sent to the client line by line.

    Text without a newline (a progress bar redrawn with ``\r``) is kept as a list of
    pieces and only the new piece is searched, so each write costs its own length:
    adding to one string and searching all of it made 30,000 updates quadratic. A
    line that grows past :data:`LONG_LINE` characters is sent as it is, so a bar
    that never ends its line neither holds memory nor waits for the job's end.
    """

    LONG_LINE = 64 * 1024

    def __init__(self, send, job_id: str, name: str):
        self._send, self._job_id, self.name = send, job_id, name
        self._pieces: list[str] = []
        self._size = 0
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            if "\n" in text:
                head, _, tail = text.rpartition("\n")
                self._pieces.append(head + "\n")
                self._send(("log", self._job_id, self.name, "".join(self._pieces)))
                self._pieces, self._size = ([tail], len(tail)) if tail else ([], 0)
            elif text:
                self._pieces.append(text)
                self._size += len(text)
                if self._size >= self.LONG_LINE:
                    self._send_pieces()
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self._send_pieces()

    def _send_pieces(self) -> None:
        if self._pieces:
            self._send(("log", self._job_id, self.name, "".join(self._pieces)))
            self._pieces, self._size = [], 0


def _watch_parent(parent_pid: int) -> None:
    """Exit when the client process dies, even while a program is still running."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def _load_main(kind: str, ref: str, job_id: str):
    if kind == "builtin":
        return importlib.import_module(ref).main
    # uploaded source: compile under a pseudo file name registered in linecache,
    # so tracebacks show the program's own lines
    filename = f"<qrt program {job_id}>"
    linecache.cache[filename] = (len(ref), None, ref.splitlines(True), filename)
    namespace = {"__name__": "__qrt_program__", "__file__": filename}
    exec(compile(ref, filename, "exec"), namespace)
    return namespace["main"]


def _format_error(exc: BaseException) -> str:
    """The program's traceback without this module's frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()


def _fail(send, job_id: str, err: _ConnStream, text: str) -> None:
    """End the job with ``text`` as its error, written to its stderr log first: the old
    service's ``job.logs()`` held a failed program's traceback too."""
    err.write(text + "\n")
    err.flush()
    send(("error", job_id, text))


def run_job(send, job_id, kind, ref, backend_name, backend_factory, inputs_json, log_level,
            memory_limit: int | None = None) -> None:
    from .._compat import options_restored
    from . import codec
    from .backends import make_backend, register_backend_factory
    from .messenger import UserMessenger

    out, err = _ConnStream(send, job_id, "stdout"), _ConnStream(send, job_id, "stderr")
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    level = getattr(logging, str(log_level or "WARNING").upper(), logging.WARNING)
    if level != old_level:  # setLevel clears every logger's cache (qiskit has hundreds): 0.1 ms a job
        root.setLevel(level)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        messenger = UserMessenger(send, job_id)
        try:
            main = _load_main(kind, ref, job_id)
            if backend_factory is not None:  # registered in the client; its module is imported here
                register_backend_factory(backend_name.partition(":")[0], backend_factory)
            backend = make_backend(backend_name)
            inputs = codec.decode(inputs_json) if inputs_json else {}
            # backends are cached per worker; a program's set_options() must not outlive its job
            with options_restored(backend), memory_limited(memory_limit):
                value = main(backend, messenger, **inputs)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from user code too
            out.flush()
            text = _format_error(exc)
            if memory_limit is not None and isinstance(exc, MemoryError):
                text = (f"memory limit of {memory_limit / 2**20:g} MiB exceeded: the program could not "
                        f"allocate more. Raise memory_limit in the run options or use less memory.\n{text}")
            _fail(send, job_id, err, text)
            return
        out.flush()
        err.flush()
        if value is None and messenger.final_result is not None:
            text = messenger.final_result
        else:
            try:
                text = codec.encode_result(value)
            except Exception as exc:
                _fail(send, job_id, err, f"result is not serializable: {exc}")
                return
        send(("result", job_id, text))
    finally:
        sys.stdout, sys.stderr = saved
        root.removeHandler(handler)
        if root.level != old_level:
            root.setLevel(old_level)


def _prewarm(backend_name: str) -> None:
    """Pay now, while idle, for what a first job on ``backend_name`` needs.

    A fresh worker's first sampler job paid for importing the primitives and
    the built-in programs, building the backend (a device's noise model: most
    of a second) and its pass manager, and running Aer and the encoders for the
    first time, several times what the next job costs (BENCHMARKS.md): so one
    tiny sampler job runs here. Done only at moments no job is waiting (a worker
    started for a job runs it first); anything that fails here fails, and is
    reported, in the job that needs it.
    """
    try:
        from qiskit import QuantumCircuit

        from .._compat import options_restored
        from . import codec
        from .backends import make_backend
        from .programs.builtin import BUILTIN_PROGRAMS

        for module in BUILTIN_PROGRAMS.values():
            importlib.import_module(module)
        # one tiny sampler job through the same steps as a real one: inputs decoded,
        # compiled by the cached pass manager, sampled by Aer, the result encoded
        circuit = QuantumCircuit(1, 1)
        circuit.measure(0, 0)
        inputs = codec.decode(codec.encode({"pubs": [(circuit,)], "shots": 1}))
        sampler = importlib.import_module(BUILTIN_PROGRAMS["sampler"])
        backend = make_backend(backend_name)
        with options_restored(backend):
            codec.encode(sampler.main(backend, _Silent(), **inputs))
    except Exception:
        pass


class _Silent:
    """The user messenger of the warm-up job: nothing it publishes goes anywhere."""

    def publish(self, *args, **kwargs) -> None:
        pass


JOB_GC_THRESHOLD = 20_000
"""Allocations between two young-generation collections in a worker (Python's default: 700).

With the default a warm Bell job was interrupted by a collection every few jobs, 0.3 ms each
in a worker whose caches went cold while it waited (BENCHMARKS.md, issue 17). With this
threshold a small job runs without one, and the worker collects between jobs instead; a long
program still gets a collection every 20,000 allocations, so its garbage stays bounded."""


def _serve_job(writer: FrameWriter, message: tuple) -> None:
    """Run one job; say "idle" right after its result, then end what it left running.

    The client reports a result once the worker is idle (so the caller's next job comes
    back to this warm worker): "idle" goes out with the result, not after the cleanup,
    and in the same write, so the client's reader thread wakes once for both. A next
    job sent meanwhile waits in the socket until the cleanup is done.
    """
    job_id, idle_sent = message[1], []

    def send_then_idle(out: tuple) -> None:
        if out[0] in ("result", "error") and out[1] == job_id and not idle_sent:
            idle_sent.append(True)
            writer.send_many([out, ("idle", job_id)])
        else:
            writer.send(out)

    try:
        run_job(send_then_idle, *message[1:])
    finally:
        end_descendants()
        if not idle_sent:
            writer.send(("idle", job_id))


def serve(sock: socket.socket) -> None:
    writer = FrameWriter(sock)
    send = writer.send
    inbox = FrameReader(sock.fileno())

    # warm up: pay for these imports once, before the first job
    import_heavy("qiskit", "qiskit_aer", "qiskit_ibm_runtime")

    # what is imported now lives as long as the worker: leave it out of the collector's
    # full passes, which otherwise walk all of qiskit's objects during a job
    gc.freeze()
    gc.set_threshold(JOB_GC_THRESHOLD, 10, 10)
    send(("ready", os.getpid()))
    from .backends import SIMULATOR_NAME

    to_warm = [SIMULATOR_NAME]  # then the backends the client names
    warmed: set[str] = set()
    while True:
        if to_warm and not inbox.poll(0):  # an idle moment: pay a next first job's costs
            name = to_warm.pop(0)
            if name not in warmed:
                warmed.add(name)
                _prewarm(name)
                gc.collect()
                gc.freeze()  # the backend and what its first job cached, as above
            continue
        try:
            message = inbox.read_one()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        if message[0] == "warm":  # ("warm", backend_name): a backend in use nearby
            to_warm.append(message[1])
        if message[0] == "run":
            _serve_job(writer, message)
            if not inbox.poll(0):  # nothing waiting: collect the job's garbage now, not in the next job
                gc.collect(1)


def main(argv: list[str]) -> None:
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    become_subreaper()
    sock = socket.socket(fileno=int(argv[1]))
    try:
        serve(sock)
    finally:
        sock.close()


if __name__ == "__main__":
    main(sys.argv)
