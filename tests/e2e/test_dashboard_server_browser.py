"""The dashboard of a RemoteRuntimeService in a real JupyterLab, fed by the server's events.

The kernel starts a qrt-runtime server and shows the dashboard of a reader's
RemoteRuntimeService on it. Then another client -- Debian's curl, with a writer
token made here with the CLI, as a colleague would -- submits a job. With the
kernel idle, the job's row must appear and turn DONE: only the server's pushed
events (``/stream/events``) can make that happen. The header names the server.
"""

import json
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "e2e/dashboard_server.ipynb"
CURL = "/usr/bin/curl"


def test_dashboard_shows_a_job_another_client_submits(lab):
    lab.open(NOTEBOOK)
    lab.run_all()
    lab.assert_all_cells_ran()
    printed = lab.cell_with_source("qrt-runtime serving").locator(".jp-OutputArea-output").inner_text()
    url, home = re.search(r"server (\S+) home (\S+)", printed).groups()
    header = lab.notebook.locator(".widget-html", has_text="Qiskit Runtime").first
    header.wait_for(timeout=60_000)
    assert f"qrt-runtime server {url}" in header.inner_text()

    token = subprocess.run(
        [sys.executable, "-m", "qrt_jupyter.server", "token", "create", "colleague", "--role", "writer",
         "--home", home], capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    body = json.dumps({"programId": "hello-world", "params": ['{"iterations": 2}'], "backend": "ibmq_qasm_simulator"})
    answer = subprocess.run([CURL, "-s", "-X", "POST", f"{url}/jobs", "-H", f"Authorization: Bearer {token}",
                             "-H", "Content-Type: application/json", "-d", body],
                            capture_output=True, text=True, check=True, timeout=60).stdout
    job_id = json.loads(answer)["id"]

    table = lab.notebook.locator(".qrt-job-table").first
    row = table.locator(f"tr[data-job-id='{job_id}']")
    row.wait_for(timeout=120_000)
    table.locator(f"tr[data-job-id='{job_id}']", has_text="DONE").wait_for(timeout=180_000)
    lab.screenshot("server-job-done", locator=table)
    assert token not in lab.output_text()
    lab.shutdown_kernel()
