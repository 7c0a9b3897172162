"""Several processes on one home, and a process that dies: nothing is lost silently.

Each "kernel" here is a real separate Python process sharing the home's SQLite
file, as two notebooks (or a notebook after a restart) do.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from qiskit.providers import JobStatus
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError

from qrt_jupyter import LocalRuntimeService
from support import wait_until

from .programs import LOOP, LOOP_SCHEMA

KERNEL = textwrap.dedent(
    """
    import json, sys, time
    from qrt_jupyter import LocalRuntimeService
    home, source, schema, mode = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    service = LocalRuntimeService(home=home)
    program = service.upload_program(source, name="loop", description="d", max_execution_time=300,
                                     parameters=schema)
    opts = {"backend_name": "fake_lima"}
    long = service.run(program, {"n": 10000, "sleep": 0.05}, options=opts)
    queued = [service.run(program, {"n": 2}, options=opts) for _ in range(2)]
    deadline = time.monotonic() + 120
    while not long.interim_results():
        if time.monotonic() > deadline:
            sys.exit("timed out waiting for the long job's first interim result")
        time.sleep(0.05)
    print(json.dumps({"long": long.job_id(), "queued": [j.job_id() for j in queued]}), flush=True)
    if mode == "wait":
        long.wait_for_final_state(120)
        print(json.dumps({"final": long.status().name}), flush=True)
        for job in queued:
            job.wait_for_final_state(120)
        print(json.dumps({"queued": [job.status().name for job in queued]}), flush=True)
    time.sleep(600)
    """
)


def start_kernel(home, mode="sleep"):
    process = subprocess.Popen(
        [sys.executable, "-c", KERNEL, str(home), LOOP, json.dumps(LOOP_SCHEMA), mode],
        stdout=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()  # bounded: the other kernel gives up after 120 s and exits
    assert line, "the other kernel failed to start its jobs"
    return process, json.loads(line)


def test_kernel_killed_running_job_fails_and_queued_jobs_run(tmp_path):
    process, ids = start_kernel(tmp_path)
    process.send_signal(signal.SIGKILL)
    process.wait()

    service = LocalRuntimeService(home=tmp_path)  # "after the restart"
    try:
        long = service.job(ids["long"])
        assert long.status() == JobStatus.ERROR
        assert long.reason == "interrupted"
        assert "kernel restart" in long.error_message()
        with pytest.raises(RuntimeJobFailureError, match="interrupted"):
            long.result()
        assert len(long.interim_results()) > 0  # what it published before the crash is kept
        for job_id in ids["queued"]:
            assert service.job(job_id).result(timeout=120)["n"] == 2
    finally:
        service.close()


def test_another_kernel_sees_cancels_and_watches_jobs(tmp_path):
    process, ids = start_kernel(tmp_path, mode="wait")
    service = LocalRuntimeService(home=tmp_path)
    try:
        listed = [j.job_id() for j in service.jobs(limit=10)]
        assert set(ids["queued"]) | {ids["long"]} <= set(listed)
        long = service.job(ids["long"])
        assert long.status() == JobStatus.RUNNING
        queued = service.job(ids["queued"][0])
        assert queued.queue_position() == 1

        events = []
        unsubscribe = queued.subscribe(events.append)
        long.cancel()  # runs in the other process: its scheduler stops it
        long.wait_for_final_state(30)
        assert long.status() == JobStatus.CANCELLED
        assert json.loads(process.stdout.readline()) == {"final": "CANCELLED"}
        assert json.loads(process.stdout.readline()) == {"queued": ["DONE", "DONE"]}
        assert queued.result(timeout=120)["n"] == 2
        wait_until(lambda: "DONE" in [e.data for e in events if e.kind == "status"],
                   "the DONE event of a job another process ran")
        unsubscribe()
        assert [e.data["i"] for e in events if e.kind == "interim"] == [0, 1]
    finally:
        process.kill()
        process.wait()
        service.close()


def test_a_clean_exit_marks_running_jobs_interrupted_and_an_open_service_adopts_the_queue(tmp_path):
    script = textwrap.dedent(
        """
        import sys, time
        from qrt_jupyter import LocalRuntimeService
        service = LocalRuntimeService(home=sys.argv[1])
        program = service.upload_program(sys.argv[2], name="loop", description="d", max_execution_time=60)
        job = service.run(program, {"n": 1000, "sleep": 0.05}, options={"backend_name": "fake_lima"})
        left = service.run(program, {"n": 3}, options={"backend_name": "fake_lima"})
        deadline = time.monotonic() + 100
        while job.status().name != "RUNNING":
            if time.monotonic() > deadline:
                sys.exit("timed out waiting for the job to run")
            time.sleep(0.05)
        print(job.job_id(), left.job_id(), flush=True)
        """
    )
    service = LocalRuntimeService(home=tmp_path)  # open before the other process exits
    try:
        out = subprocess.run([sys.executable, "-c", script, str(tmp_path), LOOP], capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        job_id, left_id = out.stdout.split()
        job = service.job(job_id)
        assert job.status() == JobStatus.ERROR and job.reason == "interrupted"
        assert service.job(left_id).result(timeout=120)["n"] == 3
    finally:
        service.close()
