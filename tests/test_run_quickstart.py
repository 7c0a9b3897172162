"""scripts/run_quickstart.py: the README's main command, on small notebooks of the same kind.

Run as a subprocess, as the README runs it, with a real kernel and the local
runtime. The checks: a job widget's saved output says how the job ended (not
the QUEUED/RUNNING it showed when its cell ran), the HTML copy shows that
static summary, and a failing cell makes the script fail with one clear line.
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "run_quickstart.py"


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def _run(notebook: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(notebook), "--home", str(home)],
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_saved_widget_output_shows_the_finished_job(tmp_path):
    notebook = _notebook(
        tmp_path / "quick.ipynb",
        "from qrt_jupyter import LocalRuntimeService, watch\n"
        "job = LocalRuntimeService().run('hello-world', {'iterations': 2},\n"
        "                                options={'backend_name': 'ibmq_qasm_simulator'})\n"
        "watch(job)",
        "print(job.result())",
    )
    done = _run(notebook, tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: 2 of 2 code cells ran" in done.stdout

    executed = nbformat.read(tmp_path / "quick.executed.ipynb", as_version=4)
    widget_output = executed.cells[0].outputs[0]
    assert "application/vnd.jupyter.widget-view+json" in widget_output.data
    assert "[DONE]" in widget_output.data["text/plain"]
    assert "DONE" in widget_output.data["text/html"]
    assert "widgets" not in executed.metadata  # no multi-megabyte plotly.js copies by default
    assert executed.cells[1].outputs[0].text.strip() == "All done!"

    html = (tmp_path / "quick.executed.html").read_text()
    assert "DONE" in html and "All done!" in html


def test_failing_cell_fails_the_run_with_one_line(tmp_path):
    notebook = _notebook(tmp_path / "broken.ipynb", "x = 1", "1 / 0", "print('never')")
    failed = _run(notebook, tmp_path / "home")
    assert failed.returncode == 1
    assert "FAILED: 2 of 3 code cells ran" in failed.stdout
    assert "code cell 2: ZeroDivisionError: division by zero" in failed.stdout
    # what ran is still written, to show what went wrong
    executed = json.loads((tmp_path / "broken.executed.ipynb").read_text())
    assert executed["cells"][1]["outputs"][0]["ename"] == "ZeroDivisionError"
