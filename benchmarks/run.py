"""Side-by-side benchmarks of the local runtime against calling Aer directly (issue 7).

Speed targets live here and only here, as ratios measured in one run: two
timings taken minutes apart on a shared machine differ more than the things we
compare, so every item runs its A and B alternately (A B, then B A, ...) in the
same process and reports medians. Unit tests never assert on time.

    .venv/bin/python benchmarks/run.py                 # all 16 items, default sizes (a few minutes)
    .venv/bin/python benchmarks/run.py --items 1,3 --repeat 30
    .venv/bin/python benchmarks/run.py --quick --json out.json   # tiny sizes (the smoke test)

Items (numbers as in issue 7):

1. Bell, 1024 shots: ``service.run("sampler", {"pubs": ...}).result()`` vs Aer's ``SamplerV2``.
2. 20-qubit ``efficient_su2`` (reps 3, bound), 20,000 shots: the same pair.
3. The Bell job vs ``qiskit_ibm_runtime.SamplerV2(mode=AerSimulator())`` (IBM's local mode).
4. A program publishing 5,000 small dicts: messages/s delivered, in order, to a ``callback``.
5. 200 hello-world jobs submitted at once to one backend: submit time, drain time, and
   ``queue_position()`` sampled throughout the drain and checked for consistency.
6. ``watch(job)`` on a program publishing 10,000 results: kernel CPU, messages to the front
   end (counted by a recording comm), and the program's run time with and without the widget
   (plus a no-op subscriber and the monitor alone, to show where any slowdown comes from).
7. ``%load_ext qrt_jupyter`` in a fresh interpreter: time, and what it imports.
8. A store of 10,000 jobs: ``service.jobs(limit=50)`` and opening the ``Dashboard``.
9-11. The runtime server (issue 14, benchmarks/server_items.py): a Bell job through REST vs in-kernel,
   ``GET /jobs/{id}`` latency with 20 concurrent clients, interim results over the WebSocket.
16-18. Jobs on a Dask cluster (issue 16, benchmarks/dask_items.py): 12 CPU-bound sampler jobs on 1 vs
   2 single-threaded workers, a Bell job through the cluster vs local workers, interim results
   from a Dask worker.

Issue 17 (faster than IBM's local mode) adds, each in fresh interpreters where it says so:

12. A fresh process: import, service, one Bell job, vs the same with IBM's local mode.
13. The first Bell job 4 s after the service was created (the user typing meanwhile; the cells
    run on an asyncio loop, as ipykernel runs them).
14. The next Bell job on a one-slot device (``fake_manila``) after cancelling a running one.
15. An idle runtime's memory (RSS of the client and its workers), and workers beyond the warm
    reserve exiting after an idle while.
19. IBM's own client (issue 15, benchmarks/server_items.py): its SamplerV2 Bell on fake_manila
    through the server vs its local mode.

20-22. Fault runs (issue 13, benchmarks/fault_items.py): a client SIGKILLed with 20 jobs in
    flight (jobs accounted for, interim results intact, recovery time vs one job), crash kinds
    survived, and over 100 bad calls giving one clear line.

Every run uses fresh temporary homes (never ``~/.qrt``), removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

SIMULATOR = "ibmq_qasm_simulator"

# --------------------------------------------------------------------------- results


@dataclass
class Row:
    """One line of the table: A against B, their ratio, and the verdict against the target."""

    item: int
    name: str
    a: float | None
    b: float | None = None
    unit: str = ""
    target: str = "-"
    status: str = "info"  # PASS | MISS | info
    note: str = ""
    ratio: float | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.ratio is None and self.a is not None and self.b:
            self.ratio = self.a / self.b


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def interleave(a: Callable[[], Any], b: Callable[[], Any], repeat: int,
               warmup: int = 1) -> tuple[list[float], list[float]]:
    """Wall times of ``a`` and ``b``, run alternately (ABBA...) after ``warmup`` untimed pairs.

    Alternating the order cancels a drift of the machine (another process
    starting, a CPU clocking down) that would otherwise favour whichever side
    always runs second.
    """
    for _ in range(warmup):
        a()
        b()
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(repeat):
        pair = ((a, times_a), (b, times_b)) if i % 2 == 0 else ((b, times_b), (a, times_a))
        for fn, out in pair:
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return times_a, times_b


# --------------------------------------------------------------------------- circuits


def bell_circuit():
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def su2_circuit(num_qubits: int):
    import numpy as np
    from qiskit.circuit.library import efficient_su2

    circuit = efficient_su2(num_qubits, reps=3)
    circuit.measure_all()
    values = np.random.default_rng(7).uniform(0, 2 * np.pi, circuit.num_parameters)
    return circuit.assign_parameters(values)


# Uploaded programs the benchmarks need: tight publishing loops, as a user would write them.
PUBLISHER_SOURCE = '''
import time


def main(backend, user_messenger, count=5000, numeric=False):
    """Publish ``count`` small dicts as fast as the runtime takes them; return [count, seconds]."""
    start = time.perf_counter()
    for i in range(count):
        if numeric:
            user_messenger.publish({"iteration": i, "value": (i % 97) / 97.0})
        else:
            user_messenger.publish({"i": i, "tag": "x"})
    return [count, time.perf_counter() - start]
'''

PUBLISHER_METADATA = {
    "name": "bench-publisher",
    "description": "Benchmark: publishes many small interim results in a tight loop.",
    "max_execution_time": 600,
    "spec": {
        "parameters": {
            "type": "object",
            "properties": {"count": {"type": "integer"}, "numeric": {"type": "boolean"}},
        },
    },
}


def publisher_program(service) -> str:
    for program in service.programs():
        if program.name == PUBLISHER_METADATA["name"]:
            return program.program_id
    return service.upload_program(PUBLISHER_SOURCE, metadata=PUBLISHER_METADATA)


# --------------------------------------------------------------------------- context


class Context:
    """What the items share in one run: sizes, repetitions, one temporary root, one service."""

    def __init__(self, args: argparse.Namespace, root: Path):
        self.args = args
        self.root = root
        self.quick = args.quick
        self._service = None

    def repeat(self, default: int, quick: int = 2) -> int:
        if self.args.repeat is not None:
            return self.args.repeat
        return quick if self.quick else default

    def service(self):
        """The shared runtime service of items 1-6, on a temporary home, its worker warmed up."""
        if self._service is None:
            from qrt_jupyter import LocalRuntimeService

            options = {"backend_name": SIMULATOR}
            start = time.perf_counter()
            self._service = LocalRuntimeService(home=self.root / "home")
            # the smallest job: what a fresh service's first job waits for (a worker starting)
            self._service.run("hello-world", {"iterations": 0}, options=options).result(timeout=600)
            self.first_job_seconds = time.perf_counter() - start
            time.sleep(3)  # an idle worker; what it does meanwhile shows in its next job
            runs = []
            for _ in range(4):  # RUNNING -> DONE: the worker's part, not the client's first imports
                job = self._service.run("sampler", {"pubs": [(bell_circuit(),)], "shots": 1024},
                                        options=options)
                job.result(timeout=600)
                runs.append(job.metrics()["usage"]["seconds"])
            self.first_sampler_run, self.next_sampler_runs = runs[0], median(runs[1:])
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
            self._service = None


# --------------------------------------------------------------------------- items 1-3


def item1_bell(ctx: Context) -> list[Row]:
    from qiskit_aer.primitives import SamplerV2 as AerSampler

    service = ctx.service()
    bell = bell_circuit()
    options = {"backend_name": SIMULATOR}

    def runtime():
        return service.run("sampler", {"pubs": [(bell,)], "shots": 1024}, options=options).result()

    def aer():
        return AerSampler().run([(bell,)], shots=1024).result()

    reused = AerSampler()

    def aer_reused():
        return reused.run([(bell,)], shots=1024).result()

    check = runtime()[0].data.meas.get_counts()
    assert set(check) <= {"00", "11"} and sum(check.values()) == 1024, check
    repeat = ctx.repeat(20, 3)
    a, b = interleave(runtime, aer, repeat)
    a2, b2 = interleave(runtime, aer_reused, repeat, warmup=0)
    ratio = median(a) / median(b)
    rows = [
        Row(1, "Bell 1024 shots: runtime vs Aer SamplerV2()", median(a) * 1e3, median(b) * 1e3, "ms",
            target="<= 1.3", status=verdict(ratio <= 1.3), note="issue 17 (issue 7 asked <= 3.0)"),
        Row(1, "  same, Aer sampler object reused", median(a2) * 1e3, median(b2) * 1e3, "ms",
            note="B without constructing SamplerV2 each call"),
    ]
    first = getattr(ctx, "first_job_seconds", None)
    if first is not None:
        rows.append(Row(1, "  first job of a fresh service (worker start)", first * 1e3, None, "ms",
                        note="one sample, hello-world with 0 iterations: process start and imports"))
        rows.append(Row(1, "  first Bell job of a worker idle 3 s: RUNNING -> DONE", ctx.first_sampler_run * 1e3,
                        ctx.next_sampler_runs * 1e3, "ms", note="one sample; B: the next 3 jobs' median"))
    return rows


def item2_su2(ctx: Context) -> list[Row]:
    from qiskit_aer.primitives import SamplerV2 as AerSampler

    service = ctx.service()
    num_qubits, shots = (12, 2000) if ctx.quick else (20, 20_000)
    circuit = su2_circuit(num_qubits)
    options = {"backend_name": SIMULATOR}

    def runtime():
        return service.run("sampler", {"pubs": [(circuit,)], "shots": shots}, options=options).result()

    def aer():
        return AerSampler().run([(circuit,)], shots=shots).result()

    a, b = interleave(runtime, aer, ctx.repeat(5, 1))
    ratio = median(a) / median(b)
    return [Row(2, f"efficient_su2 {num_qubits}q reps 3, {shots} shots: runtime vs Aer",
                median(a) * 1e3, median(b) * 1e3, "ms", target="<= 1.05", status=verdict(ratio <= 1.05))]


def item3_ibm_local(ctx: Context) -> list[Row]:
    import warnings

    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import SamplerV2 as IBMSampler

    # 0.50 deprecated this class for a client-side Sampler; it is still what the issue names
    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*SamplerV2 class is deprecated")

    service = ctx.service()
    bell = bell_circuit()
    options = {"backend_name": SIMULATOR}
    simulator = AerSimulator()

    def runtime():
        return service.run("sampler", {"pubs": [(bell,)], "shots": 1024}, options=options).result()

    def ibm_local():
        return IBMSampler(mode=simulator).run([(bell,)], shots=1024).result()

    a, b = interleave(runtime, ibm_local, ctx.repeat(20, 3))
    ratio = median(a) / median(b)
    return [Row(3, "Bell: runtime vs qiskit_ibm_runtime SamplerV2(mode=AerSimulator())",
                median(a) * 1e3, median(b) * 1e3, "ms", target="<= 1.0 (aim 0.8)", status=verdict(ratio <= 1.0),
                note=f"aim 0.8: {'met' if ratio <= 0.8 else 'not met'}")]


# --------------------------------------------------------------------------- item 4


def item4_interim(ctx: Context) -> list[Row]:
    service = ctx.service()
    program = publisher_program(service)
    count = 500 if ctx.quick else 5000
    rates, lost, disordered, seconds = [], 0, 0, []
    for _ in range(ctx.repeat(3, 1)):
        received: list[Any] = []
        done = threading.Event()

        def callback(_job_id, message, received=received, done=done, last=count - 1):
            received.append(message)
            if message.get("i") == last:  # interim results only, as in the old API
                done.set()

        start = time.perf_counter()
        job = service.run(program, {"count": count}, options={"backend_name": SIMULATOR},
                          callback=callback)
        job.wait_for_final_state(timeout=600)
        if not done.wait(60):
            raise RuntimeError("the callback never received the last interim result")
        elapsed = time.perf_counter() - start
        interims = [m for m in received if isinstance(m, dict)]
        indices = [m["i"] for m in interims]
        lost += count - len(set(indices))
        disordered += sum(1 for x, y in zip(indices, indices[1:]) if y != x + 1)
        rates.append(len(interims) / elapsed)
        seconds.append(elapsed)
    rate = median(rates)
    ok = rate >= 2000 and lost == 0 and disordered == 0
    return [Row(4, f"{count} interim results to a callback (submit -> last delivered)", rate, None,
                "msg/s", target=">= 2000/s, 0 lost, in order", status=verdict(ok),
                note=f"lost {lost}, out of order {disordered}, {median(seconds):.2f} s per job",
                extra={"lost": lost, "out_of_order": disordered})]


# --------------------------------------------------------------------------- item 5


class QueueChecker:
    """Checks sampled ``queue_position()`` readings against one FIFO queue, race-free.

    Readings are taken one at a time while the queue drains, so no set of them is
    a snapshot. But with FIFO dispatch, at any instant job *i* (1-based, in
    submission order) is at position ``i - d`` where ``d`` is the number of our
    jobs that have left the queue. Each numeric reading therefore implies
    ``d = i - position``, and consistency means: one non-decreasing ``d`` explains
    every reading in the order they were taken. That is exactly "the positions
    are a permutation of 1..k at every instant, and each job's position only
    decreases", checked without ever needing an atomic snapshot.
    """

    def __init__(self):
        self.departed = 0  # lower bound of d from the readings so far
        self.samples = 0
        self.violations: list[str] = []

    def reading(self, index: int, position: int | None) -> None:
        self.samples += 1
        if position is None:  # job `index` has left the queue: d >= index from now on
            self.departed = max(self.departed, index)
            return
        implied = index - position
        if position < 1 or implied < self.departed:
            if len(self.violations) < 10:
                self.violations.append(
                    f"job #{index} at position {position} after {self.departed} jobs had left")
            return
        self.departed = implied


def _burst(service, count: int, inputs: dict, options: dict, checker: "QueueChecker | None"):
    """Submit ``count`` jobs at once, then wait for all; sample queue positions if ``checker``.

    Returns (per-submit seconds, seconds to submit all, seconds until all are final, jobs).
    """
    jobs, submit = [], []
    start = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        jobs.append(service.run("hello-world", inputs, options=options))
        submit.append(time.perf_counter() - t0)
    submitted = time.perf_counter() - start
    if checker is not None:
        first_pending = 0
        while first_pending < count:
            pass_start = time.perf_counter()
            for index in range(first_pending, count):
                position = jobs[index].queue_position()
                checker.reading(index + 1, position)
                if position is None and index == first_pending:
                    first_pending += 1
            # a watcher polls, it does not spin: this process also runs the scheduler, so
            # keep the sampling to about a quarter of its time
            time.sleep(max(0.01, 3 * (time.perf_counter() - pass_start)))
    for job in jobs:
        job.wait_for_final_state(timeout=1200)
    return submit, submitted, time.perf_counter() - start, jobs


def item5_queue(ctx: Context) -> list[Row]:
    from qiskit.providers import JobStatus

    service = ctx.service()
    count = 20 if ctx.quick else ctx.args.jobs
    inputs = {"iterations": ctx.args.hello_iterations}
    options = {"backend_name": SIMULATOR}

    # both simulator slots' workers import the program and build their pass manager first
    for job in [service.run("hello-world", inputs, options=options) for _ in range(4)]:
        job.result(timeout=600)
    # B: one job alone on an idle runtime
    single_submit, single_total = [], []
    for _ in range(ctx.repeat(5, 1)):
        start = time.perf_counter()
        job = service.run("hello-world", inputs, options=options)
        single_submit.append(time.perf_counter() - start)
        job.result(timeout=600)
        single_total.append(time.perf_counter() - start)

    submit, submitted, drain, jobs = _burst(service, count, inputs, options, None)
    checker = QueueChecker()
    _, _, sampled_drain, sampled_jobs = _burst(service, count, inputs, options, checker)
    failed = sum(1 for job in jobs + sampled_jobs if job.status() is not JobStatus.DONE)
    consistent = not checker.violations and failed == 0
    return [
        Row(5, f"submit {count} hello-world at once: per job (B: into an idle runtime)",
            median(submit) * 1e3, median(single_submit) * 1e3, "ms",
            note=f"{submitted:.2f} s to submit all; slowest {max(submit) * 1e3:.1f} ms"),
        Row(5, f"drain {count} jobs: per job (B: one job alone, end to end)",
            drain / count * 1e3, median(single_total) * 1e3, "ms",
            note=f"all {count} final {drain:.2f} s after the first submit; "
                 f"{ctx.args.hello_iterations} iteration(s) each, 2 simulator slots"),
        Row(5, "queue_position() consistent throughout a second drain", float(len(checker.violations)),
            None, "violations", target="0, all DONE", status=verdict(consistent),
            note=f"{checker.samples} readings while it drained in {sampled_drain:.1f} s; {failed} not DONE; "
                 + ("; ".join(checker.violations[:2]) or "FIFO, no gaps"),
            extra={"drain_seconds": drain, "readings": checker.samples}),
    ]


# --------------------------------------------------------------------------- item 6


class CommRecorder:
    """Counts what the widgets would send to the front end, at the comm boundary.

    ``comm.create_comm`` is the documented hook for supplying a Comm; the one
    installed here serialises each message as a kernel would (so its cost is
    counted) and keeps the count and size. Nothing of ours is patched.
    """

    def __init__(self):
        import comm

        recorder = self
        self.messages = 0
        self.bytes = 0
        self.by_type: dict[str, int] = {}
        self._lock = threading.Lock()
        self._comm = comm
        self._saved = comm.create_comm

        class RecordingComm(comm.base_comm.BaseComm):
            def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
                size = len(json.dumps(data, default=str))
                size += sum(len(memoryview(b)) for b in buffers or ())
                with recorder._lock:
                    recorder.messages += 1
                    recorder.bytes += size
                    method = (data or {}).get("method", msg_type) if isinstance(data, dict) else msg_type
                    recorder.by_type[method] = recorder.by_type.get(method, 0) + 1

        self._factory = RecordingComm

    def __enter__(self):
        self._comm.create_comm = lambda *args, **kwargs: self._factory(*args, **kwargs)
        return self

    def __exit__(self, *exc):
        self._comm.create_comm = self._saved

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.messages, self.bytes


WATCHERS = ("none", "widget", "subscriber", "monitor")
"""How item 6 follows a job: not at all; ``watch(job)``; and, to tell apart where the time
goes, a no-op ``job.subscribe`` callback (the runtime's event delivery alone) and
``monitor_job(job)`` without a widget (delivery plus the monitor layer)."""


def _run_publisher(service, program: str, count: int, watcher: str, recorder: CommRecorder) -> dict:
    """One publishing job followed by ``watcher``: its RUNNING->DONE seconds, the seconds the
    program measured itself, this process's CPU seconds, and for the widget the front-end
    messages, pump flushes, wall seconds and final status."""
    from qrt_jupyter.monitor import monitor_job
    from qrt_jupyter.widgets import watch
    from qrt_jupyter.widgets.pump import get_pump

    pump = get_pump()
    messages0, _ = recorder.snapshot()
    flushes0 = pump.flushes
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    job = service.run(program, {"count": count, "numeric": True}, options={"backend_name": SIMULATOR})
    widget = watch(job) if watcher == "widget" else None
    monitor = monitor_job(job) if watcher == "monitor" else None
    unsubscribe = job.subscribe(lambda event: None) if watcher == "subscriber" else None
    job.wait_for_final_state(timeout=600)
    if widget is not None:  # the final state must have reached the front end
        deadline = time.monotonic() + 60
        while widget.status != "DONE" and time.monotonic() < deadline:
            time.sleep(0.01)
        pump.drain(timeout=30)
    if monitor is not None:
        monitor.wait(60)
    out = {
        "wall": time.perf_counter() - wall0,
        "cpu": time.process_time() - cpu0,
        "messages": recorder.snapshot()[0] - messages0,
        "flushes": pump.flushes - flushes0,
        "status": widget.status if widget is not None else None,
        "run": job.metrics()["usage"]["seconds"],
        "own": job.result()[1],
    }
    if widget is not None:
        widget.close()
    if unsubscribe is not None:
        unsubscribe()
    return out


def item6_widget(ctx: Context) -> list[Row]:
    service = ctx.service()
    program = publisher_program(service)
    count = 1000 if ctx.quick else 10_000
    runs: dict[str, list[dict]] = {name: [] for name in WATCHERS}
    with CommRecorder() as recorder:
        _run_publisher(service, program, 50, "widget", recorder)  # imports plotly, anywidget: untimed
        for i in range(ctx.repeat(5, 1)):
            order = WATCHERS if i % 2 == 0 else WATCHERS[::-1]
            for watcher in order:
                runs[watcher].append(_run_publisher(service, program, count, watcher, recorder))

    def med(watcher: str, key: str) -> float:
        return median([r[key] for r in runs[watcher]])

    watched = runs["widget"]
    # Throttled means bounded by time, not by the number of results: the pump flushes a
    # widget at most 10 times a second, a flush sends a handful of messages (header traits
    # in one, one per figure change), so allow 10 flushes/s x 6 messages plus the opening.
    per_second = median([r["messages"] / r["wall"] for r in watched])
    throttled = (max(r["messages"] for r in watched) <= 60 * max(r["wall"] for r in watched) + 30
                 and all(r["status"] == "DONE" for r in watched))
    own_ratio = med("widget", "own") / med("none", "own")
    run_ratio = med("widget", "run") / med("none", "run")
    return [
        Row(6, f"kernel CPU, {count} interim results: watched vs not", med("widget", "cpu"), med("none", "cpu"),
            "s CPU", note="this process: runtime threads + monitor + pump + widget serialisation"),
        Row(6, "messages to the front end: widget vs one per result", med("widget", "messages"), float(count),
            "msgs", target="<= 60/s (throttled)", status=verdict(throttled),
            note=f"{per_second:.1f} msgs/s, {med('widget', 'flushes'):.0f} flushes, "
                 f"final status {watched[-1]['status']}",
            extra={"by_type": dict(recorder.by_type)}),
        Row(6, "program run time in the worker: watched vs not", med("widget", "own"), med("none", "own"), "s",
            target="<= 1.2", status=verdict(own_ratio <= 1.2),
            note="measured by the program itself: does watching hold the publisher back?"),
        Row(6, "job run time RUNNING -> DONE: watched vs not", med("widget", "run"), med("none", "run"), "s",
            target="<= 1.2", status=verdict(run_ratio <= 1.2),
            note="until this process has recorded every interim result and the result"),
        Row(6, "  same, a no-op job.subscribe() instead of the widget", med("subscriber", "run"),
            med("none", "run"), "s", note=f"kernel CPU {med('subscriber', 'cpu'):.3f} s: the runtime's delivery"),
        Row(6, "  same, monitor_job() alone, no widget", med("monitor", "run"), med("none", "run"), "s",
            note=f"kernel CPU {med('monitor', 'cpu'):.3f} s: delivery + the monitor layer"),
    ]


# --------------------------------------------------------------------------- item 7

_LOAD_EXT_PROBE = r"""
import json, sys, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
before = set(sys.modules)
start = time.perf_counter()
shell.run_line_magic("load_ext", sys.argv[1])
seconds = time.perf_counter() - start
new = sorted(set(sys.modules) - before)
print(json.dumps({"seconds": seconds, "new": new}))
"""

HEAVY = ("qiskit", "qiskit_aer", "qiskit_ibm_runtime", "plotly", "numpy", "scipy")


def _load_ext(extension: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", _LOAD_EXT_PROBE, extension], capture_output=True,
                         text=True, env=env, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def item7_load_ext(ctx: Context) -> list[Row]:
    env = dict(os.environ, QRT_HOME=str(ctx.root / "load-ext-home"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    ours, reference, new = [], [], []
    for i in range(ctx.repeat(3, 1)):
        for name in (("qrt_jupyter", "autoreload") if i % 2 == 0 else ("autoreload", "qrt_jupyter")):
            probe = _load_ext(name, env)
            if name == "qrt_jupyter":
                ours.append(probe["seconds"])
                new = probe["new"]
            else:
                reference.append(probe["seconds"])
    top = sorted({m.split(".")[0] for m in new})
    heavy = [m for m in HEAVY if m in top]
    forbidden = [m for m in ("qiskit_aer", "plotly", "qiskit", "qiskit_ibm_runtime") if m in top]
    return [Row(7, "%load_ext qrt_jupyter (B: %load_ext autoreload)", median(ours) * 1e3,
                median(reference) * 1e3, "ms", target="no qiskit*/plotly imported",
                status=verdict(not forbidden),
                note=f"{len(new)} new modules, top-level: {', '.join(top)}; heavy: {', '.join(heavy) or 'none'}",
                extra={"new_top_level": top, "new_modules": len(new)})]


# --------------------------------------------------------------------------- item 8


def _fill_store(home: Path, count: int) -> None:
    """``count`` finished jobs written straight into the store (setup, not measured)."""
    from qrt_jupyter.runtime.ids import new_job_id
    from qrt_jupyter.runtime.store import Store

    store = Store(home / "runtime.db")
    programs = ("sampler", "estimator", "hello-world", "circuit-runner")
    backends = (SIMULATOR, "fake_manila", "fake_kyoto", "fake_sherbrooke")
    base = time.time() - count * 10.0
    for i in range(count):
        created = base + i * 10.0
        status = ("DONE", "DONE", "DONE", "ERROR", "CANCELLED")[i % 5]
        store.insert_job(
            id=new_job_id(), program_id=programs[i % 4], program_data=None, backend=backends[i % 4],
            status=status, inputs='{"iterations": 1}', options="{}", session_id=None,
            max_execution_time=300.0, log_level=None, owner=None, created=created,
            started=created + 1, finished=created + 2, updated=created + 2,
            result='"All done!"' if status == "DONE" else None,
            error="boom" if status == "ERROR" else None,
            reason={"DONE": "done", "ERROR": "program_error", "CANCELLED": "cancelled"}[status],
        )
    store.close()


def item8_store(ctx: Context) -> list[Row]:
    from qrt_jupyter import LocalRuntimeService
    from qrt_jupyter.widgets import Dashboard

    big_n = 1000 if ctx.quick else ctx.args.store_jobs
    small_n = 100
    big_home, small_home = ctx.root / "store-big", ctx.root / "store-small"
    start = time.perf_counter()
    _fill_store(big_home, big_n)
    setup = time.perf_counter() - start
    _fill_store(small_home, small_n)
    big, small = LocalRuntimeService(home=big_home), LocalRuntimeService(home=small_home)
    assert len(big.jobs(limit=50)) == 50 and len(small.jobs(limit=50)) == 50
    repeat = ctx.repeat(15, 2)
    a, b = interleave(lambda: big.jobs(limit=50), lambda: small.jobs(limit=50), repeat)

    def open_dashboard(service):
        def run():
            dashboard = Dashboard(service)
            dashboard._repr_mimebundle_()  # what display() asks for
            dashboard.close()
        return run

    with CommRecorder():  # widgets need a comm; nothing is displayed
        da, db = interleave(open_dashboard(big), open_dashboard(small), repeat)
    jobs_ratio, dash_ratio = median(a) / median(b), median(da) / median(db)
    big.close()
    small.close()
    return [
        Row(8, f"jobs(limit=50): {big_n}-job store vs {small_n}", median(a) * 1e3, median(b) * 1e3, "ms",
            target="<= 2.0 (no growth)", status=verdict(jobs_ratio <= 2.0),
            note=f"setup: {big_n} insert_job calls in {setup:.1f} s"),
        Row(8, f"open Dashboard: {big_n}-job store vs {small_n}", median(da) * 1e3, median(db) * 1e3, "ms",
            target="<= 2.0 (no growth)", status=verdict(dash_ratio <= 2.0),
            note="constructor + _repr_mimebundle_()"),
    ]


# --------------------------------------------------------------------------- items 12-15 (issue 17)

_BELL_SOURCE = """
from qiskit import QuantumCircuit
bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
"""

_FRESH_OURS = _BELL_SOURCE.replace("from qiskit", "from qrt_jupyter import LocalRuntimeService\nfrom qiskit") + """
import sys
service = LocalRuntimeService(home=sys.argv[1])
service.run("sampler", {"pubs": [(bell,)], "shots": 1024},
            options={"backend_name": "ibmq_qasm_simulator"}).result()
service.close()
"""

_FRESH_THEIRS = """
import warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import SamplerV2
""" + _BELL_SOURCE + """
SamplerV2(mode=AerSimulator()).run([(bell,)], shots=1024).result()
"""

_AFTER_PAUSE = """
import asyncio, json, sys, time


async def notebook():
    # cells run on an asyncio loop, as ipykernel runs them; between cells the kernel is idle
    from qrt_jupyter import LocalRuntimeService
    created = time.perf_counter()
    service = LocalRuntimeService(home=sys.argv[1])
    await asyncio.sleep(0)  # the end of the cell
""" + textwrap.indent(_BELL_SOURCE, "    ") + """
    await asyncio.sleep(max(0.0, float(sys.argv[2]) - (time.perf_counter() - created)))  # the user typing
    start = time.perf_counter()
    service.run("sampler", {"pubs": [(bell,)], "shots": 1024},
                options={"backend_name": "ibmq_qasm_simulator"}).result()
    print(json.dumps({"seconds": time.perf_counter() - start}))
    service.close()


asyncio.run(notebook())
"""

_IDLE_PROBE = """
import json, os, sys, time
from qrt_jupyter import LocalRuntimeService
from qrt_jupyter.runtime.job_limits import descendants

def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0

service = LocalRuntimeService(home=sys.argv[1])
simulator = {"backend_name": "ibmq_qasm_simulator"}
service.run("hello-world", {"iterations": 0}, options=simulator).result()
time.sleep(3)  # the warm-up of the reserve worker settles
idle = {"client": rss(os.getpid()), "workers": [rss(p) for p in descendants(os.getpid())]}
program = service.upload_program(sys.argv[2], metadata={"name": "bench-sleep", "description": "sleeps",
                                                        "max_execution_time": 300})
jobs = [service.run(program, {"seconds": 1.0}, options=simulator) for _ in range(3)]
for job in jobs:
    job.result()
after_burst = len(descendants(os.getpid()))
time.sleep(float(os.environ["QRT_WORKER_IDLE_SECONDS"]) + 6)
print(json.dumps({"idle": idle, "after_burst": after_burst, "after_idle": len(descendants(os.getpid()))}))
service.close()
"""

SLEEP_SOURCE = """
import time

def main(backend, user_messenger, seconds=1.0):
    user_messenger.publish("started")
    time.sleep(seconds)
    return seconds
"""


def _bench_env(ctx: Context, **extra: str) -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                **extra)


def _python(source: str, *args: str, env: dict) -> str:
    out = subprocess.run([sys.executable, "-c", source, *args], capture_output=True, text=True, env=env,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "no output")
    return out.stdout


def item12_fresh_process(ctx: Context) -> list[Row]:
    env = _bench_env(ctx)
    ours, theirs = [], []
    for i in range(ctx.repeat(3, 1)):
        for name in (("ours", "theirs") if i % 2 == 0 else ("theirs", "ours")):
            start = time.perf_counter()
            if name == "ours":
                _python(_FRESH_OURS, str(ctx.root / f"fresh-{i}"), env=env)
                ours.append(time.perf_counter() - start)
            else:
                _python(_FRESH_THEIRS, env=env)
                theirs.append(time.perf_counter() - start)
    ratio = median(ours) / median(theirs)
    return [Row(12, "fresh process, import + service + first Bell job: runtime vs IBM local mode",
                median(ours), median(theirs), "s", target="<= 1.5", status=verdict(ratio <= 1.5),
                note="wall time of a new interpreter each, until it exits")]


def item13_after_pause(ctx: Context) -> list[Row]:
    env = _bench_env(ctx)
    pause = 4.0
    firsts = [json.loads(_python(_AFTER_PAUSE, str(ctx.root / f"pause-{i}"), str(pause), env=env)
                         .strip().splitlines()[-1])["seconds"] for i in range(ctx.repeat(3, 1))]
    worst = max(firsts)
    return [Row(13, f"first Bell job {pause:g} s after the service was created", median(firsts), None, "s",
                target="<= 0.5", status=verdict(median(firsts) <= 0.5),
                note=f"run() to result, fresh process each; worst {worst:.2f} s")]


def item14_after_cancel(ctx: Context) -> list[Row]:
    service = ctx.service()
    device = {"backend_name": "fake_manila"}
    program = next((p.program_id for p in service.programs() if p.name == "bench-sleep"), None) or \
        service.upload_program(SLEEP_SOURCE, metadata={"name": "bench-sleep", "description": "sleeps",
                                                       "max_execution_time": 300})
    bell = bell_circuit()

    def bell_job() -> float:
        start = time.perf_counter()
        service.run("sampler", {"pubs": [(bell,)], "shots": 1024}, options=device).result(timeout=600)
        return time.perf_counter() - start

    bell_job()  # the device is known to this runtime: its workers prepare it
    after_cancel, warm = [], []
    for _ in range(ctx.repeat(3, 1)):
        long_job = service.run(program, {"seconds": 60.0}, options=device)
        deadline = time.monotonic() + 600
        while not long_job.interim_results() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)
        long_job.cancel()
        after_cancel.append(bell_job())
        warm.append(bell_job())
    return [Row(14, "next Bell job on a one-slot device after a cancel (B: the one after it)",
                median(after_cancel), median(warm), "s", target="<= 0.5 s",
                status=verdict(median(after_cancel) <= 0.5),
                note=f"fake_manila, submit to result; worst {max(after_cancel):.2f} s")]


def item15_idle_memory(ctx: Context) -> list[Row]:
    idle_seconds = 3
    env = _bench_env(ctx, QRT_WORKER_IDLE_SECONDS=str(idle_seconds))
    probe = json.loads(_python(_IDLE_PROBE, str(ctx.root / "idle"), SLEEP_SOURCE, env=env).strip().splitlines()[-1])
    idle = probe["idle"]
    total = idle["client"] + sum(idle["workers"])
    mib = 2 ** 20
    return [
        Row(15, "idle runtime memory (RSS): client process + its workers", total / mib, None, "MiB",
            note=f"client {idle['client'] / mib:.0f} MiB, {len(idle['workers'])} worker(s) "
                 f"{', '.join(f'{w / mib:.0f}' for w in idle['workers'])} MiB"),
        Row(15, f"workers after a burst of 3 jobs, then after {idle_seconds} s idle", probe["after_burst"],
            probe["after_idle"], "procs", target="idle: the warm reserve (1)",
            status=verdict(probe["after_idle"] <= 1), note="QRT_WORKER_IDLE_SECONDS for the run; default 120 s"),
    ]


ITEMS: dict[int, Callable[[Context], list[Row]]] = {
    1: item1_bell,
    2: item2_su2,
    3: item3_ibm_local,
    4: item4_interim,
    5: item5_queue,
    6: item6_widget,
    7: item7_load_ext,
    8: item8_store,
    12: item12_fresh_process,
    13: item13_after_pause,
    14: item14_after_cancel,
    15: item15_idle_memory,
}


def _lazy_item(module: str, number: int) -> Callable[[Context], list[Row]]:
    """An item living in another file of benchmarks/, imported when it runs: items 9-11 and 19 in
    server_items.py (the runtime server and IBM's client on it), 16-18 in dask_items.py (jobs on
    a Dask cluster)."""
    def item(ctx: Context) -> list[Row]:
        import importlib

        return importlib.import_module(module).ITEMS[number](ctx)

    item.__name__ = f"{module}_item{number}"
    return item


ITEMS.update({number: _lazy_item("server_items", number) for number in (9, 10, 11, 19)})
ITEMS.update({number: _lazy_item("dask_items", number) for number in (16, 17, 18)})
ITEMS.update({number: _lazy_item("fault_items", number) for number in (20, 21, 22)})


# --------------------------------------------------------------------------- reporting


def machine() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = {}
    for name in ("qiskit", "qiskit-aer", "qiskit-ibm-runtime", "ipywidgets", "anywidget", "plotly",
                 "numpy", "ipython"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "-"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "-"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": ", ".join(f"{k} {v}" for k, v in packages.items()),
        "load average at start": load,
    }


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if value != value:  # nan
        return "nan"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def table(rows: list[Row], markdown: bool = False) -> str:
    header = ["item", "measure", "A median", "B median", "ratio A/B", "target", "result"]
    lines = [[str(r.item), r.name, _fmt(r.a, r.unit), _fmt(r.b, r.unit),
              "-" if r.ratio is None else f"{r.ratio:.2f}", r.target, r.status] for r in rows]
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(cell.replace("|", "/") for cell in line) + " |" for line in lines]
        notes = [f"- item {r.item}, {r.name.strip()}: {r.note}" for r in rows if r.note]
        return "\n".join(out + ([""] + notes if notes else []))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    notes = [f"  [{r.item}] {r.name.strip()}: {r.note}" for r in rows if r.note]
    return "\n".join(out + ([""] + notes if notes else []))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", default=",".join(map(str, sorted(ITEMS))),
                        help="comma-separated item numbers to run (default: all)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed A/B pairs per measure (default: per item, 1-20)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and 1-3 repetitions: checks that everything runs, not speed")
    parser.add_argument("--jobs", type=int, default=200, help="item 5: jobs submitted at once")
    parser.add_argument("--hello-iterations", type=int, default=1,
                        help="item 5: iterations of each hello-world job")
    parser.add_argument("--store-jobs", type=int, default=10_000, help="item 8: jobs in the big store")
    parser.add_argument("--json", type=Path, help="also write the rows and the machine as JSON here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    args = parser.parse_args(argv)
    try:
        args.items = [int(x) for x in args.items.split(",") if x.strip()]
    except ValueError:
        parser.error("--items takes numbers, e.g. --items 1,3,5")
    unknown = [i for i in args.items if i not in ITEMS]
    if unknown:
        parser.error(f"unknown item(s) {unknown}; items are 1-{max(ITEMS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="qrt-bench-") as tmp:
        ctx = Context(args, Path(tmp))
        try:
            for number in args.items:
                start = time.perf_counter()
                print(f"item {number} ...", flush=True)
                try:
                    got = ITEMS[number](ctx)
                except Exception as exc:  # report and go on: one broken item must not hide the others
                    import traceback

                    traceback.print_exc()
                    got = [Row(number, f"{ITEMS[number].__name__} failed", None, status="MISS",
                               note=f"{type(exc).__name__}: {exc}")]
                rows += got
                for row in got:
                    print("   " + table([row]).splitlines()[2], flush=True)
                print(f"item {number} took {time.perf_counter() - start:.1f} s", flush=True)
        finally:
            ctx.close()
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(table(rows))
    if args.markdown:
        print()
        print(table(rows, markdown=True))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "argv": sys.argv[1:],
                                         "rows": [asdict(r) for r in rows]}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
