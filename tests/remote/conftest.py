"""One real server per test session (starting one costs seconds: it imports qiskit).

The server subprocess and the token CLI come from the server's own test harness
(tests/server/harness.py), so both sides test against the server the same way.
"""

import pytest

from server.harness import ServerProcess, create_token

#: name -> roles of the tokens the client's tests use
TOKENS = {"writer": ("writer", "reader"), "reader": ("reader",), "writeonly": ("writer",)}


def start_server(home, logs) -> ServerProcess:
    """A server on ``home`` whose ``tokens`` attribute holds one token per entry of ``TOKENS``."""
    home.mkdir(parents=True, exist_ok=True)
    tokens = {name: create_token(home, name, *roles) for name, roles in TOKENS.items()}
    process = ServerProcess(home, logs)
    process.tokens = tokens
    return process


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    process = start_server(tmp_path_factory.mktemp("remote-home"), tmp_path_factory.mktemp("remote-logs"))
    yield process
    process.stop()


@pytest.fixture
def remote(server):
    """A RemoteRuntimeService with a writer+reader token."""
    from qrt_jupyter import RemoteRuntimeService

    service = RemoteRuntimeService(server.url, token=server.tokens["writer"])
    yield service
    service.close()
