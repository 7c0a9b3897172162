"""RemoteRuntimeService against a real server: the LocalRuntimeService API, the same errors."""

import socket

import pytest
from qiskit.providers import JobStatus
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import exceptions as ibm

from support import WAIT, bell

PROGRAM = '''
def main(backend, user_messenger, **kwargs):
    """Publishes its input back, then returns it doubled."""
    user_messenger.publish({"got": kwargs.get("x", 0)})
    return 2 * kwargs.get("x", 0)
'''
METADATA = {
    "name": "doubler",
    "description": "doubles x",
    "max_execution_time": 60,
    "spec": {"parameters": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
}


def test_programs_and_backends_read_like_the_local_service(remote):
    ids = [p.program_id for p in remote.programs()]
    assert ids[:4] == ["hello-world", "sampler", "estimator", "circuit-runner"]
    sampler = remote.program("sampler")
    assert sampler.is_builtin and "circuits" in sampler.parameters["properties"]
    names = [b.name for b in remote.backends()]
    assert "ibmq_qasm_simulator" in names and "fake_manila" in names
    manila = remote.backend("fake_manila")
    assert manila.num_qubits == 5 and manila.status().operational
    assert manila.status().pending_jobs >= 0
    assert remote.least_busy(min_num_qubits=5).num_qubits >= 5
    assert remote.backends(simulator=True)[0].name == "ibmq_qasm_simulator"


def test_upload_run_update_delete_an_uploaded_program(remote):
    program_id = remote.upload_program(PROGRAM, metadata=METADATA)
    try:
        assert remote.program(program_id).name == "doubler"
        job = remote.run(program_id, {"x": 21})
        assert job.result(timeout=WAIT) == 42
        assert job.interim_results() == [{"got": 21}]
        with pytest.raises(ibm.IBMInputValueError, match="x"):
            remote.run(program_id, {"x": "not a number"})
        remote.update_program(program_id, data=PROGRAM.replace("2 * kwargs", "3 * kwargs"),
                              description="triples x")
        assert remote.program(program_id).description == "triples x"
        assert remote.run(program_id, {"x": 2}).result(timeout=WAIT) == 6
        assert remote.upload_or_update_program(PROGRAM, metadata=METADATA) == program_id
        assert remote.run(program_id, {"x": 2}).result(timeout=WAIT) == 4
        with pytest.raises(ibm.IBMInputValueError, match="exists"):
            remote.upload_program(PROGRAM, metadata=METADATA)
    finally:
        remote.delete_program(program_id)
    with pytest.raises(ibm.RuntimeProgramNotFound):
        remote.program(program_id)


def test_unknown_names_raise_the_client_classes_with_the_servers_hint(remote):
    with pytest.raises(ibm.RuntimeProgramNotFound, match="samplr"):
        remote.run("samplr", {"circuits": bell()})
    with pytest.raises(ibm.RuntimeJobNotFound, match="no-such-job"):
        remote.job("no-such-job")
    with pytest.raises(QiskitBackendNotFoundError, match="fake_manila"):
        remote.backend("fake_manlia")
    with pytest.raises(ibm.IBMInputValueError, match="fake_manila"):
        remote.run("sampler", {"circuits": bell()}, options={"backend_name": "fake_manlia"})
    with pytest.raises(ibm.IBMInputValueError, match="shots"):
        remote.run("sampler", {"circuits": bell(), "shots": "many"})


def test_jobs_list_and_filter_across_clients(remote, server):
    from qrt_jupyter import RemoteRuntimeService

    other = RemoteRuntimeService(server.url, token=server.tokens["writer"])
    job = other.run("hello-world", {"iterations": 1}, options={"backend_name": "fake_manila"})
    job.wait_for_final_state(WAIT)
    listed = remote.jobs(limit=50, backend_name="fake_manila")
    assert job.job_id() in [j.job_id() for j in listed]
    assert all(j.backend_name == "fake_manila" for j in listed)
    done = remote.jobs(limit=3, status="DONE")
    assert done and all(j.status() is JobStatus.DONE for j in done)
    assert not [j for j in remote.jobs(limit=50, pending=True) if j.job_id() == job.job_id()]
    other.close()


def test_sessions_and_session_jobs(remote):
    session_id = remote.open_session("ibmq_qasm_simulator", max_time=600)
    job = remote.run("hello-world", {"iterations": 1}, options={"session_id": session_id})
    assert job.session_id == session_id and job.backend_name == "ibmq_qasm_simulator"
    job.wait_for_final_state(WAIT)
    details = remote.session_details(session_id)
    assert details["state"] == "open" and job.job_id() in details["jobs"]
    assert [j.job_id() for j in remote.jobs(session_id=session_id)] == [job.job_id()]
    assert session_id in [s["id"] for s in remote.sessions(limit=50)]
    remote.close_session(session_id)
    assert remote.session_details(session_id)["state"] == "closed"
    with pytest.raises(ibm.RuntimeInvalidStateError):
        remote.run("hello-world", {"iterations": 1}, options={"session_id": session_id})


def test_session_and_sampler_run_on_the_remote_service(remote):
    from qrt_jupyter import Sampler, Session

    with Session(service=remote, backend="ibmq_qasm_simulator") as session:
        sampler = Sampler(session=session)
        job = sampler.run(circuits=bell(), shots=200)
        result = job.result(timeout=WAIT)
        assert sum(result.quasi_dists[0].values()) == pytest.approx(1.0)
        assert set(result.quasi_dists[0]) <= {0, 3}
        assert job.session_id == session.session_id
    assert remote.session_details(session.session_id)["state"] == "closed"


def test_a_sampler_on_a_remote_backend_uses_that_service(remote):
    from qrt_jupyter import Sampler

    sampler = Sampler(backend=remote.backend("ibmq_qasm_simulator"))
    job = sampler.run(circuits=bell(), shots=100)
    assert job.job_id() in [j.job_id() for j in remote.jobs(limit=20)]
    assert set(job.result(timeout=WAIT).quasi_dists[0]) <= {0, 3}


def test_roles_are_the_servers(server):
    from qrt_jupyter import RemoteRuntimeService

    reader = RemoteRuntimeService(server.url, token=server.tokens["reader"])
    assert reader.programs()
    with pytest.raises(ibm.IBMNotAuthorizedError, match="job.create"):
        reader.run("hello-world", {"iterations": 1})
    with pytest.raises(ibm.IBMNotAuthorizedError):
        RemoteRuntimeService(server.url, token="qrt_not_a_token").programs()
    with pytest.raises(ibm.IBMNotAuthorizedError, match="QRT_TOKEN"):
        RemoteRuntimeService(server.url, token="").programs()


def test_no_server_at_the_url_is_one_clear_line():
    from qrt_jupyter import RemoteRuntimeService

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(ConnectionError) as caught:
        RemoteRuntimeService(url, token="t").programs()
    assert isinstance(caught.value, ibm.IBMRuntimeError)
    assert str(caught.value) == f"no qrt-runtime server at {url}: start one with `qrt-runtime serve`"


def test_the_token_never_reaches_output_or_the_servers_log(server, remote, capsys):
    remote.pprint_programs()
    job = remote.run("hello-world", {"iterations": 1})
    job.result(timeout=WAIT)
    text = capsys.readouterr().out + repr(remote) + repr(job) + str(vars(job))
    assert server.tokens["writer"] not in text
    assert server.tokens["writer"] not in server.output()


def test_jobs_without_a_limit_reads_every_page(remote):
    jobs = [remote.run("hello-world", {"iterations": 0}, options={"backend_name": "ibmq_qasm_simulator"})
            for _ in range(3)]
    for job in jobs:
        job.wait_for_final_state(WAIT)
    everything = remote.jobs(limit=None)
    assert len(everything) >= 3 and len(everything) == len({j.job_id() for j in everything})
    assert [j.job_id() for j in everything[:3]] == [j.job_id() for j in reversed(jobs)]
    assert [j.job_id() for j in remote.jobs(limit=2, skip=1)] == [j.job_id() for j in everything[1:3]]
