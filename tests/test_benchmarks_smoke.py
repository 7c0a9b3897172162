"""The benchmark script still runs, end to end, at tiny sizes.

Speed is judged by ``benchmarks/run.py`` itself (ratios measured side by side);
this test only guards the script against rotting as the runtime changes: every
item must run and report numbers. It asserts no timing and no target.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "report.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", str(out)],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


def test_every_item_reports_numbers(report):
    data, stdout = report
    rows = data["rows"]
    assert {row["item"] for row in rows} == set(range(1, 23))
    for row in rows:
        assert "failed" not in row["name"], row
        assert isinstance(row["a"], (int, float)) and math.isfinite(row["a"]), row
        if row["b"] is not None:
            assert isinstance(row["b"], (int, float)) and math.isfinite(row["b"]), row
        assert row["status"] in ("PASS", "MISS", "info")
    assert "ratio A/B" in stdout and "target" in stdout  # the printed table


def test_correctness_checks_hold_at_tiny_sizes(report):
    """Not speed: interim results arrive complete and in order, queue positions stay consistent,
    and %load_ext imports no qiskit or plotly."""
    rows = report[0]["rows"]
    interim = next(r for r in rows if r["item"] == 4)
    assert interim["extra"] == {"lost": 0, "out_of_order": 0}
    queue = next(r for r in rows if r["item"] == 5 and "consistent" in r["name"])
    assert queue["a"] == 0 and queue["extra"]["readings"] > 0
    load_ext = next(r for r in rows if r["item"] == 7)
    assert not {"qiskit", "qiskit_aer", "plotly"} & set(load_ext["extra"]["new_top_level"])


def test_machine_is_recorded(report):
    machine = report[0]["machine"]
    for key in ("nproc", "cpu", "python", "packages"):
        assert machine[key]


def test_runs_summary_counts_the_runs_that_met_each_target():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import runs
    finally:
        sys.path.remove(str(REPO / "benchmarks"))

    def report(ratio, status):
        return {"rows": [
            {"item": 1, "name": "Bell", "a": 2.0, "b": 1.0, "unit": "ms", "ratio": ratio, "status": status,
             "target": "<= 1.3"},
            {"item": 1, "name": "  info only", "a": 1.0, "b": None, "unit": "ms", "ratio": None,
             "status": "info", "target": "-"},
        ]}

    table = runs.summary([report(1.2, "PASS"), report(1.4, "MISS"), report(1.1, "PASS")])
    lines = table.splitlines()
    assert len(lines) == 3  # header, rule, the one measure with a target
    assert lines[2] == "| 1 | Bell | <= 1.3 | 1.20 ✓ | 1.40 ✗ | 1.10 ✓ | 2 of 3 |"
    absolute = {"rows": [{"item": 14, "name": "after a cancel", "a": 0.174, "b": 0.126, "unit": "s",
                          "ratio": 1.38, "status": "PASS", "target": "<= 0.5 s"}]}
    assert runs.summary([absolute]).splitlines()[2] == "| 14 | after a cancel | <= 0.5 s | 0.174 s ✓ | 1 of 1 |"
