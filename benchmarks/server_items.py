"""Benchmark items 9-11 and 19: the runtime server and its clients (issues 14, 15), wired into run.py.

9.  A Bell job through the server (``RemoteRuntimeService.run(...).result()``: ``POST /jobs``,
    then the job's WebSocket until its final message) vs the in-kernel ``LocalRuntimeService``,
    alternately in one run. Target: <= 1.5x.
10. ``GET /jobs/{id}`` with 20 concurrent clients (threads, each its own keep-alive
    connection): median and p99 latency. Target: p99 <= 20 ms.
11. Interim results through ``/stream/jobs/{id}`` to ``job.subscribe``: messages/s from the
    first to the last, all present and in order, live (while the program publishes) and
    replayed (attached after the job ended: the server reads them from its store).
    Target: >= 10,000 msg/s.
19. IBM's own client (issue 15): ``qiskit_ibm_runtime.SamplerV2`` Bell on ``fake_manila``
    through the server (``qrt_jupyter.remote.ibm_client``) vs the same class in the client's
    local mode (``mode=FakeManilaV2()``), alternately. Reference, no target.

The server is a real subprocess on a fresh home (``qrt-runtime serve --port 0``), started
once for the four items and stopped by its pid at the end.
"""

from __future__ import annotations

import http.client
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from run import SIMULATOR, Context, Row, bell_circuit, interleave, median, publisher_program, verdict

