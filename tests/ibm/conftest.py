"""Fixtures for the IBM adapter: the real client, a fake IBM Cloud on 127.0.0.1.

Only the network is replaced (see ``netredirect``): accounts are saved with the
client's own ``save_account`` into a temporary file, never ``~/.qiskit``.
"""

from __future__ import annotations

import os
import socket

import pytest

from support import runtime_on

from . import fake_ibm_cloud as fake
from . import netredirect
from .fake_ibm_cloud import save_account


@pytest.fixture
def fake_cloud():
    cloud = fake.FakeIBMCloud()
    cloud.start()
    yield cloud
    cloud.stop()


@pytest.fixture
def accounts_file(tmp_path, monkeypatch):
    """A private accounts file, announced to this process and to worker processes."""
    path = tmp_path / "qiskit-ibm.json"
    monkeypatch.setenv("QRT_IBM_ACCOUNTS_FILE", str(path))
    for var in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_URL", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(var, raising=False)
    # CloudAuth asks https://iam.cloud.ibm.com unless told otherwise: the client's own switch.
    monkeypatch.setenv("IAM_URL", fake.IAM_URL)
    return str(path)


@pytest.fixture
def network(fake_cloud, monkeypatch):
    """Route *.cloud.test to the fake server, here and in worker processes."""
    uninstall = netredirect.install(fake.DOMAIN, fake_cloud.port)
    monkeypatch.setenv(netredirect.ENV, f"{fake.DOMAIN}={fake_cloud.port}")
    site = os.path.join(os.path.dirname(__file__), "site")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")])))
    yield fake_cloud
    uninstall()


@pytest.fixture
def saved_account(accounts_file):
    save_account(accounts_file)
    return fake.ACCOUNT


@pytest.fixture
def local_service(tmp_path):
    with runtime_on(tmp_path / "qrt-home") as service:
        yield service


@pytest.fixture
def ibm(network, saved_account, local_service):
    from qrt_jupyter.ibm import connect

    service = connect(account=saved_account, local=local_service)
    yield service
    service.close()  # no polling round may outlive the test network


@pytest.fixture
def free_port():
    """A port on 127.0.0.1 where nothing listens: the 'server down' network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
