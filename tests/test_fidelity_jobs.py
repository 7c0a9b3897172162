"""Issue 12: jobs of uploaded programs behave as on IBM's old runtime service.

Real local runtime: SQLite home in a temporary folder, real worker processes, programs
uploaded as source text the way a user uploads them.
"""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
)

from fidelity import svc  # noqa: F401 - the module's runtime

OPTIMIZER = '''
def main(backend, user_messenger, x0=None, maxiter=3, label="run"):
    """Report what it was started with."""
    start = [0.0, 0.0] if x0 is None else list(x0)
    return {"start": start, "maxiter": maxiter, "label": label}
'''

OPTIMIZER_META = {
    "name": "optimizer",
    "description": "Reports its inputs.",
    "max_execution_time": 60,
    "spec": {
        "parameters": {
            "type": "object",
            "properties": {
                "x0": {"type": "array", "items": {"type": "number"}},
                "maxiter": {"type": "integer", "minimum": 1},
                "label": {"type": "string"},
            },
            "required": ["label"],
        }
    },
}

FAILING = '''
def main(backend, user_messenger, depth=2):
    print("descending")
    return dive(depth)

def dive(depth):
    if depth == 0:
        raise ValueError("hit the bottom")
    return dive(depth - 1)
'''

SLOW = '''
import time

def main(backend, user_messenger):
    time.sleep(60)
'''


@pytest.fixture(scope="module")
def failed(svc):
    """One job whose program raises, three frames deep."""
    program = svc.upload_program(FAILING, {"name": "failing", "description": "Raises.",
                                           "max_execution_time": 60})
    job = svc.run(program, {}, options={"backend_name": "ibmq_qasm_simulator"})
    job.wait_for_final_state(timeout=180)
    return job


# --------------------------------------------------------------- 3: None = not given


@pytest.fixture(scope="module")
def optimizer(svc):
    return svc.upload_program(OPTIMIZER, OPTIMIZER_META)


def test_none_for_an_optional_parameter_counts_as_not_given(svc, optimizer):
    program = optimizer
    job = svc.run(program, {"x0": None, "maxiter": None, "label": "vqe"},
                  options={"backend_name": "ibmq_qasm_simulator"})
    assert job.result(timeout=180) == {"start": [0.0, 0.0], "maxiter": 3, "label": "vqe"}
    job = svc.run(program, {"x0": [0.5, 0.25], "label": "given"})
    assert job.result(timeout=180)["start"] == [0.5, 0.25]


def test_none_for_a_required_parameter_is_still_refused(svc, optimizer):
    with pytest.raises(IBMInputValueError, match="label"):
        svc.run(optimizer, {"label": None})


def test_none_keeps_its_meaning_where_the_schema_accepts_it(svc):
    from support import bell

    job = svc.run("estimator", {"circuits": bell(False), "observables": "ZZ", "shots": None},
                  options={"backend_name": "ibmq_qasm_simulator"})
    result = job.result(timeout=180)
    assert result.values[0] == pytest.approx(1.0)  # exact: shots=None reached the program
    assert result.metadata[0]["shots"] is None


# --------------------------------------------------------------- 9: logs keep the traceback


def test_a_failed_jobs_logs_hold_its_traceback(failed):
    logs = failed.logs()
    assert "descending" in logs
    assert "Traceback (most recent call last)" in logs
    assert "in dive" in logs
    assert logs.rstrip().endswith("ValueError: hit the bottom")
    assert failed.error_message() in logs


# --------------------------------------------------------------- 10: errors print as lines


def test_a_job_failure_prints_as_lines(failed):
    with pytest.raises(RuntimeJobFailureError) as info:
        failed.result()
    text = str(info.value)
    assert text.startswith("Unable to retrieve job result. Traceback (most recent call last):\n")
    assert "\\n" not in text and not text.startswith("'")
    assert text.splitlines()[-1] == "ValueError: hit the bottom"
    assert info.value.message == text


def test_a_time_limit_error_prints_as_its_message(svc):
    program = svc.upload_program(SLOW, {"name": "slow", "description": "Sleeps.",
                                        "max_execution_time": 60})
    job = svc.run(program, {}, options={"backend_name": "ibmq_qasm_simulator",
                                        "max_execution_time": 1})
    with pytest.raises(RuntimeJobMaxTimeoutError) as info:
        job.result(timeout=180)
    assert str(info.value) == info.value.message
    assert not str(info.value).startswith("'")
