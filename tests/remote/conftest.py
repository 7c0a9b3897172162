"""One real server per test session (starting one costs seconds: it imports qiskit)."""

import pytest

from server_process import start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    import importlib.util
    import os

    if importlib.util.find_spec("qrt_jupyter.server") is None and not os.environ.get("DEV_SERVER_PATH"):
        pytest.skip("until wt-server is merged")  # TEMPORARY: removed at the merge
    process = start_server(tmp_path_factory.mktemp("server-home"))
    yield process
    process.stop()


@pytest.fixture
def remote(server):
    """A RemoteRuntimeService with a writer+reader token."""
    from qrt_jupyter import RemoteRuntimeService

    service = RemoteRuntimeService(server.url, token=server.tokens["writer"])
    yield service
    service.close()
