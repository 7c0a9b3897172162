"""Jobs on a real Dask cluster: a `dask scheduler` and two single-threaded `dask worker` processes on
127.0.0.1, driven through LocalRuntimeService(dask=ADDRESS) with the runtime's real worker processes
on each Dask worker. Covers results, interim results in order, logs, the one-job-per-device rule,
cancel, time limits, a crashing program, the version check, and a worker SIGKILLed mid-job."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from qiskit_ibm_runtime.exceptions import RuntimeJobMaxTimeoutError  # noqa: E402

from qrt_jupyter import LocalRuntimeService  # noqa: E402
from qrt_jupyter.runtime.executors.dask import DaskCluster, DaskClusterError  # noqa: E402
from support import WAIT, bell, finish_unfinished, wait_until  # noqa: E402

from .cluster import free_port, running_cluster  # noqa: E402

HOLD = '''
import os, sys, time

def main(backend, user_messenger, gate, pid_file=None, n=0, crash=False):
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(str(os.getpid()))
    for i in range(n):
        user_messenger.publish({"i": i})
    print("published", n)
    print("to stderr", file=sys.stderr)
    if crash:
        os._exit(3)
    while gate and not os.path.exists(gate):
        time.sleep(0.01)
    return {"backend": backend.name, "n": n}
'''

HOLD_META = {"name": "dask-hold", "description": "waits for a file; publishes, prints, may crash",
             "max_execution_time": 600}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(2, tmp_path_factory.mktemp("dask-logs")) as c:
        yield c


@pytest.fixture(scope="module")
def svc(cluster, tmp_path_factory):
    service = LocalRuntimeService(home=tmp_path_factory.mktemp("dask-home"), dask=cluster.address)
    service.upload_program(HOLD, metadata=HOLD_META)
    try:
        yield service
    finally:
        finish_unfinished(service)
        service.close()


def _gate(tmp_path: Path, name: str = "gate") -> str:
    return str(tmp_path / name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_sampler_job_runs_on_a_cluster_worker(svc, cluster):
    job = svc.run("sampler", {"circuits": [bell()], "shots": 200})
    quasi = job.result(timeout=WAIT).quasi_dists[0]
    assert set(quasi) == {0, 3}
    workers = {w["address"] for w in svc.cluster_info()["workers"]}
    assert len(workers) == 2
    assert job.metrics()["worker"] in workers


def test_interim_results_and_logs_arrive_in_order_none_lost(svc, tmp_path):
    job = svc.run("dask-hold", {"gate": None, "n": 3000})
    assert job.result(timeout=WAIT) == {"backend": "ibmq_qasm_simulator", "n": 3000}
    assert [r["i"] for r in job.interim_results()] == list(range(3000))
    assert "published 3000" in job.logs() and "to stderr" in job.logs()


def test_one_job_at_a_time_on_a_device_across_the_cluster_and_two_on_the_simulator(svc, tmp_path):
    gate = _gate(tmp_path)
    device = [svc.run("dask-hold", {"gate": gate}, options={"backend_name": "fake_manila"}) for _ in range(2)]
    wait_until(lambda: device[0].status().name == "RUNNING", "the first device job to run")
    sims = [svc.run("dask-hold", {"gate": gate}) for _ in range(2)]
    # the simulator's slots are the cluster's threads: two workers, but the device holds one of them
    wait_until(lambda: sims[0].status().name == "RUNNING", "a simulator job to run")
    assert device[1].status().name == "QUEUED" and device[1].queue_position() == 1
    assert sims[1].status().name == "QUEUED"  # both threads are busy: the cluster has no third
    busy = wait_until(lambda: [w for w in svc.cluster_info()["workers"] if w["state"] == "busy"] or None
                      if len([w for w in svc.cluster_info()["workers"] if w["state"] == "busy"]) == 2 else None,
                      "both workers to report their job")
    assert sorted(j for w in busy for j in w["jobs"]) == sorted([device[0].job_id(), sims[0].job_id()])
    Path(gate).touch()
    for job in device + sims:
        assert job.result(timeout=WAIT)["n"] == 0
    assert device[0].metrics()["timestamps"]["finished"] <= device[1].metrics()["timestamps"]["running"]


def test_cancel_stops_the_program_on_its_worker(svc, tmp_path):
    pid_file = tmp_path / "pid"
    job = svc.run("dask-hold", {"gate": _gate(tmp_path), "pid_file": str(pid_file)})
    pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), "the program to start"))
    job.cancel()
    job.wait_for_final_state(WAIT)
    assert job.status().name == "CANCELLED"
    wait_until(lambda: not _alive(pid), "the cancelled program's process to end")
    # the Dask worker is free again: the next job runs
    assert set(svc.run("sampler", {"circuits": [bell()], "shots": 10}).result(timeout=WAIT).quasi_dists[0]) <= {0, 3}


def test_a_time_limit_stops_the_program(svc, tmp_path):
    pid_file = tmp_path / "pid"
    job = svc.run("dask-hold", {"gate": _gate(tmp_path), "pid_file": str(pid_file)},
                  options={"max_execution_time": 5})
    pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text(), "the program to start"))
    with pytest.raises(RuntimeJobMaxTimeoutError, match="maximum execution time of 5 s"):
        job.result(timeout=WAIT)
    assert job.reason == "max_execution_time"
    wait_until(lambda: not _alive(pid), "the timed-out program's process to end")


def test_a_program_that_crashes_its_process_ends_error(svc, tmp_path):
    job = svc.run("dask-hold", {"gate": None, "crash": True, "n": 5})
    job.wait_for_final_state(WAIT)
    assert job.status().name == "ERROR" and job.reason == "worker_died"
    assert "exit code 3" in job.error_message() and job.metrics()["worker"] in job.error_message()
    assert [r["i"] for r in job.interim_results()] == list(range(5))


def test_a_worker_killed_mid_job_ends_it_error_and_the_queue_moves_on(tmp_path):
    with running_cluster(2, tmp_path) as cluster:
        service = LocalRuntimeService(home=tmp_path / "home", dask=cluster.address)
        try:
            service.upload_program(HOLD, metadata=HOLD_META)
            gate = _gate(tmp_path)
            victim = service.run("dask-hold", {"gate": gate}, options={"backend_name": "fake_manila"})
            queued = service.run("dask-hold", {"gate": None}, options={"backend_name": "fake_manila"})
            where = wait_until(lambda: victim.metrics()["worker"], "the job to reach a worker")
            pid = next(p for p, address in cluster.worker_addresses().items() if address == where)
            os.kill(pid, signal.SIGKILL)
            victim.wait_for_final_state(WAIT)
            assert victim.status().name == "ERROR" and victim.reason == "worker_died"
            assert where in victim.error_message() and "lost" in victim.error_message()
            assert queued.result(timeout=WAIT)["n"] == 0
            assert queued.metrics()["worker"] not in (None, where)
            wait_until(lambda: len(service.cluster_info()["workers"]) == 1, "the cluster to forget the worker")
        finally:
            finish_unfinished(service)
            service.close()


def test_a_worker_without_this_qrt_jupyter_is_refused_in_one_line(tmp_path):
    fake = tmp_path / "site" / "qrt_jupyter"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('__version__ = "0.0.1"\n')
    with running_cluster(0, tmp_path) as cluster:
        cluster.add_worker(env={"PYTHONPATH": str(fake.parent)})
        with pytest.raises(DaskClusterError) as info:
            LocalRuntimeService(home=tmp_path / "home", dask=cluster.address)
    message = info.value.message
    assert "\n" not in message and "qrt_jupyter 0.0.1" in message and "install qrt_jupyter==" in message


def test_an_unreachable_scheduler_is_one_clear_error():
    with pytest.raises(DaskClusterError, match="Cannot reach the Dask scheduler"):
        DaskCluster(f"tcp://127.0.0.1:{free_port()}", timeout=2)
