"""Magics, watch() and the dashboard on a RemoteRuntimeService, live, through a real shell.

The server is a real subprocess; jobs submitted by other clients (another service object,
plain ``requests``) must show up in this kernel's dashboard through the server's events.
"""

import json
import time

import pytest
import requests
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from qrt_jupyter import active
from support import WAIT, bell, wait_until

PROGRAM_CELL = '''"""Counts to n, publishing each number.

max_execution_time: 60
"""


def main(backend, user_messenger, n=3):
    for i in range(n):
        user_messenger.publish({"count": i})
    return n
'''


@pytest.fixture
def ip(server, monkeypatch, capsys):
    """A real shell with the extension loaded and the server active (token from a named variable)."""
    monkeypatch.setenv("LAB_TOKEN", server.tokens["writer"])
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("qrt_jupyter")
    shell.run_line_magic("qrt_service", f"{server.url} --token-env LAB_TOKEN")
    assert capsys.readouterr().out.strip() == f"Active service: qrt-runtime server {server.url}"
    names_before = set(shell.user_ns)
    yield shell
    service = active.set_service(None)
    shell.extension_manager.unload_extension("qrt_jupyter")
    for name in set(shell.user_ns) - names_before:
        del shell.user_ns[name]
    if service is not None:
        service.close()


def test_every_magic_works_against_the_server(ip, capsys):
    ip.run_cell_magic("qrt_program", "counter --update", PROGRAM_CELL)
    assert "program 'counter'" in capsys.readouterr().out
    ip.user_ns["bell"] = bell()
    ip.run_line_magic("qrt_run", "counter -i n=4 -o job --wait --no-widget")
    job = ip.user_ns["job"]
    assert type(job).__name__ == "RemoteRuntimeJob" and job.result() == 4
    ip.run_line_magic("qrt_run", "sampler -i circuits=bell --shots 64 -b ibmq_qasm_simulator -o s --wait --no-widget")
    assert set(ip.user_ns["s"].result().quasi_dists[0]) <= {0, 3}
    capsys.readouterr()
    ip.run_line_magic("qrt_jobs", "-n 5")
    listing = capsys.readouterr().out
    assert job.job_id() in listing and ip.user_ns["s"].job_id() in listing
    ip.run_line_magic("qrt_job", job.job_id())
    assert "DONE" in capsys.readouterr().out
    ip.run_line_magic("qrt_programs", "")
    assert "counter" in capsys.readouterr().out
    ip.run_line_magic("qrt_backends", "")
    assert "fake_manila" in capsys.readouterr().out
    with pytest.raises(UsageError, match="DONE already"):
        ip.run_line_magic("qrt_cancel", job.job_id())
    ip.run_line_magic("qrt_service", "")
    assert "qrt-runtime server" in capsys.readouterr().out


def test_magic_mistakes_are_one_line(ip, server, monkeypatch):
    with pytest.raises(UsageError, match="NO_SUCH_VAR is not set"):
        ip.run_line_magic("qrt_service", f"{server.url} --token-env NO_SUCH_VAR")
    with pytest.raises(UsageError, match="--token-env applies only"):
        ip.run_line_magic("qrt_service", "local --token-env LAB_TOKEN")
    with pytest.raises(UsageError, match="(?i)unknown program 'nope'"):
        ip.run_line_magic("qrt_run", "nope")
    monkeypatch.setenv("READER_TOKEN", server.tokens["reader"])
    ip.run_line_magic("qrt_service", f"{server.url} --token-env READER_TOKEN")
    with pytest.raises(UsageError) as caught:
        ip.run_line_magic("qrt_run", "hello-world -i iterations=1")
    assert "job.create" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(UsageError, match="no qrt-runtime server at http://127.0.0.1:9"):
        ip.run_line_magic("qrt_service", "http://127.0.0.1:9")


def test_watch_follows_a_remote_job_live(remote):
    from qrt_jupyter import watch

    job = remote.run("hello-world", {"iterations": 3})
    widget = watch(job)
    assert widget.monitor.wait(WAIT)
    snapshot = widget.monitor.snapshot
    assert snapshot.status == "DONE" and snapshot.result == "All done!"
    assert len(snapshot.interim_results) == 3 and snapshot.backend == job.backend_name
    wait_until(lambda: widget.status == "DONE", "widget.status == 'DONE'")
def test_the_dashboard_shows_a_job_another_client_submits(remote, server):
    from qrt_jupyter import Dashboard

    dash = Dashboard(remote)
    try:
        assert "qrt-runtime server " + server.url in dash.children[0].children[0].value
        response = requests.post(
            f"{server.url}/jobs",
            headers={"Authorization": f"Bearer {server.tokens['writer']}"},
            json={"programId": "hello-world", "params": [json.dumps({"iterations": 1})]},
            timeout=30,
        )
        job_id = response.json()["id"]
        wait_until(lambda: [r["status"] for r in dash.jobs.table.rows if r["job_id"] == job_id] == ["DONE"], "[r['status'] for r in dash.jobs.table.rows if r['job_id'] == job_id] == ['DONE']")
    finally:
        dash.close()


def test_use_remote_activates_the_server_once(server):
    from qrt_jupyter.remote import RemoteRuntimeService

    heard = []
    unsubscribe = active.on_change(heard.append)
    try:
        first = active.use_remote(server.url, token=server.tokens["reader"])
        assert isinstance(first, RemoteRuntimeService) and active.get_service() is first
        assert active.use_remote(server.url, token=server.tokens["reader"]) is first  # same server, same token
        other = active.use_remote(server.url, token=server.tokens["writer"])
        assert other is not first and heard == [first, other]
        assert active.describe(other) == f"qrt-runtime server {server.url}"
    finally:
        unsubscribe()
        active.set_service(None)


SLEEPER_CELL = '''"""Sleeps, so that there is something to cancel.

max_execution_time: 120
"""
import time


def main(backend, user_messenger, seconds=60):
    time.sleep(seconds)
    return "woke up"
'''


def test_qrt_cancel_stops_a_running_remote_job(ip, capsys):
    from qiskit.providers import JobStatus

    ip.run_cell_magic("qrt_program", "sleeper --update", SLEEPER_CELL)
    ip.run_line_magic("qrt_run", "sleeper -o sleeping --no-widget")
    job = ip.user_ns["sleeping"]
    wait_until(lambda: job.status() is JobStatus.RUNNING, "job.status() is JobStatus.RUNNING")
    ip.run_line_magic("qrt_cancel", job.job_id())
    job.wait_for_final_state(WAIT)
    assert job.status() is JobStatus.CANCELLED
    assert job.job_id() in capsys.readouterr().out
