"""Benchmark items 16-18: the runtime's jobs on a Dask cluster (issue 16), wired into run.py.

16. 12 CPU-bound sampler jobs (20-qubit random circuits of depth 20, 20,000 shots) submitted at
    once to a cluster of 1 and of 2 single-threaded workers (``--nthreads 1``, OMP_NUM_THREADS=1):
    the throughput ratio, 2 workers over 1. Target >= 1.7 (on a 2-core machine: also say the load).
17. A Bell job (1024 shots) through the cluster vs through local worker processes, alternately.
    Target <= 2x.
18. A program publishing 5,000 small interim results on a cluster worker, delivered to a
    ``callback`` in this process: messages/s, in order, none lost. Target >= 5,000 msg/s.

Real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 (tests/on_dask/cluster.py),
stopped by their pids at the end.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any, Iterator

from run import REPO, SIMULATOR, Context, Row, bell_circuit, interleave, median, publisher_program, verdict

WORKER_ENV = {"OMP_NUM_THREADS": "1"}
"""A single-threaded worker: Aer's OpenMP would otherwise spread one job over every core."""


def _cluster(workers: int, ctx: Context):
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    from on_dask.cluster import running_cluster

    logs = ctx.root / "dask-logs"
    logs.mkdir(exist_ok=True)
    return running_cluster(workers, logs, env=WORKER_ENV)


@contextlib.contextmanager
def _service_on_cluster(ctx: Context, workers: int, name: str) -> Iterator:
    """A LocalRuntimeService on a fresh home whose jobs run on a fresh cluster; both stopped after."""
    from qrt_jupyter import LocalRuntimeService

    with _cluster(workers, ctx) as cluster:
        service = LocalRuntimeService(home=ctx.root / f"dask-home-{name}", dask=cluster.address)
        try:
            yield service
        finally:
            service.close()


def _load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _random_circuit(num_qubits: int, depth: int, seed: int):
    from qiskit.circuit.random import random_circuit

    return random_circuit(num_qubits, depth, measure=True, seed=seed)


def _burst(service, circuits: list, shots: int) -> float:
    """All jobs submitted at once; seconds until the last one is done."""
    start = time.perf_counter()
    jobs = [service.run("sampler", {"pubs": [(c,)], "shots": shots}, options={"backend_name": SIMULATOR})
            for c in circuits]
    for job in jobs:
        job.result(timeout=1800)
    return time.perf_counter() - start


def item16_throughput(ctx: Context) -> list[Row]:
    count, num_qubits, depth, shots = (4, 14, 10, 2000) if ctx.quick else (12, 20, 20, 20_000)
    circuits = [_random_circuit(num_qubits, depth, seed) for seed in range(count)]
    with contextlib.ExitStack() as stack:
        services = {n: stack.enter_context(_service_on_cluster(ctx, n, f"throughput-{n}")) for n in (1, 2)}
        for n, service in services.items():
            _burst(service, circuits[:n], shots)  # every worker has run a job: hot caches
        load_before = _load()
        one, two = interleave(lambda: _burst(services[1], circuits, shots),
                              lambda: _burst(services[2], circuits, shots), ctx.repeat(2, 1), warmup=0)
    ratio = median(one) / median(two)
    return [Row(16, f"{count} sampler jobs ({num_qubits}q depth {depth}, {shots} shots): 1 vs 2 workers",
                count / median(two), count / median(one), "jobs/s", target=">= 1.7", status=verdict(ratio >= 1.7),
                note=f"A 2 workers, B 1; {median(two):.1f} s vs {median(one):.1f} s; before: {load_before}, "
                     f"after: {_load()}",
                ratio=ratio)]


def item17_bell_overhead(ctx: Context) -> list[Row]:
    bell = bell_circuit()
    options = {"backend_name": SIMULATOR}
    with _service_on_cluster(ctx, 2, "bell") as service:
        local = ctx.service()

        def on_cluster():
            return service.run("sampler", {"pubs": [(bell,)], "shots": 1024}, options=options).result()

        def on_local():
            return local.run("sampler", {"pubs": [(bell,)], "shots": 1024}, options=options).result()

        for _ in range(2):  # both Dask workers' processes have run a Bell job
            on_cluster()
        a, b = interleave(on_cluster, on_local, ctx.repeat(20, 3))
    ratio = median(a) / median(b)
    return [Row(17, "Bell 1024 shots: Dask cluster vs local workers", median(a) * 1e3, median(b) * 1e3,
                "ms", target="<= 2.0", status=verdict(ratio <= 2.0), note=_load())]


def item18_interim(ctx: Context) -> list[Row]:
    count = 500 if ctx.quick else 5000
    rates, lost, disordered, no_final = [], 0, 0, 0
    with _service_on_cluster(ctx, 1, "interim") as service:
        program = publisher_program(service)
        for _ in range(ctx.repeat(3, 1)):
            received: list[Any] = []
            done = threading.Event()

            def callback(_job_id, message, received=received, done=done, last=count - 1):
                received.append(message)  # the old API's callback: interim results only
                if isinstance(message, dict) and message.get("i") == last:
                    done.set()

            job = service.run(program, {"count": count}, options={"backend_name": SIMULATOR}, callback=callback)
            job.wait_for_final_state(timeout=600)
            no_final += not done.wait(60)  # the last interim result never reached the callback
            indices = [m["i"] for m in received if isinstance(m, dict)]
            lost += count - len(set(indices))
            disordered += sum(1 for x, y in zip(indices, indices[1:]) if y != x + 1)
            stamps = service.runtime_home.store.interim(job.job_id(), 0)  # when each was recorded
            rates.append(len(stamps) / max(stamps[-1]["time"] - stamps[0]["time"], 1e-9))
    rate = median(rates)
    ok = rate >= 5000 and lost == 0 and disordered == 0 and no_final == 0
    return [Row(18, f"{count} interim results from a Dask worker to a callback", rate, None, "msg/s",
                target=">= 5000/s, 0 lost, in order", status=verdict(ok),
                note=f"first to last recorded; lost {lost}, out of order {disordered}, last result not "
                     f"delivered to the callback {no_final}; {_load()}",
                extra={"lost": lost, "out_of_order": disordered, "final_missing": no_final})]


ITEMS = {16: item16_throughput, 17: item17_bell_overhead, 18: item18_interim}
