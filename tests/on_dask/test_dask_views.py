"""What a notebook user sees of a Dask cluster: `%qrt_service local --dask ADDRESS` and the
dashboard's Backends tab (workers, busy/idle, which job each runs), on a real cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("distributed")

from IPython.core.error import UsageError  # noqa: E402

from qrt_jupyter import active  # noqa: E402
from qrt_jupyter.widgets.backends_view import BackendsView  # noqa: E402
from qrt_jupyter.widgets.cluster_view import cluster_text  # noqa: E402
from qrt_jupyter.widgets.pump import UpdatePump  # noqa: E402
from support import WAIT, finish_unfinished, wait_until  # noqa: E402

from .cluster import free_port, running_cluster  # noqa: E402

GATED = '''
import os, time

def main(backend, user_messenger, gate):
    while not os.path.exists(gate):
        time.sleep(0.01)
    return "released"
'''


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(1, tmp_path_factory.mktemp("dask-view-logs")) as c:
        yield c


def test_qrt_service_local_dask_and_the_backends_tab(ip, cluster, tmp_path, capsys):
    ip.run_line_magic("qrt_service", f"local --home {tmp_path / 'home'} --dask {cluster.address}")
    assert f"jobs on the Dask cluster {cluster.address}" in capsys.readouterr().out
    service = active.current()
    assert service.dask_address == cluster.address
    try:
        service.upload_program(GATED, metadata={"name": "dask-view-gated", "description": "waits for a file",
                                         "max_execution_time": 600})
        gate = tmp_path / "gate"
        job = service.run("dask-view-gated", {"gate": str(gate)})
        view = BackendsView(service, pump=UpdatePump(start=False))
        (worker,) = cluster.worker_addresses().values()

        def drawn_busy():
            view.flush()
            return view.cluster and view.cluster["workers"][0]["jobs"] == [job.job_id()]

        wait_until(drawn_busy, "the Backends tab to show the job on its worker")
        assert worker in view.cluster_html.value and job.job_id() in view.cluster_html.value
        assert "1 busy" in cluster_text(view.cluster)
        gate.touch()
        assert job.result(timeout=WAIT) == "released"
        wait_until(lambda: (view.flush(), view.cluster["workers"][0]["state"] == "idle")[1],
                   "the worker to show idle")
        assert "0 busy" in view.cluster_html.value
        view.close()
    finally:
        finish_unfinished(service)


def test_qrt_service_dask_mistakes_are_one_line(ip, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    for line, problem in [
        (f"ibm --dask {address}", "--dask applies only to %qrt_service local"),
        (f"http://127.0.0.1:1 --dask {address}", "do not apply to a server URL"),
    ]:
        with pytest.raises(UsageError, match=problem):
            ip.run_line_magic("qrt_service", line)


def test_local_workers_show_no_cluster_panel(runtime):
    view = BackendsView(runtime, pump=UpdatePump(start=False))
    view.flush()
    assert view.cluster is None and view.cluster_html.value == ""
    assert Path(runtime.home).exists()
    view.close()