CLIENTS = 20


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class ServerContext:
    """The one server of items 9-11 and a writer+reader client, made on first use."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.process = None
        self.remote = None

    def get(self):
        if self.remote is None:
            import sys

            from run import REPO

            sys.path.insert(0, str(REPO / "tests"))
            from remote.conftest import start_server

            from qrt_jupyter import RemoteRuntimeService

            self.process = start_server(self.ctx.root / "server-home", self.ctx.root / "server-logs")
            self.remote = RemoteRuntimeService(self.process.url, token=self.process.tokens["writer"])
            # what item 1 does for the in-kernel service: a first job starts the server's worker
            for _ in range(3):
                self.remote.run("sampler", {"pubs": [(bell_circuit(),)], "shots": 1024},
                                options={"backend_name": SIMULATOR}).result(timeout=600)
        return self.remote

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()
        if self.process is not None:
            self.process.stop()


def _server(ctx: Context) -> ServerContext:
    if getattr(ctx, "server", None) is None:
        ctx.server = ServerContext(ctx)
        closing = ctx.close

        def close() -> None:
            ctx.server.close()
            closing()

        ctx.close = close
    return ctx.server


def item9_bell_rest(ctx: Context) -> list[Row]:
    remote = _server(ctx).get()
    local = ctx.service()
    bell = bell_circuit()
    inputs = {"pubs": [(bell,)], "shots": 1024}
    options = {"backend_name": SIMULATOR}

    def through_server():
        return remote.run("sampler", inputs, options=options).result(timeout=600)

    def in_kernel():
        return local.run("sampler", inputs, options=options).result(timeout=600)

    counts = through_server()[0].data.meas.get_counts()
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 1024, counts
    a, b = interleave(through_server, in_kernel, ctx.repeat(20, 3))
    ratio = median(a) / median(b)
    return [Row(9, "Bell 1024 shots: through the server (REST + WS) vs in-kernel", median(a) * 1e3,
                median(b) * 1e3, "ms", target="<= 1.5", status=verdict(ratio <= 1.5),
                note="A: RemoteRuntimeService.run().result(); B: LocalRuntimeService, same program")]


def item10_get_job(ctx: Context) -> list[Row]:
    server = _server(ctx)
    remote = server.get()
    job = remote.run("hello-world", {"iterations": 1}, options={"backend_name": SIMULATOR})
    job.result(timeout=600)
    per_client = 20 if ctx.quick else 100
    parts = urlsplit(server.process.url)
    headers = {"Authorization": f"Bearer {server.process.tokens['reader']}"}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(CLIENTS)

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        try:
            start_line.wait()
            for _ in range(per_client):
                begin = time.perf_counter()
                connection.request("GET", f"/jobs/{job.job_id()}", headers=headers)
                response = connection.getresponse()
                body = response.read()
                mine.append(time.perf_counter() - begin)
                if response.status != 200 or b'"Completed"' not in body:
                    errors.append(f"{response.status}: {body[:80]!r}")
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    p50, p99 = median(latencies) * 1e3, _percentile(latencies, 0.99) * 1e3
    return [
        Row(10, f"GET /jobs/{{id}}, {CLIENTS} concurrent clients: p99", p99, None, "ms",
            target="<= 20 ms", status=verdict(p99 <= 20 and not errors),
            note=f"{len(latencies)} requests, {len(errors)} errors, {len(latencies) / elapsed:.0f} req/s in all"),
        Row(10, "  same: median", p50, None, "ms"),
    ]


def _subscribe_rate(job, count: int) -> tuple[float, int, int]:
    """(messages/s first to last, lost, out of order) of one ``job.subscribe``."""
    stamps: list[float] = []
    indices: list[int] = []
    done = threading.Event()

    def on_event(event: Any) -> None:
        if event.kind == "interim":
            stamps.append(time.perf_counter())
            indices.append(event.data["i"])
        elif event.kind == "status" and event.data in ("DONE", "ERROR", "CANCELLED"):
            done.set()

    unsubscribe = job.subscribe(on_event)
    try:
        if not done.wait(600):
            raise RuntimeError("the job's stream never ended")
    finally:
        unsubscribe()
    lost = count - len(set(indices))
    disordered = sum(1 for x, y in zip(indices, indices[1:]) if y != x + 1)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    return (len(stamps) - 1) / span, lost, disordered


def item11_ws_interim(ctx: Context) -> list[Row]:
    remote = _server(ctx).get()
    program = publisher_program(remote)
    count = 2000 if ctx.quick else 20_000
    live, replayed, problems = [], [], 0
    for _ in range(ctx.repeat(3, 1)):
        job = remote.run(program, {"count": count}, options={"backend_name": SIMULATOR})
        rate, lost, disordered = _subscribe_rate(job, count)
        live.append(rate)
        problems += lost + disordered
        rate, lost, disordered = _subscribe_rate(job, count)  # the job is over: a replay
        replayed.append(rate)
        problems += lost + disordered
    rows = []
    for name, rates in (("live, while the program publishes", live), ("replayed after the end", replayed)):
        rate = median(rates)
        rows.append(Row(11, f"{count} interim results over the WebSocket, {name}", rate, None, "msg/s",
                        target=">= 10,000/s, 0 lost, in order", status=verdict(rate >= 10_000 and not problems),
                        note=f"lost or out of order: {problems} (all repeats)"))
    return rows


def item19_ibm_client(ctx: Context) -> list[Row]:
    """IBM's own client, unchanged: SamplerV2 Bell on fake_manila through our server vs its local mode."""
    import warnings

    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2 as IBMSampler
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    from qrt_jupyter.remote import ibm_client

    warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*SamplerV2 class is deprecated")
    server = _server(ctx)
    server.get()
    service = ibm_client(server.process.url, server.process.tokens["writer"])
    device = service.backend("fake_manila")
    fake = FakeManilaV2()
    isa = generate_preset_pass_manager(backend=device, optimization_level=1).run(bell_circuit())

    def through_server():
        return IBMSampler(mode=device).run([isa], shots=1024).result()

    def local_mode():
        return IBMSampler(mode=fake).run([isa], shots=1024).result()

    counts = through_server()[0].data.meas.get_counts()
    assert sum(counts.values()) == 1024 and counts.get("00", 0) + counts.get("11", 0) > 800, counts
    a, b = interleave(through_server, local_mode, ctx.repeat(10, 2))
    return [Row(19, "IBM's SamplerV2 Bell on fake_manila: through our server vs the client's local mode",
                median(a) * 1e3, median(b) * 1e3, "ms", note="reference, no target; A: job queued, "
                "persisted and polled (the client polls GET /jobs/{id}); B: in-process, no job record")]


ITEMS = {9: item9_bell_rest, 10: item10_get_job, 11: item11_ws_interim, 19: item19_ibm_client}
