"""IBM's own client (qiskit-ibm-runtime, unchanged) against a real server subprocess.

IBM's primitive examples -- a Bell SamplerV2, a <ZZ> EstimatorV2, a Session of
several jobs, a Batch -- run as written for IBM's service but for the service
construction (``qrt_jupyter.remote.ibm_client``). The requests the client really
sends are recorded at its own HTTP session and checked against the routes served.
"""

from __future__ import annotations

import warnings

import pytest
import requests

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SHOTS = 2000


@pytest.fixture(scope="module")
def recorded():
    """Every request of IBM's client in this module: (method, path, sorted query keys, body keys)."""
    from qiskit_ibm_runtime.api.session import RetrySession

    calls: list[tuple] = []
    original = RetrySession.request

    def record(self, method, url, *args, **kwargs):
        import json
        from urllib.parse import urlsplit

        body = kwargs.get("json")
        if body is None and isinstance(kwargs.get("data"), (str, bytes)):
            try:
                body = json.loads(kwargs["data"])
            except ValueError:
                body = None
        calls.append((method.upper(), urlsplit(self.base_url + url if url.startswith("/") else url).path,
                      tuple(sorted(kwargs.get("params") or ())), tuple(sorted(body)) if isinstance(body, dict)
                      else ()))
        return original(self, method, url, *args, **kwargs)

    RetrySession.request = record
    yield calls
    RetrySession.request = original


@pytest.fixture(scope="module")
def ibm(server, tokens, recorded):
    import os

    from qrt_jupyter.remote import ibm_client

    before = {name: os.environ.get(name) for name in ("IAM_URL", "QISKIT_FUNCTIONS_EXPERIMENTAL")}
    service = ibm_client(server.url, tokens["author"])
    # an IBM account opened later in this process must not send its key to the local server
    assert {name: os.environ.get(name) for name in before} == before
    return service


@pytest.fixture(scope="module")
def manila(ibm):
    return ibm.backend("fake_manila")


def bell():
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return qc


def isa(circuit, backend):
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

    return generate_preset_pass_manager(backend=backend, optimization_level=1).run(circuit)


def test_backend_target_is_the_fake_devices(manila):
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    fake = FakeManilaV2()
    assert manila.num_qubits == 5
    assert set(manila.target.operation_names) >= {"cx", "rz", "sx", "x", "measure"}
    assert sorted(manila.coupling_map.get_edges()) == sorted(fake.coupling_map.get_edges())
    assert manila.target["cx"][(0, 1)].error == pytest.approx(fake.target["cx"][(0, 1)].error)
    assert manila.target["measure"][(2,)].error == pytest.approx(fake.target["measure"][(2,)].error)
    assert manila.status().operational


def test_bell_sampler_v2(ibm, manila, server, tokens):
    from qiskit_ibm_runtime import SamplerV2 as Sampler

    sampler = Sampler(mode=manila)
    job = sampler.run([isa(bell(), manila)], shots=SHOTS)
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == SHOTS
    assert counts.get("00", 0) + counts.get("11", 0) > 0.8 * SHOTS
    assert counts.get("01", 0) + counts.get("10", 0) > 0  # the device's noise, not an ideal simulator
    assert job.status() == "DONE"
    # the same job in the old API's GET /jobs and in a LocalRuntimeService on the server's home
    listed = requests.get(server.url + "/jobs", headers={"Authorization": f"Bearer {tokens['author']}"},
                          params={"limit": 50}, timeout=60).json()["jobs"]
    assert job.job_id() in [j["id"] for j in listed]
    again = ibm.job(job.job_id())
    assert again.result()[0].data.meas.get_counts() == counts
    assert job.job_id() in [j.job_id() for j in ibm.jobs(limit=20)]
    assert job.metrics()["timestamps"]["created"]


def test_zz_estimator_v2(manila):
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2 as Estimator

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    circuit = isa(qc, manila)
    observables = [SparsePauliOp(p).apply_layout(circuit.layout) for p in ("ZZ", "XX", "ZI")]
    estimator = Estimator(mode=manila)
    estimator.options.default_shots = 4000
    result = estimator.run([(circuit, observables)]).result()
    zz, xx, zi = result[0].data.evs
    assert 0.7 < zz <= 1.0 and 0.6 < xx <= 1.0 and abs(zi) < 0.15
    assert len(result[0].data.stds) == 3
    assert result[0].metadata["target_precision"] == pytest.approx(1 / 4000 ** 0.5)  # default_shots applied


def test_sampler_options_reach_the_primitive(manila):
    from qiskit_ibm_runtime import SamplerV2 as Sampler

    sampler = Sampler(mode=manila)
    sampler.options.default_shots = 123
    sampler.options.simulator.seed_simulator = 42
    first = sampler.run([isa(bell(), manila)]).result()[0].data.meas.get_counts()
    again = sampler.run([isa(bell(), manila)]).result()[0].data.meas.get_counts()
    assert sum(first.values()) == 123 and first == again  # the seed makes the noisy counts repeat


