"""The Python API the magics stand on: "did you mean" lookups, upload-or-update, default shots."""

import pytest
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    RuntimeJobNotFound,
    RuntimeProgramNotFound,
)

from qrt_jupyter.runtime.names import closest, unknown
from qrt_jupyter.runtime.programs import DEFAULT_SHOTS, declares_input

from .programs import LOOP, LOOP_SCHEMA

BACKENDS = ["ibmq_qasm_simulator", "fake_lima", "fake_manila", "fake_quito", "fake_belem", "fake_nairobi"]


@pytest.mark.parametrize(
    "typed, best",
    [
        ("fake_manla", "fake_manila"),  # a typo
        ("FAKE_MANILA", "fake_manila"),  # another case
        ("manila", "fake_manila"),  # the prefix left out
        ("ibmq_manila", "fake_manila"),  # the old service's prefix
        ("qasm", "ibmq_qasm_simulator"),  # part of the name
    ],
)
def test_closest_puts_the_meant_name_first(typed, best):
    assert closest(typed, BACKENDS)[0] == best


def test_closest_gives_at_most_n_and_nothing_for_nonsense():
    assert len(closest("fake_", BACKENDS, n=2)) == 2
    assert closest("zzzzzz", BACKENDS) == []
    assert closest("", BACKENDS) == [] and closest("x", []) == []


def test_unknown_is_one_line_that_suggests_or_lists():
    assert unknown("backend", "fake_manla", BACKENDS) == "unknown backend 'fake_manla'. Did you mean 'fake_manila'?"
    listed = unknown("backend", "zzzzzz", BACKENDS)
    assert listed == ("unknown backend 'zzzzzz'. Known backends: ibmq_qasm_simulator, fake_lima, fake_manila, "
                      "fake_quito, fake_belem, … (6 in all).")
    assert unknown("job", "abc", []) == "unknown job 'abc'. There are no jobs yet."
    assert "\n" not in listed


def test_service_lookups_raise_the_clients_exceptions_with_suggestions(service):
    with pytest.raises(RuntimeProgramNotFound, match=r"unknown program 'helo-world'\. Did you mean 'hello-world'\?"):
        service.program("helo-world")
    with pytest.raises(QiskitBackendNotFoundError, match="Did you mean 'fake_manila'"):
        service.backend("fake_manla")
    with pytest.raises(IBMInputValueError, match="unknown backend"):  # the old client's class as well
        service.backend("fake_manla")
    with pytest.raises(RuntimeJobNotFound, match="unknown job 'nope'. There are no jobs yet."):
        service.job("nope")


def test_upload_or_update_uploads_once_then_updates_in_place(service):
    fields = dict(description="first", max_execution_time=30, parameters=LOOP_SCHEMA)
    program_id = service.upload_or_update_program(LOOP, name="upsert", **fields)
    assert service.program(program_id).description == "first"
    again = service.upload_or_update_program(LOOP.replace("n=3", "n=4"), name="upsert", description="second")
    assert again == program_id
    program = service.program(program_id)
    assert program.description == "second" and "n=4" in program.data
    assert program.max_execution_time == 30  # what the update did not give stays
    assert [p.program_id for p in service.programs()].count(program_id) == 1


def test_upload_or_update_by_id_keeps_the_name_and_reads_the_name_from_metadata(service):
    meta = {"name": "from-meta", "description": "d", "max_execution_time": 10}
    program_id = service.upload_or_update_program(LOOP, metadata=meta)
    assert service.program(program_id).name == "from-meta"
    assert service.upload_or_update_program(LOOP, name=program_id, description="by id") == program_id
    assert service.program(program_id).name == "from-meta"
    assert service.program("from-meta").description == "by id"


def test_upload_or_update_leaves_builtins_alone_and_refuses_nameless_programs(service):
    own = service.upload_or_update_program(LOOP, name="hello-world", description="d", max_execution_time=5)
    assert own.startswith("hello-world-") and service.program("hello-world").is_builtin
    assert service.upload_or_update_program(LOOP, name="hello-world", description="d2") == own
    assert service.program(own).description == "d2"
    with pytest.raises(IBMInputValueError, match="needs a name"):
        service.upload_or_update_program(LOOP, description="d", max_execution_time=5)


def test_default_shots_is_the_one_every_builtin_declares(service):
    for program_id in ("sampler", "estimator", "circuit-runner"):
        program = service.program(program_id)
        assert declares_input(program, "shots")
        assert program.parameters["properties"]["shots"]["default"] == DEFAULT_SHOTS
    from qrt_jupyter import Options

    assert Options().execution.shots == DEFAULT_SHOTS
    assert not declares_input(service.program("hello-world"), "shots")


class _IBMStyleProgram:
    """The shape of qiskit-ibm-runtime's program objects: ``parameters`` is a method."""

    def parameters(self):
        return {"properties": {"shots": {"type": "integer"}}}


def test_declares_input_reads_programs_of_any_kind():
    assert declares_input(_IBMStyleProgram(), "shots")
    assert declares_input({"spec": {"parameters": {"properties": {"shots": {}}}}}, "shots")
    assert not declares_input({"spec": {}}, "shots")
    assert not declares_input(object(), "shots")
