"""Uploading, updating and deleting programs, and every upload mistake named clearly."""

import json

import pytest
from qiskit_ibm_runtime.exceptions import IBMInputValueError, IBMNotAuthorizedError, RuntimeProgramNotFound

from .programs import LOOP, upload


def test_builtins_are_listed_first(service):
    ids = [p.program_id for p in service.programs()]
    assert ids[:4] == ["hello-world", "sampler", "estimator", "circuit-runner"]
    hello = service.program("hello-world")
    assert hello.is_builtin and hello.max_execution_time > 0
    assert "iterations" in hello.parameters["properties"]


def test_upload_then_find_by_id_and_by_name(service):
    program_id = upload(service)
    assert program_id.startswith("loop-")
    assert service.program(program_id).name == "loop"
    assert service.program("loop").program_id == program_id
    assert program_id in [p.program_id for p in service.programs()]
    assert "loop" in str(service.program(program_id))


def test_upload_from_files(service, tmp_path):
    source = tmp_path / "prog.py"
    source.write_text(LOOP)
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"name": "from-file", "description": "d", "max_execution_time": 30,
                                "spec": {"parameters": {"type": "object"}}}))
    program_id = service.upload_program(str(source), metadata=str(meta))
    assert service.program(program_id).max_execution_time == 30


@pytest.mark.parametrize(
    "source, kwargs, message",
    [
        ("def helper():\n    pass\n", {}, "no top-level main"),
        ("def main(backend, user_messenger):\n    return (\n", {}, "not valid Python: line 2"),
        (LOOP, {"description": None}, "missing description"),
        (LOOP, {"max_execution_time": None}, "missing max_execution_time"),
        (LOOP, {"max_execution_time": -1}, "positive number"),
        (LOOP, {"name": "bad name!"}, "letters, digits"),
        (LOOP, {"parameters": {"type": "no-such-type"}}, "not a valid JSON Schema"),
        ("not_a_file.py", {}, "neither program source"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(service, source, kwargs, message):
    args = {"name": "p", "description": "d", "max_execution_time": 10, **kwargs}
    args = {k: v for k, v in args.items() if v is not None}
    before = len(service.programs())
    with pytest.raises(IBMInputValueError, match=message):
        service.upload_program(source, **args)
    assert len(service.programs()) == before


def test_syntax_error_names_the_line(service):
    with pytest.raises(IBMInputValueError, match="line 3"):
        service.upload_program("x = 1\ndef main(backend, user_messenger):\n    return [\n",
                               name="p", description="d", max_execution_time=1)


def test_duplicate_names_are_refused(service):
    upload(service)
    with pytest.raises(IBMInputValueError, match="already exists"):
        upload(service)


def test_update_and_delete(service):
    program_id = upload(service)
    service.update_program(program_id, description="new text", max_execution_time=5)
    program = service.program(program_id)
    assert (program.description, program.max_execution_time) == ("new text", 5)
    service.update_program(program_id, data=LOOP.replace("starting", "beginning"))
    assert "beginning" in service.program(program_id).data
    service.delete_program(program_id)
    with pytest.raises(RuntimeProgramNotFound, match="Known programs: hello-world"):
        service.program(program_id)


def test_builtins_cannot_be_changed(service):
    with pytest.raises(IBMNotAuthorizedError, match="built-in"):
        service.delete_program("sampler")
    with pytest.raises(IBMNotAuthorizedError, match="built-in"):
        service.update_program("hello-world", description="x")


def test_programs_survive_a_new_service_on_the_same_home(service):
    from qrt_jupyter import LocalRuntimeService

    program_id = upload(service)
    again = LocalRuntimeService(home=service.home)
    assert again.program(program_id).name == "loop"
