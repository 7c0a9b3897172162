"""The server process: start, stop, SIGKILL and restart, TLS, one home shared with a kernel, no secrets."""

from __future__ import annotations

import datetime
import json

import pytest
import requests

from support import wait_until

from .harness import ServerProcess, cli, create_token
from .streams import connect, read_all

SLEEPER = "def main(backend, user_messenger, seconds=60):\n    import time\n    time.sleep(seconds)\n"


def _session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _status(http, url: str, job_id: str) -> str:
    return http.get(f"{url}/jobs/{job_id}", timeout=30).json()["status"]


def test_sigkill_mid_job_then_restart_settles_every_job(tmp_path):
    """Kill -9 with one job running and one queued behind it; the next start fails the first
    (interrupted, saying so) and runs the second."""
    home = tmp_path / "home"
    token = create_token(home, "op", "manager")
    http = _session(token)
    server = ServerProcess(home, tmp_path / "logs")
    try:
        program = http.post(f"{server.url}/programs", json={"name": "sleeper", "data": SLEEPER,
                                                             "description": "sleeps", "max_execution_time": 120})
        running = http.post(f"{server.url}/jobs", json={"program_id": program.json()["id"],
                                                        "backend": "fake_armonk"}).json()["id"]
        wait_until(lambda: _status(http, server.url, running) == "Running", "_status(http, server.url, running) == 'Running'")
        queued = http.post(f"{server.url}/jobs", json={"program_id": "hello-world", "params": {"iterations": 1},
                                                       "backend": "fake_armonk"}).json()["id"]
        assert _status(http, server.url, queued) == "Queued"
    finally:
        server.kill()
    again = ServerProcess(home, tmp_path / "logs")
    try:
        wait_until(lambda: _status(http, again.url, running) == "Failed", "_status(http, again.url, running) == 'Failed'")
        job = http.get(f"{again.url}/jobs/{running}").json()
        assert job["state"]["reason"] == "interrupted" and "interrupted" in job["error"]
        wait_until(lambda: _status(http, again.url, queued) == "Completed", "_status(http, again.url, queued) == 'Completed'")
    finally:
        assert again.stop() == 0


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


def test_over_tls_a_kernel_shares_the_home_and_sigterm_settles_jobs(tmp_path):
    """https and wss with a self-signed certificate; a LocalRuntimeService on the server's home
    (as in a kernel) sees the server's jobs and the server sees the kernel's; SIGTERM ends the
    server with exit code 0 and no traceback, its running job marked interrupted, its queued job
    left for the next process (the kernel) to run."""
    import websocket

    from qrt_jupyter import LocalRuntimeService

    certfile, keyfile = _self_signed(tmp_path)
    home = tmp_path / "home"
    token = create_token(home, "op", "writer", "reader")
    http = _session(token)
    server = ServerProcess(home, tmp_path / "logs", "--certfile", str(certfile), "--keyfile", str(keyfile))
    kernel = LocalRuntimeService(home=home)
    try:
        assert server.url.startswith("https://127.0.0.1:")
        served = http.post(f"{server.url}/jobs", json={"program_id": "hello-world", "params": {"iterations": 2}},
                           verify=str(certfile)).json()["id"]
        ws = websocket.create_connection(server.ws_url + f"/stream/jobs/{served}",
                                         header=[f"Authorization: Bearer {token}"], timeout=120,
                                         sslopt={"ca_certs": str(certfile)})
        frames, code, _ = read_all(ws)
        assert code == 1000 and frames[-1]["status"] == "Completed"
        assert kernel.job(served).result(timeout=120) == "All done!"
        assert served in [j.job_id() for j in kernel.jobs(limit=10)]

        local = kernel.run("hello-world", {"iterations": 1})
        local.result(timeout=120)
        answer = http.get(f"{server.url}/jobs/{local.job_id()}/results", verify=str(certfile))
        assert answer.json() == "All done!"
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(server.url.replace("https", "http") + "/health", timeout=10)

        # SIGTERM with a job running and one queued behind it on the same device
        program = http.post(f"{server.url}/programs", verify=str(certfile), json={
            "name": "sleeper", "data": SLEEPER, "description": "sleeps", "max_execution_time": 120}).json()["id"]
        running = http.post(f"{server.url}/jobs", verify=str(certfile), json={
            "program_id": program, "backend": "fake_armonk"}).json()["id"]
        wait_until(lambda: kernel.job(running).status().name == "RUNNING", "kernel.job(running).status().name == 'RUNNING'")
        queued = http.post(f"{server.url}/jobs", verify=str(certfile), json={
            "program_id": "hello-world", "params": {"iterations": 1}, "backend": "fake_armonk"}).json()["id"]
        code = server.stop()
        assert code == 0
        assert "Traceback" not in server.output()
        listing = cli("token", "list", "--home", str(home)).stdout  # the stop wrote the last-use time
        assert listing.startswith("op\t") and "last used never" not in listing
        # the running job was settled as interrupted; the queued one runs in the next process: here
        assert kernel.job(running).status().name == "ERROR" and kernel.job(running).reason == "interrupted"
        assert kernel.job(queued).result(timeout=120) == "All done!"
    finally:
        kernel.close()
        server.stop()


def test_a_non_loopback_address_without_tls_warns(tmp_path):
    """192.0.2.1 (TEST-NET) is nobody's address: the warning comes, then a clear bind error."""
    done = cli("serve", "--home", str(tmp_path / "home"), "--host", "192.0.2.1", "--port", "0", check=False)
    assert "WARNING" in done.stderr and "without TLS" in done.stderr
    assert done.returncode != 0 and "cannot listen on 192.0.2.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_sampler_job_with_transpilation_through_the_server(server, clients):
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    params = json.loads(json.dumps({"circuits": bell, "shots": 2000}, cls=RuntimeEncoder))
    author = clients["author"]
    job = author.post("/jobs", json={"program_id": "sampler", "backend": "fake_manila", "params": params}).json()
    wait_until(lambda: author.get(f"/jobs/{job['id']}").json()["status"] in ("Completed", "Failed"), "author.get(f'/jobs/{job['id']}').json()['status'] in ('Completed', 'Failed')")
    result = json.loads(author.get(f"/jobs/{job['id']}/results").text, cls=RuntimeDecoder)
    quasi = result["quasi_dists"][0]
    assert 0.8 < sum(float(quasi.get(k, quasi.get(str(k), 0))) for k in (0, 3)) <= 1.0001
    assert author.get(f"/jobs/{job['id']}").json()["params"]["circuits"]["__type__"] == "QuantumCircuit"
