"""Uploaded programs: main() runs in the local runtime with an IBM device as its backend."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from qiskit_ibm_runtime import IBMBackend
from qiskit_ibm_runtime.exceptions import IBMInputValueError, RuntimeProgramNotFound

from qrt_jupyter.ibm import IBMAccountNotFoundError
from qrt_jupyter.ibm.names import backend_ref, parse_backend_ref
from qrt_jupyter.ibm.worker_backend import RunnableIBMBackend, make_backend

from . import fake_ibm_cloud as fake
from support import bell


PROGRAM = '''
def main(backend, user_messenger, shots=100):
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import SamplerV2
    from qiskit.transpiler import generate_preset_pass_manager

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    # old style: backend.run
    counts = backend.run(qc, shots=shots).result().get_counts()
    user_messenger.publish({"backend": backend.name, "counts": counts})
    # new style: the V2 primitive with the backend as mode
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    pub = SamplerV2(mode=backend).run([isa], shots=shots).result()[0]
    return {"backend_run": counts, "sampler": pub.data.meas.get_counts()}
'''

METADATA = {
    "name": "bell-on-ibm",
    "description": "Bell counts with backend.run and SamplerV2",
    "max_execution_time": 120,
    "spec": {"parameters": {"type": "object", "properties": {"shots": {"type": "integer"}}}},
}


@pytest.fixture
def runs_ibm_backends(ibm, local_service):
    """The local runtime accepts ``ibm:...`` backend names (its BACKEND_FACTORIES hook)."""
    ref = backend_ref("qrt-test", fake.CRN_OPEN, "ibm_manila")
    assert local_service.backend(ref).name == ref
    return ibm


def test_backend_refs_round_trip():
    crn = fake.CRN_OPEN
    ref = backend_ref("qrt-test", crn, "ibm_manila")
    assert ref == f"ibm:qrt-test:{crn}:ibm_manila"
    assert parse_backend_ref(ref) == ("qrt-test", crn, "ibm_manila")
    assert parse_backend_ref(ref[len("ibm:"):]) == ("qrt-test", crn, "ibm_manila")  # as the hook passes it
    assert parse_backend_ref(backend_ref("a:b", None, "x")) == ("a:b", None, "x")
    with pytest.raises(IBMInputValueError):
        parse_backend_ref("ibm:manila")


def test_make_backend_from_the_saved_account(network, saved_account, fake_cloud):
    ref = backend_ref(saved_account, fake.CRN_OPEN, "ibm_manila")
    backend = make_backend(ref)
    assert isinstance(backend, RunnableIBMBackend) and isinstance(backend, IBMBackend)
    assert backend.name == "ibm_manila" and backend.num_qubits == 5
    fake_cloud.auto_advance = True
    result = backend.run(bell(), shots=128, memory=True).result()
    counts = result.get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 128
    assert len(result.get_memory()) == 128


def test_make_backend_registers_in_the_runtime_hook(network, saved_account, fake_cloud):
    from qrt_jupyter.runtime import backends

    backend = backends.make_backend(backend_ref(saved_account, fake.CRN_OPEN, "ibm_nairobi"))
    assert backend.name == "ibm_nairobi"


def test_make_backend_without_that_saved_account(network, accounts_file):
    with pytest.raises(IBMAccountNotFoundError, match="named 'gone'"):
        make_backend(backend_ref("gone", fake.CRN_OPEN, "ibm_manila"))


@pytest.mark.slow
def test_run_an_uploaded_program_with_an_ibm_backend(runs_ibm_backends, fake_cloud, local_service):
    ibm = runs_ibm_backends
    fake_cloud.auto_advance = True
    program_id = ibm.upload_program(data=PROGRAM, metadata=METADATA)
    assert program_id in [p.program_id for p in ibm.programs()]
    job = ibm.run(program_id, {"shots": 64}, options={"backend_name": "ibm_manila"})
    assert type(job).__module__.startswith("qrt_jupyter.runtime")  # a local runtime job
    result = job.result(timeout=120)
    assert sum(result["backend_run"].values()) == 64 and set(result["backend_run"]) <= {"00", "11"}
    assert sum(result["sampler"].values()) == 64
    assert job.interim_results()[0]["backend"] == "ibm_manila"
    # its circuits went to IBM: two sampler jobs on ibm_manila
    submitted = [j for j in fake_cloud.jobs.values() if j.backend == "ibm_manila"]
    assert len(submitted) == 2 and {j.program_id for j in submitted} == {"sampler"}
    # the adapter finds the local job too
    assert ibm.job(job.job_id()).job_id() == job.job_id()


@pytest.mark.slow
def test_least_busy_ibm_device_for_an_uploaded_program(runs_ibm_backends, fake_cloud):
    ibm = runs_ibm_backends
    fake_cloud.auto_advance = True
    program_id = ibm.upload_program(data=PROGRAM, metadata=METADATA)
    job = ibm.run(program_id, {"shots": 16})
    result = job.result(timeout=120)
    assert sum(result["sampler"].values()) == 16
    assert {j.backend for j in fake_cloud.jobs.values()} == {"ibm_nairobi"}


def test_unknown_program(ibm):
    with pytest.raises(RuntimeProgramNotFound):
        ibm.run("no-such-program", {})


def test_accounts_file_the_workers_cannot_see(network, saved_account, accounts_file, local_service,
                                              monkeypatch):
    from qrt_jupyter.ibm import connect

    monkeypatch.delenv("QRT_IBM_ACCOUNTS_FILE")
    service = connect(account=saved_account, filename=accounts_file, local=local_service)
    program_id = service.upload_program(data=PROGRAM, metadata=METADATA)
    with pytest.raises(IBMInputValueError, match="QRT_IBM_ACCOUNTS_FILE="):
        service.run(program_id, {}, options={"backend_name": "ibm_manila"})


@pytest.mark.slow
def test_the_store_holds_a_reference_not_the_token(runs_ibm_backends, fake_cloud, local_service):
    ibm = runs_ibm_backends
    fake_cloud.auto_advance = True
    program_id = ibm.upload_program(data=PROGRAM, metadata=METADATA)
    ibm.run(program_id, {"shots": 8}, options={"backend_name": "ibm_manila"}).result(timeout=120)
    files = [p for p in Path(local_service.home).rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert fake.GOOD_KEY.encode() not in path.read_bytes(), path
    database = next(p for p in files if p.suffix == ".db")
    with sqlite3.connect(database) as db:
        (backend,) = db.execute("select backend from jobs").fetchone()
    assert backend == f"ibm:qrt-test:{fake.CRN_OPEN}:ibm_manila"
    assert json.dumps(backend)  # plain text, nothing secret in it