def test_session_of_several_jobs(ibm, manila, server, home):
    from qiskit_ibm_runtime import SamplerV2 as Sampler, Session

    with Session(backend=manila) as session:
        sampler = Sampler(mode=session)
        jobs = [sampler.run([isa(bell(), manila)], shots=500) for _ in range(3)]
        results = [job.result() for job in jobs]
        assert session.details()["state"] == "active"
        session_id = session.session_id
    assert all(sum(r[0].data.meas.get_counts().values()) == 500 for r in results)
    assert {job.session_id for job in jobs} == {session_id}
    details = ibm._active_api_client.session_details(session_id)
    assert details["accepting_jobs"] is False
    assert sorted(details["jobs"]) == sorted(job.job_id() for job in jobs)


def test_batch(manila):
    from qiskit_ibm_runtime import Batch, SamplerV2 as Sampler

    with Batch(backend=manila) as batch:
        sampler = Sampler(mode=batch)
        jobs = [sampler.run([isa(bell(), manila)], shots=300) for _ in range(2)]
        assert all(sum(job.result()[0].data.meas.get_counts().values()) == 300 for job in jobs)
        assert batch.details()["mode"] == "batch"


def test_cancel_logs_delete(ibm, manila):
    from qiskit_ibm_runtime import SamplerV2 as Sampler
    from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

    job = Sampler(mode=manila).run([isa(bell(), manila)] * 20, shots=20000)
    job.cancel()
    job.wait_for_final_state()
    assert job.status() in ("CANCELLED", "DONE")  # it may have finished before the cancel arrived
    assert isinstance(job.logs(), str)
    ibm.delete_job(job.job_id())
    with pytest.raises(RuntimeJobNotFound):
        ibm.job(job.job_id())


def test_session_cancel(ibm, manila):
    from qiskit_ibm_runtime import SamplerV2 as Sampler, Session

    session = Session(backend=manila)
    job = Sampler(mode=session).run([isa(bell(), manila)] * 20, shots=20000)
    session.cancel()
    job.wait_for_final_state()
    assert job.status() in ("CANCELLED", "DONE")
    assert ibm._active_api_client.session_details(session.session_id)["state"] == "closed"


def test_reader_cannot_submit(server, tokens, manila):
    from qiskit_ibm_runtime import SamplerV2 as Sampler
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError
    from qrt_jupyter.remote import ibm_client

    reader = ibm_client(server.url, tokens["reader"])
    backend = reader.backend("fake_manila")
    with pytest.raises(IBMRuntimeError, match="lacks the permission job.create"):
        Sampler(mode=backend).run([isa(bell(), backend)])


def test_unknown_backend(ibm):
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    with pytest.raises(QiskitBackendNotFoundError):
        ibm.backend("fake_manla")


def test_ibm_client_needs_a_token_and_a_url(monkeypatch):
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    from qrt_jupyter.remote import ibm_client

    monkeypatch.delenv("QRT_TOKEN", raising=False)
    with pytest.raises(IBMInputValueError, match="needs a token"):
        ibm_client("http://127.0.0.1:1")
    with pytest.raises(IBMInputValueError, match="http"):
        ibm_client("127.0.0.1:8765", "qrt_000000000000_" + "x" * 43)


def test_iam_exchange(server, tokens):
    """The API-key exchange IBM's client does: a JWT for a good token, IAM's error shape for a bad one."""
    grant = "urn:ibm:params:oauth:grant-type:apikey"
    good = requests.post(server.url + "/identity/token", data={"grant_type": grant, "apikey": tokens["reader"]},
                         timeout=60)
    assert good.status_code == 200 and good.json()["token_type"] == "Bearer"
    access = good.json()["access_token"]
    assert access.count(".") == 2 and tokens["reader"] not in access
    listed = requests.get(server.url + "/api/v1/backends", headers={"Authorization": f"Bearer {access}"},
                          timeout=60)
    assert "fake_manila" in [d["name"] for d in listed.json()["devices"]]
    refused = requests.post(server.url + "/api/v1/jobs", headers={"Authorization": f"Bearer {access}"},
                            json={"program_id": "sampler", "backend": "fake_manila", "params": {}}, timeout=60)
    assert refused.status_code == 403 and "job.create" in refused.json()["error"]["message"]
    bad = requests.post(server.url + "/identity/token",
                        data={"grant_type": grant, "apikey": "qrt_000000000000_" + "x" * 43}, timeout=60)
    assert bad.status_code == 400 and "invalid or revoked" in bad.json()["errorMessage"]
    forged = access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB")
    assert requests.get(server.url + "/api/v1/backends", headers={"Authorization": f"Bearer {forged}"},
                        timeout=60).status_code == 401


