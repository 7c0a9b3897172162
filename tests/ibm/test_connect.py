"""connect(): saved accounts, channels, instances, and the one-line errors."""

from __future__ import annotations

import contextlib
import logging

import pytest
from qiskit_ibm_runtime.exceptions import IBMAccountError

from qrt_jupyter.ibm import (
    IBMAccountNotFoundError,
    IBMAuthenticationError,
    IBMConnectionError,
    IBMNetworkError,
    IBMService,
    connect,
)

from . import fake_ibm_cloud as fake
from . import netredirect
from .fake_ibm_cloud import ACCOUNT, save_account

MAX_CONNECTIONS = 6
"""Connections one failing call may open: a first try and the client's own few retries.

Errors must come at once, not after a retry loop. That is counted at the socket
rather than timed: the count does not depend on how busy the machine is."""


@contextlib.contextmanager
def counted_connections():
    """Every connection the client opens meanwhile (its address), counted at the socket."""
    import urllib3.util.connection as connection

    inner = connection.create_connection  # netredirect's, when the test network is up
    attempts = []

    def counted(address, *args, **kwargs):
        attempts.append(address)
        return inner(address, *args, **kwargs)

    connection.create_connection = counted
    try:
        yield attempts
    finally:
        connection.create_connection = inner


def connect_error(expected, **kwargs):
    with counted_connections() as attempts, pytest.raises(expected) as info:
        connect(**kwargs)
    message = str(info.value)
    assert "\n" not in message and message == message.strip()
    assert isinstance(info.value, IBMAccountError)  # client code catching the client's class still works
    assert len(attempts) <= MAX_CONNECTIONS, attempts
    return message


def test_connect_with_saved_account_by_name(network, saved_account):
    service = connect(account=saved_account)
    assert isinstance(service, IBMService)
    assert service.channel == "ibm_quantum_platform"
    assert service.account == ACCOUNT
    assert service.instance == fake.CRN_OPEN
    assert service.instance_name == "qrt-open"
    assert service.description == "IBM Quantum (ibm_quantum_platform, account 'qrt-test', instance qrt-open)"


def test_connect_default_account_finds_its_name(network, saved_account):
    service = connect()
    assert service.account == ACCOUNT  # so worker processes can load the same account by name


def test_connect_by_channel(network, accounts_file):
    save_account(accounts_file, name=None, channel="ibm_cloud", set_as_default=False)
    service = connect(channel="ibm_cloud")
    assert service.channel == "ibm_cloud"
    assert service.account == "default-ibm-cloud"


def test_instance_by_name_overrides_the_saved_one(network, saved_account):
    service = connect(account=saved_account, instance="qrt-premium")
    assert service.instance == fake.CRN_PREMIUM
    assert [b.name for b in service.backends()] == ["ibm_lima"]


def test_account_without_instance_picks_one_quietly(network, accounts_file, caplog):
    save_account(accounts_file, instance=None)
    with caplog.at_level(logging.WARNING):
        service = connect()
        names = {b.name for b in service.backends()}
    assert {"ibm_manila", "ibm_nairobi", "ibm_lima"} <= names
    assert not [r for r in caplog.records if r.name.startswith("qiskit_ibm_runtime")]


def test_no_saved_account_says_how_to_save_one(network, accounts_file):
    message = connect_error(IBMAccountNotFoundError)
    assert "No IBM Quantum account is saved" in message
    assert "QiskitRuntimeService.save_account(" in message and "token=" in message
    assert accounts_file in message


def test_unknown_account_name_lists_the_saved_ones(network, saved_account):
    message = connect_error(IBMAccountNotFoundError, account="work")
    assert "named 'work'" in message and "Saved accounts: qrt-test" in message
    assert "save_account(name='work'" in message


def test_no_account_for_channel(network, saved_account):
    # the saved one is ibm_quantum_platform and not named like a channel default
    message = connect_error(IBMAccountNotFoundError, channel="ibm_cloud")
    assert "channel 'ibm_cloud'" in message and "save_account(channel='ibm_cloud'" in message


def test_unknown_channel(network, saved_account):
    message = connect_error(IBMConnectionError, channel="ibm_quantum")
    assert "ibm_quantum_platform, ibm_cloud" in message


def test_refused_token(network, accounts_file):
    save_account(accounts_file, token="revoked-key-0123456789abcdef")
    message = connect_error(IBMAuthenticationError)
    assert "refused the API key" in message and "HTTP 400" in message
    assert "overwrite=True" in message
    assert "network" not in message.lower()
    assert "revoked-key" not in message


def test_instance_not_in_account(network, saved_account):
    message = connect_error(IBMConnectionError, account=saved_account,
                            instance="crn:v1:bluemix:public:quantum-computing:us-east:a/other:x::")
    assert "not available to account 'qrt-test'" in message


def test_network_down_server_not_listening(fake_cloud, saved_account, free_port):
    uninstall = netredirect.install(fake.DOMAIN, free_port)
    try:
        message = connect_error(IBMNetworkError)
    finally:
        uninstall()
    assert "Cannot reach IBM Cloud" in message and "connection refused" in message
    assert "API key was not checked" in message
    assert "token" not in message.lower()


def test_network_down_no_dns(fake_cloud, saved_account):
    uninstall = netredirect.install(fake.DOMAIN, None)
    try:
        message = connect_error(IBMNetworkError)
    finally:
        uninstall()
    assert "name resolution failed" in message


@pytest.mark.slow
def test_server_gone_after_connecting(ibm, fake_cloud):
    fake_cloud.stop()  # closes its keep-alive connections too
    for call in (ibm.backends, ibm.jobs, ibm.least_busy):
        with counted_connections() as attempts:
            with pytest.raises(IBMNetworkError, match=r"Cannot reach IBM Quantum \(.*connection refused\)"):
                call()
        assert 1 <= len(attempts) <= MAX_CONNECTIONS, attempts  # the client retries a refused connection, then gives up


def test_refused_token_and_network_down_differ(network, accounts_file, free_port):
    """The client says "check that you are using a valid API token" in both cases; we do not."""
    save_account(accounts_file, token="revoked-key-0123456789abcdef")
    refused = connect_error(IBMAuthenticationError)
    uninstall = netredirect.install(fake.DOMAIN, free_port)
    try:
        down = connect_error(IBMNetworkError)
    finally:
        uninstall()
    assert refused != down
