"""The API key never shows: not in output, reprs, logs, errors, widgets or our store."""

from __future__ import annotations

import logging

import pytest

from qrt_jupyter.ibm import IBMAuthenticationError, IBMNetworkError, connect

from . import fake_ibm_cloud as fake
from . import netredirect
from .fake_ibm_cloud import save_account
from support import bell


KEY = fake.GOOD_KEY


@pytest.fixture
def debug_logs(caplog):
    """Everything every logger says, at DEBUG (the IBM Cloud SDK then traces HTTP too)."""
    import http.client

    # The SDK switches http.client tracing on process-wide when it sees DEBUG; undo it after.
    saved = http.client.HTTPConnection.debuglevel, getattr(http.client, "print", None)
    caplog.set_level(logging.DEBUG)
    yield caplog
    http.client.HTTPConnection.debuglevel = saved[0]
    if saved[1] is None:
        http.client.__dict__.pop("print", None)
    else:
        http.client.print = saved[1]


def test_a_whole_session_never_shows_the_key(network, saved_account, local_service, fake_cloud,
                                             debug_logs, capfd):
    service = connect(account=saved_account, local=local_service)
    texts = [repr(service), str(service), service.description, repr(vars(service))]
    backends = service.backends()
    texts += [repr(backends), repr(service.least_busy()), backends[0].ref]
    job = service.run("sampler", {"circuits": bell(), "shots": 16})
    fake_cloud.auto_advance = True
    texts += [repr(job), repr(job.result()), job.logs(), repr(job.metrics()), repr(service.jobs())]

    from qrt_jupyter.monitor import monitor_job

    monitor = monitor_job(job)
    monitor.wait(30)
    texts.append(repr(monitor.snapshot))
    monitor.stop()

    from qrt_jupyter.widgets import watch

    widget = watch(job)
    texts.append(repr(widget.get_state()))

    out, err = capfd.readouterr()
    texts += [out, err, debug_logs.text]
    texts += [r.getMessage() for r in debug_logs.records]
    assert "Bearer" in debug_logs.text or fake_cloud.requests  # we really did talk to the server
    for text in texts:
        assert KEY not in text


def test_errors_never_show_the_key(network, accounts_file, debug_logs, capfd, fake_cloud):
    wrong = "qrt-wrong-APIKEY-0000aaaa1111bbbb"
    save_account(accounts_file, token=wrong)
    with pytest.raises(IBMAuthenticationError) as refused:
        connect()
    fake_cloud.stop()
    save_account(accounts_file, token=KEY, name="other")
    with pytest.raises(IBMNetworkError) as down:
        connect(account="other")
    out, err = capfd.readouterr()
    for secret in (wrong, KEY):
        for text in (str(refused.value), repr(refused.value), str(down.value), repr(down.value),
                     out, err, debug_logs.text):
            assert secret not in text


def test_the_key_reaches_only_iam(network, saved_account, fake_cloud):
    """The key goes to the IAM token exchange, nowhere else, in no URL or header."""
    service = connect(account=saved_account)
    service.backends()
    for (method, host, path, headers), body in zip(fake_cloud.requests, fake_cloud.bodies):
        if host == f"iam.{fake.DOMAIN}" and path == "/identity/token":
            continue
        assert KEY not in path and KEY not in repr(headers) and KEY.encode() not in body, (host, path)
    iam = [b for (m, h, p, _), b in zip(fake_cloud.requests, fake_cloud.bodies) if p == "/identity/token"]
    assert iam and all(KEY.encode() in b for b in iam)


def test_network_down_sends_no_key(fake_cloud, saved_account, free_port):
    """The reachability probe asks before the key is sent anywhere."""
    uninstall = netredirect.install(fake.DOMAIN, free_port)
    try:
        with pytest.raises(IBMNetworkError):
            connect()
    finally:
        uninstall()
    assert fake_cloud.requests == []
