"""Benchmark items 20-22: fault runs (issue 13, "nothing lost, nothing stuck"), wired into run.py.

20. A client process SIGKILLed with 20 jobs in flight (2 running and publishing interim
    results, 18 queued): this process then opens the home. Counted: jobs final with a reason
    that says why, and interrupted jobs whose interim results are all there (indexes 0..n-1,
    at least as many as were seen before the kill). Figure: kill -> all 20 final, against one
    ordinary job end to end in the same process (the ratio).
21. Crash kinds: programs that crash their worker in every way we know (``os._exit``, a
    segfault, SIGKILL to itself, ``abort``, exceptions, an endless loop under a time limit,
    a memory bomb under a memory limit, a child process left running, a thread left
    publishing, results that cannot be stored or are huge, a closed stdout, a recursion
    overflow). Counted: jobs that end in a final state with a message saying why (or DONE),
    with no process they started left running.
22. Bad inputs: over 100 wrong calls of the client API. Counted: calls that raise one client
    exception (not a raw ``TypeError``/``ValueError``/``KeyError``/``sqlite3``/``RecursionError``)
    whose message is one line naming the argument.

Every process started here is stopped by its pid; each item uses its own fresh home.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from run import SIMULATOR, Context, Row, median, verdict

OPTIONS = {"backend_name": SIMULATOR}
JOBS = 20

PUBLISHER = '''
import time

def main(backend, user_messenger, n=5, sleep=0.01):
    for i in range(n):
        user_messenger.publish({"i": i})
        time.sleep(sleep)
    return {"n": n}
'''

CLIENT = textwrap.dedent(
    """
    import json, sys, time
    from qrt_jupyter import LocalRuntimeService
    home, count = sys.argv[1], int(sys.argv[2])
    service = LocalRuntimeService(home=home)
    program = service.upload_program(sys.stdin.read(), name="fault-publisher", max_execution_time=300, description="d")
    jobs = [service.run(program, {"n": 2000 if i < 2 else 5, "sleep": 0.01},
                        options={"backend_name": "ibmq_qasm_simulator"}) for i in range(count)]
    while sum(1 for job in jobs if len(job.interim_results_json()) >= 5) < 2:
        time.sleep(0.05)
    seen = {job.job_id(): len(job.interim_results_json()) for job in jobs}
    print(json.dumps(seen), flush=True)
    time.sleep(600)
    """
)


def _contiguous(job) -> int | None:
    """How many interim results the job has, if their indexes are 0..n-1 (None if not)."""
    indexes = [idx for idx, _ in job.interim_results_json()]
    return len(indexes) if indexes == list(range(len(indexes))) else None


def item20_client_killed(ctx: Context) -> list[Row]:
    from qrt_jupyter import LocalRuntimeService

    home = ctx.root / "fault-kill-home"
    proc = subprocess.Popen([sys.executable, "-c", CLIENT, str(home), str(JOBS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        proc.stdin.write(PUBLISHER)
        proc.stdin.close()
        seen = json.loads(proc.stdout.readline() or "{}")
        killed = time.perf_counter()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    service = LocalRuntimeService(home=home)
    jobs = [service.job(job_id) for job_id in seen]
    deadline = time.monotonic() + 120
    interrupted = None  # kill -> the two jobs that were running are final (the rest were queued)
    while time.monotonic() < deadline and any(not job.in_final_state() for job in jobs):
        if interrupted is None and all(job.in_final_state() for job in jobs[:2]):
            interrupted = time.perf_counter() - killed
        time.sleep(0.05)
    recovery = time.perf_counter() - killed
    if interrupted is None:
        interrupted = recovery
    accounted = intact = 0
    for job in jobs:
        if job.in_final_state() and job.reason:
            accounted += 1
        count = _contiguous(job)
        if count is not None and count >= seen[job.job_id()]:
            intact += 1
    times = []
    for _ in range(3):  # the reference: one of the small jobs, end to end, on the recovered home
        start = time.perf_counter()
        service.run("fault-publisher", {"n": 5, "sleep": 0.01}, options=OPTIONS).result(timeout=120)
        times.append(time.perf_counter() - start)
    one_job = median(times)
    service.close()
    return [
        Row(20, f"client SIGKILLed with {JOBS} jobs in flight: final with a reason", accounted, JOBS,
            unit="jobs", target=f"= {JOBS}", status=verdict(accounted == JOBS), ratio=accounted / JOBS),
        Row(20, "  interim results intact (0..n-1, none lost)", intact, JOBS, unit="jobs",
            target=f"= {JOBS}", status=verdict(intact == JOBS), ratio=intact / JOBS),
        Row(20, "  running jobs settled (kill -> both interrupted) vs one ordinary job", interrupted,
            one_job, unit="s"),
        Row(20, "  recovery (kill -> all final) vs one ordinary job", recovery, one_job, unit="s",
            note="includes a fresh worker starting and the 18 queued jobs running"),
    ]


CRASHES = {
    "os._exit": ("import os\ndef main(backend, user_messenger):\n    os._exit(3)\n", {}),
    "segfault": ("import ctypes\ndef main(backend, user_messenger):\n    ctypes.string_at(0)\n", {}),
    "SIGKILL self": ("import os, signal\ndef main(backend, user_messenger):\n"
                     "    os.kill(os.getpid(), signal.SIGKILL)\n", {}),
    "abort": ("import os\ndef main(backend, user_messenger):\n    os.abort()\n", {}),
    "raise": ("def main(backend, user_messenger):\n    raise ValueError('boom')\n", {}),
    "SystemExit": ("import sys\ndef main(backend, user_messenger):\n    sys.exit(2)\n", {}),
    "KeyboardInterrupt": ("def main(backend, user_messenger):\n    raise KeyboardInterrupt\n", {}),
    "endless loop, time limit": ("def main(backend, user_messenger):\n    while True:\n        pass\n",
                                 {"max_execution_time": 3}),
    "memory bomb, memory limit": ("def main(backend, user_messenger):\n    hog = []\n    while True:\n"
                                  "        hog.append(bytearray(50_000_000))\n",
                                  {"memory_limit": "400MiB"}),
    "child left running": ("import subprocess\ndef main(backend, user_messenger, pidfile):\n"
                           "    child = subprocess.Popen(['sleep', '300'])\n"
                           "    open(pidfile, 'w').write(str(child.pid))\n    return 'left it'\n", {}),
    "thread left publishing": ("import threading, time\ndef main(backend, user_messenger):\n"
                               "    def spam():\n        while True:\n"
                               "            user_messenger.publish('late')\n            time.sleep(0.01)\n"
                               "    threading.Thread(target=spam, daemon=True).start()\n"
                               "    time.sleep(0.1)\n    return 'returned'\n", {}),
    "unserializable result": ("def main(backend, user_messenger):\n    return lambda: 1\n", {}),
    "huge result": ("def main(backend, user_messenger):\n    return 'x' * 30_000_000\n", {}),
    "closed stdout": ("import os, sys\ndef main(backend, user_messenger):\n    sys.stdout.close()\n"
                      "    os.close(1)\n    print('after')\n    return 'ok'\n", {}),
    "recursion overflow": ("def main(backend, user_messenger):\n    def f(n):\n        return f(n + 1) + 1\n"
                           "    return f(0)\n", {}),
}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not running
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def item21_crash_kinds(ctx: Context) -> list[Row]:
    from qrt_jupyter import LocalRuntimeService

    service = LocalRuntimeService(home=ctx.root / "fault-crash-home")
    pidfile = ctx.root / "fault-child.pid"
    jobs = {}
    for i, (kind, (source, options)) in enumerate(CRASHES.items()):
        program = service.upload_program(source, name=f"crash-{i}", max_execution_time=60, description="d")
        inputs = {"pidfile": str(pidfile)} if "pidfile" in source else {}
        jobs[kind] = service.run(program, inputs, options={**OPTIONS, **options})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and any(not job.in_final_state() for job in jobs.values()):
        time.sleep(0.1)
    clear, unclear = 0, []
    for kind, job in jobs.items():
        status = job.status().name
        message = "" if status == "DONE" else (job.error_message() or "")
        ok = job.in_final_state() and (status == "DONE" or message.strip())
        if kind == "child left running":
            pid = int(pidfile.read_text()) if pidfile.exists() else None
            waited = time.monotonic() + 10
            while pid and _alive(pid) and time.monotonic() < waited:
                time.sleep(0.1)
            if pid and _alive(pid):
                ok = False
                os.kill(pid, signal.SIGKILL)
        if ok:
            clear += 1
        else:
            unclear.append(f"{kind}: {status}")
    service.close()
    return [Row(21, f"crash kinds ending final, saying why, nothing left running ({len(CRASHES)} kinds)",
                clear, len(CRASHES), unit="kinds", target=f"= {len(CRASHES)}",
                status=verdict(clear == len(CRASHES)), ratio=clear / len(CRASHES),
                note="; ".join(unclear))]


RAW = (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError, sqlite3.Error)
BAD = ["", None, 1, -1, 1.5, float("nan"), float("inf"), [], {}, b"bytes", object(), "x" * 5000]


def _bad_calls(service, program: str, job_id: str) -> list[tuple[str, str, object]]:
    """(what, the word its message must name, the call) for every bad call."""
    calls = []
    for value in BAD:
        if value != "" and isinstance(value, str):
            calls.append((f"run program={value[:10]!r}", "program", lambda v=value: service.run(v, {}, options=OPTIONS)))
        else:
            calls.append((f"run program={value!r}", "program", lambda v=value: service.run(v, {}, options=OPTIONS)))
    for value in [1, "text", [1], b"x", object(), 1.5, True]:
        calls.append((f"run inputs={value!r}", "inputs", lambda v=value: service.run(program, v, options=OPTIONS)))
    for value in [-1, 0, "soon", float("nan"), float("inf"), [], {}, True]:
        calls.append((f"max_execution_time={value!r}", "max_execution_time",
                      lambda v=value: service.run(program, {}, options={**OPTIONS, "max_execution_time": v})))
    for value in ["LOUD", 5, [], {}, "", True]:
        calls.append((f"log_level={value!r}", "log_level",
                      lambda v=value: service.run(program, {}, options={**OPTIONS, "log_level": v})))
    for value in ["lots", -1, "1XB", [], {}, float("nan"), "0", 0, True, "-5MiB"]:
        calls.append((f"memory_limit={value!r}", "memory_limit",
                      lambda v=value: service.run(program, {}, options={**OPTIONS, "memory_limit": v})))
    for value in ["no_such_backend", 1, [], {}, ""]:
        calls.append((f"backend_name={value!r}", "backend",
                      lambda v=value: service.run(program, {}, options={"backend_name": v})))
    for value in [1, "text", [1], object()]:
        calls.append((f"options={value!r}", "options", lambda v=value: service.run(program, {}, options=v)))
    for value in [None, 1, "", "no main here", "def main(:", [], b"def main(b, u): pass"]:
        calls.append((f"upload data={str(value)[:12]!r}", "program",
                      lambda v=value: service.upload_program(v, name="bad-upload", max_execution_time=60, description="d")))
    for value in ["", 1, [], {}]:
        calls.append((f"upload name={value!r}", "name",
                      lambda v=value: service.upload_program(PUBLISHER, name=v, max_execution_time=60, description="d")))
    for value in [-1, "soon", float("nan"), [], {}]:
        calls.append((f"upload max_execution_time={value!r}", "max_execution_time",
                      lambda v=value: service.upload_program(PUBLISHER, name="bad-met", max_execution_time=v, description="d")))
    calls.append(("upload a taken name", "exists",
                  lambda: service.upload_program(PUBLISHER, name="fault-bad-target", max_execution_time=60, description="d")))
    for value in [None, 1, "", "no-such-job", [], "x" * 5000]:
        calls.append((f"job({str(value)[:10]!r})", "job", lambda v=value: service.job(v)))
    for key, values in (("limit", [-1, "ten", [], float("nan")]), ("skip", [-1, "two", []])):
        for value in values:
            calls.append((f"jobs({key}={value!r})", key, lambda k=key, v=value: service.jobs(**{k: v})))
    for value in [None, 1, "", "no-such-program", []]:
        calls.append((f"delete_program({value!r})", "program", lambda v=value: service.delete_program(v)))
        calls.append((f"program({value!r})", "program", lambda v=value: service.program(v)))
    for value in ["no_such_backend", 1, "", []]:
        calls.append((f"backend({value!r})", "backend", lambda v=value: service.backend(v)))
    for value in [1, "no-such-program", None]:
        calls.append((f"update_program({value!r})", "program",
                      lambda v=value: service.update_program(v, description="d")))
    calls.append(("delete_job of an unknown id", "job", lambda: service.delete_job("no-such-job")))
    calls.append(("inputs failing the program's schema", "n",
                  lambda: service.run(program, {"n": "many"}, options=OPTIONS)))
    calls.append(("an input the schema does not know", "unknown",
                  lambda: service.run(program, {"unknown": 1}, options=OPTIONS)))
    calls.append(("a recursive input", "inputs", lambda: service.run(program, _recursive(), options=OPTIONS)))
    calls.append(("result(timeout='soon') of a job", "timeout",
                  lambda: service.job(job_id).result(timeout="soon")))
    return calls


def _recursive() -> dict:
    inputs: dict = {}
    inputs["self"] = inputs
    return inputs


def item22_bad_inputs(ctx: Context) -> list[Row]:
    from qiskit_ibm_runtime.exceptions import IBMError

    from qrt_jupyter import LocalRuntimeService

    service = LocalRuntimeService(home=ctx.root / "fault-bad-home")
    program = service.upload_program(PUBLISHER, name="fault-bad-target", max_execution_time=60, description="d",
                                     parameters={"type": "object", "properties": {"n": {"type": "integer"}},
                                                 "additionalProperties": False})
    job = service.run(program, {"n": 1}, options=OPTIONS)
    job.result(timeout=120)
    calls = _bad_calls(service, program, job.job_id())
    good, bad = 0, []
    for what, word, call in calls:
        try:
            call()
        except RAW as exc:
            if isinstance(exc, IBMError):
                text = str(exc)
                if "\n" not in text and word.lower() in text.lower():
                    good += 1
                    continue
            bad.append(f"{what}: {type(exc).__name__}: {str(exc)[:80]}")
        except Exception as exc:  # noqa: BLE001 - what kind it is, is the measurement
            text = str(exc)
            if "\n" in text.strip() or word.lower() not in text.lower():
                bad.append(f"{what}: {type(exc).__name__}: {text[:80]}")
            else:
                good += 1
        else:
            bad.append(f"{what}: no error")
    for leftover in service.jobs(limit=None, pending=True):
        leftover.cancel()
    service.close()
    if bad:
        print("item 22, not one clear line:\n  " + "\n  ".join(bad), flush=True)
    return [Row(22, f"bad calls giving one line naming the argument ({len(calls)} calls)", good, len(calls),
                unit="calls", target=f"= {len(calls)}", status=verdict(good == len(calls)),
                ratio=good / len(calls), note=f"{len(bad)} not" if bad else "")]


ITEMS = {20: item20_client_killed, 21: item21_crash_kinds, 22: item22_bad_inputs}
