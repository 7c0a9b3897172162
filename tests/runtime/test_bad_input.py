"""Issue 13, "Bad input": each case is one line in the client's own exception class,
naming the argument and what it accepts, and nothing is recorded for it.

A real runtime (real SQLite file); the last test runs a real worker whose program
returns a callable.
"""

import math

import pytest
from qiskit.providers import JobStatus
from qiskit_ibm_runtime.exceptions import IBMError, IBMInputValueError, RuntimeJobFailureError

from qrt_jupyter import LocalRuntimeService
from qrt_jupyter.runtime.store import StoreError

from .programs import upload

SOURCE = "def main(backend, user_messenger, **kwargs):\n    return 1\n"
META = {"name": "faults-bad-meta", "max_execution_time": 5, "description": "d"}


def _circular():
    value = []
    value.append(value)
    return {"iterations": value}


def _deep():
    value = top = []
    for _ in range(100_000):
        value.append([])
        value = value[0]
    return {"iterations": top}


RUN_CASES = {
    "circular inputs": (dict(inputs=_circular()), "cannot be serialized"),
    "100k-deep inputs": (dict(inputs=_deep()), "nested too deeply"),
    "max_execution_time '10'": (dict(options={"max_execution_time": "10"}), "max_execution_time"),
    "max_execution_time 'abc'": (dict(options={"max_execution_time": "abc"}), "max_execution_time"),
    "max_execution_time True": (dict(options={"max_execution_time": True}), "max_execution_time"),
    "max_execution_time nan": (dict(options={"max_execution_time": math.nan}), "max_execution_time"),
    "max_execution_time -1": (dict(options={"max_execution_time": -1}), "max_execution_time"),
    "options a string": (dict(options="fake_manila"), "options must be"),
    "options a number": (dict(options=3), "options must be"),
    "backend_name 123": (dict(options={"backend_name": 123}), "backend_name"),
    "backend 123": (dict(options={"backend": 123}), "backend"),
    "log_level 5": (dict(options={"log_level": 5}), "log_level"),
    "log_level 'LOUD'": (dict(options={"log_level": "LOUD"}), "log_level"),
    "session_id 5": (dict(session_id=5), "session_id"),
}

LIST_CASES = {
    "jobs limit 'a'": (lambda s: s.jobs(limit="a"), "limit"),
    "jobs limit -1": (lambda s: s.jobs(limit=-1), "limit"),
    "jobs limit True": (lambda s: s.jobs(limit=True), "limit"),
    "jobs skip -1": (lambda s: s.jobs(skip=-1), "skip"),
    "programs limit -1": (lambda s: s.programs(limit=-1), "limit"),
    "sessions limit 'a'": (lambda s: s.sessions(limit="a"), "limit"),
    "open_session max_time nan": (lambda s: s.open_session(max_time=math.nan), "max_time"),
}

UPLOAD_CASES = {
    "metadata a list": (dict(metadata=[1]), "metadata"),
    "metadata spec a string": (dict(metadata={**META, "spec": "s"}), "spec"),
    "metadata holding a set": (dict(metadata={**META, "spec": {"parameters": {1, 2}}}), "JSON data"),
    "keyword field a set": (dict(name="faults-bad-kw", max_execution_time=5, description={1}), "JSON data"),
    "max_execution_time nan": (dict(metadata={**META, "max_execution_time": math.nan}), "max_execution_time"),
}


def _one_line(exc, needle):
    text = str(exc)
    assert "\n" not in text, text
    assert needle in text, text


@pytest.mark.parametrize("case", list(RUN_CASES))
def test_run_refuses_bad_input_in_one_line_and_records_nothing(runtime, case):
    kwargs, needle = RUN_CASES[case]
    before = len(runtime.jobs(limit=None))
    with pytest.raises(IBMInputValueError) as info:
        runtime.run("hello-world", kwargs.get("inputs", {}), options=kwargs.get("options"),
                    session_id=kwargs.get("session_id"))
    _one_line(info.value, needle)
    assert len(runtime.jobs(limit=None)) == before




@pytest.mark.parametrize("case", list(UPLOAD_CASES))
def test_upload_refuses_bad_metadata_and_stores_nothing(runtime, case):
    kwargs, needle = UPLOAD_CASES[case]
    before = len(runtime.programs())
    with pytest.raises(IBMInputValueError) as info:
        runtime.upload_program(SOURCE, **kwargs)
    _one_line(info.value, needle)
    assert len(runtime.programs()) == before


def test_an_unreachable_home_is_one_line(tmp_path):
    for home in ("/proc/x", tmp_path / "a-file" / "home"):
        (tmp_path / "a-file").write_text("not a directory")
        with pytest.raises(IBMError) as info:
            LocalRuntimeService(home=home)
        assert isinstance(info.value, StoreError)
        _one_line(info.value, "cannot be used")
        assert str(home) in str(info.value)


RETURNS_A_CALLABLE = '''
def main(backend, user_messenger):
    user_messenger.publish("before")
    return {"value": 1, "fn": len}
'''


def test_a_callable_in_the_result_fails_the_job(runtime):
    program = upload(runtime, RETURNS_A_CALLABLE, name="faults-returns-callable", schema={"type": "object"})
    job = runtime.run(program, {})
    with pytest.raises(RuntimeJobFailureError, match="result is not serializable: builtin_function_or_method"):
        job.result()
    assert job.status() is JobStatus.ERROR
    assert job.interim_results() == ["before"]  # what was published is kept


ID_CASES = {
    **{f"run({value!r})": (lambda s, v=value: s.run(v, {}), "program_id") for value in (1, 1.5, [], {}, b"x", None, "")},
    **{f"program({value!r})": (lambda s, v=value: s.program(v), "program_id") for value in (1, [], None)},
    **{f"delete_program({value!r})": (lambda s, v=value: s.delete_program(v), "program_id") for value in (1, [])},
    "update_program(1)": (lambda s: s.update_program(1, description="d"), "program_id"),
    **{f"job({value!r})": (lambda s, v=value: s.job(v), "job_id") for value in (1, [], None, "")},
    **{f"backend({value!r})": (lambda s, v=value: s.backend(v), "backend name") for value in (1, [], "")},
    "result(timeout='soon')": (lambda s: s.run("hello-world", {}).result(timeout="soon"), "timeout"),
    "result(timeout=-1)": (lambda s: s.run("hello-world", {}).result(timeout=-1), "timeout"),
}
"""Ids and names of the wrong type: found by benchmarks item 22 as raw AttributeError,
TypeError or sqlite3.ProgrammingError from deep inside."""


REFUSED_CASES = {**{f"limit: {k}": v for k, v in LIST_CASES.items()},
                 **{f"id: {k}": v for k, v in ID_CASES.items()}}


@pytest.mark.parametrize("case", list(REFUSED_CASES))
def test_bad_limits_and_ids_of_the_wrong_type_are_one_line(runtime, case):
    call, needle = REFUSED_CASES[case]
    with pytest.raises(IBMInputValueError) as info:
        call(runtime)
    _one_line(info.value, needle)
