"""The client over https and wss, against a server with a self-signed certificate."""

import pytest
from qiskit_ibm_runtime import exceptions as ibm

from server.harness import ServerProcess, create_token
from server.test_lifecycle import _self_signed  # the server tests' certificate maker
from support import WAIT


def test_https_and_wss_with_the_servers_certificate(tmp_path):
    from qrt_jupyter import RemoteRuntimeService

    certfile, keyfile = _self_signed(tmp_path)
    home = tmp_path / "home"
    token = create_token(home, "ada", "writer", "reader")
    server = ServerProcess(home, tmp_path / "logs", "--certfile", str(certfile), "--keyfile", str(keyfile))
    try:
        assert server.url.startswith("https://")
        service = RemoteRuntimeService(server.url, token=token, verify=str(certfile))
        events = []
        job = service.run("hello-world", {"iterations": 2}, callback=lambda job_id, value: events.append(value))
        assert job.result(timeout=WAIT) == "All done!"  # waited for over wss
        assert len(job.interim_results()) == 2
        with pytest.raises(ibm.IBMRuntimeError, match="certificate verify failed.*verify="):
            RemoteRuntimeService(server.url, token=token).programs()  # the default trusts no self-signed cert
        service.close()
    finally:
        server.stop()
