"""notebooks/04_ibm_quantum.ipynb with a saved account, against the fake IBM Cloud.

nbval runs the tutorial on machines without an account, where its IBM cells
only say they were skipped. Here the same notebook runs top to bottom with an
account saved by the client's own ``save_account``: a real kernel, the real
client and adapter; only the network is the fake cloud (the kernel and the
runtime's workers pick it up through ``tests/ibm/site/sitecustomize.py``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_ibm_quantum.ipynb"


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "".join(parts)


def test_tutorial_runs_on_ibm_with_a_saved_account(network, saved_account, tmp_path, monkeypatch):
    network.auto_advance = True  # each status request moves a job one step: QUEUED → RUNNING → DONE
    monkeypatch.setenv("QRT_HOME", str(tmp_path / "qrt-home"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    text = "\n".join(_text(cell) for cell in code)
    assert "Connected: IBM Quantum" in text
    assert "skipped" not in text
    assert "Backends · IBM Quantum" in text and "ibm_nairobi" in text
    assert "least busy: ibm_nairobi" in text  # the fake cloud's shortest operational queue
    sampler_cell = next(cell for cell in code if "%qrt_run sampler" in cell.source)
    assert "application/vnd.jupyter.widget-view+json" in sampler_cell.outputs[0].data
    assert any(
        output.get("output_type") == "stream" and "'00'" in output.text
        for cell in code if "ibm_job.result()" in cell.source for output in cell.outputs
    )
    # the submitted job went to the fake cloud as a SamplerV2 job on the least busy device
    submitted = [job for job in network.jobs.values() if job.program_id == "sampler"]
    assert [job.backend for job in submitted] == ["ibm_nairobi"]
    assert "Active service: local runtime" in text  # and the notebook switched back
