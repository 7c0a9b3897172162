"""The client's pure parts: the server's error answers and stream messages as client objects.

These need no server: they check the one mapping that every remote call goes through, so a
404 about a job is ``RuntimeJobNotFound`` wherever it comes from (tests against a real server
are in the other modules of this folder).
"""

import pytest
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import exceptions as ibm

from qrt_jupyter.remote.events import event_from
from qrt_jupyter.remote.http import error_for, server_unavailable, ws_url
from qrt_jupyter.remote.streams import StreamClosed, stream_error


@pytest.mark.parametrize(
    "resource, code, cls",
    [
        ("program", 404, ibm.RuntimeProgramNotFound),
        ("job", 404, ibm.RuntimeJobNotFound),
        ("backend", 404, QiskitBackendNotFoundError),
        ("backend", 404, ibm.IBMInputValueError),
        ("session", 404, ibm.IBMInputValueError),
        ("job", 409, ibm.RuntimeInvalidStateError),
        ("session", 409, ibm.RuntimeInvalidStateError),
        ("program", 409, ibm.IBMInputValueError),
        ("", 400, ibm.IBMInputValueError),
        ("", 413, ibm.IBMInputValueError),
        ("job", 401, ibm.IBMNotAuthorizedError),
        ("job", 403, ibm.IBMNotAuthorizedError),
        ("", 503, ibm.IBMRuntimeError),
        ("", 500, ibm.IBMRuntimeError),
    ],
)
def test_error_answers_become_the_client_classes(resource, code, cls):
    error = error_for(resource, code, "the server's message")
    assert isinstance(error, cls)
    assert "the server's message" in str(error)


@pytest.mark.parametrize(
    "message, cls",
    [
        ("Unknown program 'backend-test'. GET /programs lists them.", ibm.RuntimeProgramNotFound),
        ("Unknown backend 'fake_manla'. Did you mean 'fake_manila'?", QiskitBackendNotFoundError),
        ("Unknown session 'abc'. GET /sessions lists them.", ibm.IBMInputValueError),
    ],
)
def test_a_404_of_a_submission_is_about_what_its_message_names_first(message, cls):
    assert isinstance(error_for("submit", 404, message), cls)


def test_401_without_a_token_says_how_to_give_one():
    assert "set QRT_TOKEN" in str(error_for("job", 401, "no token", anonymous=True))
    assert "QRT_TOKEN" not in str(error_for("job", 401, "unknown token", anonymous=False))


def test_no_server_is_one_line_naming_the_url():
    error = server_unavailable("http://127.0.0.1:1")
    assert isinstance(error, ibm.IBMRuntimeError) and isinstance(error, ConnectionError)
    assert str(error) == "no qrt-runtime server at http://127.0.0.1:1: start one with `qrt-runtime serve`"


def test_stream_close_codes_are_the_http_errors():
    assert isinstance(stream_error(StreamClosed(4404, "Unknown job 'x'."), "job", "http://h"), ibm.RuntimeJobNotFound)
    assert isinstance(stream_error(StreamClosed(4403, "lacks job.read"), "job", "http://h"), ibm.IBMNotAuthorizedError)
    assert isinstance(stream_error(ConnectionRefusedError(), "job", "http://h"), ConnectionError)


def test_stream_urls_follow_the_scheme():
    assert ws_url("http://127.0.0.1:8765", "/stream/events") == "ws://127.0.0.1:8765/stream/events"
    assert ws_url("https://lab.example/qrt/", "/stream/jobs/j1") == "wss://lab.example/qrt/stream/jobs/j1"


def test_service_events_are_job_events():
    status = event_from({"type": "status", "job_id": "j1", "status": "Completed"})
    assert (status.job_id, status.kind, status.data) == ("j1", "status", "DONE")
    queue = event_from({"type": "queue", "job_id": "j1", "position": 2})
    assert (queue.kind, queue.data) == ("queue", 2)
    backends = event_from({"type": "backends", "pending": {"fake_manila": 3}})
    assert (backends.job_id, backends.kind, backends.data) == ("", "backends", {"fake_manila": 3})
    assert event_from({"type": "something-new"}) is None


def test_the_service_needs_a_url(monkeypatch):
    from qrt_jupyter import RemoteRuntimeService

    monkeypatch.delenv("QRT_URL", raising=False)
    with pytest.raises(ibm.IBMInputValueError, match="QRT_URL"):
        RemoteRuntimeService()
    with pytest.raises(ibm.IBMInputValueError, match="http://"):
        RemoteRuntimeService("localhost:8765")


def test_the_token_stays_out_of_reprs(monkeypatch):
    from qrt_jupyter import RemoteRuntimeService

    monkeypatch.setenv("QRT_TOKEN", "secret-token-value")
    service = RemoteRuntimeService("http://127.0.0.1:9")
    for text in (repr(service), service.description, str(vars(service))):
        assert "secret-token-value" not in text
