"""Fixtures: a home with one token per role, and one real server on it for the whole session (start-up imports qiskit: seconds)."""

from __future__ import annotations

import pytest
import requests

from .harness import ServerProcess, create_token

ROLES = {"manager": ("manager",), "writer": ("writer",), "reader": ("reader",),
         "author": ("writer", "reader")}


class Client:
    """``requests`` with a base URL and a token (or none)."""

    def __init__(self, url: str, token: str | None):
        self.url = url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __getattr__(self, method):
        def send(path: str, **kwargs):
            kwargs.setdefault("timeout", 60)
            return self.session.request(method.upper(), self.url + path, **kwargs)

        return send


@pytest.fixture(scope="session")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("server-home")


@pytest.fixture(scope="session")
def tokens(home):
    return {name: create_token(home, name, *roles) for name, roles in ROLES.items()}


@pytest.fixture(scope="session")
def server(home, tokens, tmp_path_factory):
    # debug logs: test_tokens checks that not even they hold a token
    proc = ServerProcess(home, tmp_path_factory.mktemp("server-logs"), "--log-level", "debug")
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def clients(server, tokens):
    """A client per role, plus ``none`` (no token) and ``bad`` (a token that was never issued)."""
    made = {name: Client(server.url, token) for name, token in tokens.items()}
    made["none"] = Client(server.url, None)
    made["bad"] = Client(server.url, "qrt_000000000000_" + "x" * 43)
    return made