def test_executor_sampler_is_refused_clearly(manila):
    """0.51's default ``Sampler`` is still the V2 primitive; its client-side executor Sampler
    (program ``executor``, a ``quantum_program`` payload) gets one error naming what is not served."""
    import qiskit_ibm_runtime
    from qiskit_ibm_runtime.exceptions import IBMRuntimeError
    from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler

    assert qiskit_ibm_runtime.Sampler is qiskit_ibm_runtime.SamplerV2
    with pytest.raises(IBMRuntimeError, match="Executor .*is not served yet; use SamplerV2 or EstimatorV2"):
        ExecutorSampler(mode=manila).run([isa(bell(), manila)], shots=100)


def test_watch_is_live(manila):
    from qiskit_ibm_runtime import SamplerV2 as Sampler
    from support import wait_until

    from qrt_jupyter import watch

    job = Sampler(mode=manila).run([isa(bell(), manila)], shots=100)
    widget = watch(job)
    assert widget.job_id == job.job_id()
    wait_until(lambda: widget.status == "DONE", "the widget of IBM's RuntimeJobV2 to show DONE")


def test_recorded_routes_are_served(recorded):
    """Last: what the client sent in this module, route by route, is what the server serves."""
    from starlette.routing import Match

    from qrt_jupyter.server.ibm_api import ROUTES

    def served(method: str, path: str) -> bool:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        return any(route.matches(scope)[0] == Match.FULL for route in ROUTES)

    assert recorded, "IBM's client sent nothing"
    routes = {(m, p) for m, p, _, _ in recorded}
    assert {m for m, _ in routes} >= {"GET", "POST", "PATCH", "DELETE"}
    unserved = sorted(r for r in routes if not served(*r))
    assert unserved == []
    submits = [body for m, p, _, body in recorded if m == "POST" and p == "/api/v1/jobs"]
    assert submits and all({"program_id", "params", "backend"} <= set(b) for b in submits)
    assert any("session_id" in b for b in submits)
    assert ("POST", "/api/v1/sessions") in routes and ("GET", "/api/v1/instances/usage") in routes


def test_serve_prints_the_recipe_and_it_connects(server, tokens, monkeypatch):
    """The lines ``serve`` printed, run as printed (TOKEN and the environment filled in)."""
    import re

    from qiskit_ibm_runtime import QiskitRuntimeService

    out = server.output()
    env = re.search(r"environment IAM_URL=(\S+) QISKIT_FUNCTIONS_EXPERIMENTAL=1", out)
    call = re.search(r"(QiskitRuntimeService\(.*?\))\n  or:", out, re.S)
    assert env and call and env.group(1) == server.url
    assert f'qrt_jupyter.remote.ibm_client("{server.url}")' in out
    monkeypatch.setenv("IAM_URL", env.group(1))
    monkeypatch.setenv("QISKIT_FUNCTIONS_EXPERIMENTAL", "1")
    service = eval(call.group(1), {"QiskitRuntimeService": QiskitRuntimeService, "TOKEN": tokens["reader"]})
    assert "fake_manila" in [b.name for b in service.backends(name="fake_manila")]



def _cancel_unless_final(job) -> None:
    """Cancel a job still running; one that ends between the check and the cancel is fine
    (the server answers 409, which the client raises)."""
    from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

    if job.status() not in ("DONE", "CANCELLED", "ERROR"):
        try:
            job.cancel()
        except RuntimeInvalidStateError:
            pass


def test_status_has_the_real_queue_length(manila):
    from qiskit_ibm_runtime import SamplerV2 as Sampler
    from support import wait_until

    sampler = Sampler(mode=manila)
    jobs = [sampler.run([isa(bell(), manila)] * 10, shots=20000) for _ in range(3)]
    try:  # one job runs at a time on a device: the others wait in its queue
        wait_until(lambda: manila.status().pending_jobs >= 1, "fake_manila's status to count waiting jobs")
    finally:
        for job in jobs:
            _cancel_unless_final(job)
        for job in jobs:
            job.wait_for_final_state()
    wait_until(lambda: manila.status().pending_jobs == 0, "fake_manila's queue to drain")


def test_session_jobs_get_the_schedulers_session_priority(manila):
    """A session's job overtakes jobs that were queued before it on the same device."""
    from qiskit_ibm_runtime import SamplerV2 as Sampler, Session
    from support import wait_until

    sampler = Sampler(mode=manila)
    big = [isa(bell(), manila)] * 10
    running = sampler.run(big, shots=20000)
    waiting = [sampler.run(big, shots=20000) for _ in range(2)]
    wait_until(lambda: running.status() == "RUNNING" or manila.status().pending_jobs >= 2,
               "the first job to hold the device")
    with Session(backend=manila) as session:
        urgent = Sampler(mode=session).run([isa(bell(), manila)], shots=100)
        urgent.result()
        assert any(job.status() != "DONE" for job in waiting), "both earlier jobs ran before the session's"
    for job in (running, *waiting):
        _cancel_unless_final(job)
        job.wait_for_final_state()
