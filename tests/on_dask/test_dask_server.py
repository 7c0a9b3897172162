"""`qrt-runtime serve --dask ADDRESS`: a real server process whose jobs run on a real Dask cluster."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from qrt_jupyter.remote import RemoteRuntimeService  # noqa: E402
from server.harness import ServerProcess, cli, create_token  # noqa: E402
from support import WAIT, bell  # noqa: E402

from .cluster import free_port, running_cluster  # noqa: E402


def test_serve_dask_runs_jobs_on_the_cluster(tmp_path):
    with running_cluster(1, tmp_path) as cluster:
        home = tmp_path / "home"
        token = create_token(home, "dask-user", "manager")
        server = ServerProcess(home, tmp_path / "logs", "--dask", cluster.address)
        try:
            remote = RemoteRuntimeService(server.url, token=token)
            job = remote.run("sampler", {"circuits": [bell()], "shots": 100})
            assert set(job.result(timeout=WAIT).quasi_dists[0]) <= {0, 3}
            (worker,) = cluster.worker_addresses().values()
            assert job.metrics()["worker"] == worker
            assert f"jobs run on the Dask cluster {cluster.address}" in server.output()
        finally:
            assert server.stop() == 0


def test_serve_dask_with_no_scheduler_there_fails_in_one_line(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    done = cli("serve", "--home", str(tmp_path / "home"), "--port", "0", "--dask", address, check=False)
    assert done.returncode != 0
    assert f"qrt-runtime: Cannot reach the Dask scheduler at {address}" in done.stderr
    assert "Traceback" not in done.stderr
