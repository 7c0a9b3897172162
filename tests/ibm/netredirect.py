"""The test network: names under a fake domain resolve to one port on 127.0.0.1.

``qiskit_ibm_runtime`` derives every host it talks to from the account URL
(``iam.<host>``, ``quantum.<host>``, ``api.global-search-tagging.<host>``,
``globalcatalog.<host>``) and drops any port, so a server on 127.0.0.1:PORT
cannot be named by URL alone. Instead we replace the one function through
which ``urllib3`` (under ``requests``, under both the runtime client and the IBM
Cloud SDK) opens sockets: a host of the fake domain connects to the local
server, 127.0.0.1/localhost pass through, anything else is refused. That is
the network boundary; every client object above it is the real one.

``install(domain, None)`` simulates a machine whose DNS answers nothing.
"""

from __future__ import annotations

import os
import socket

ENV = "QRT_TEST_IBM_NET"  # "domain=port" or "domain=dns-down"; read by sitecustomize in workers

_LOCAL = {"127.0.0.1", "localhost", "::1"}


def install(domain: str, port: int | None):
    """Redirect ``*.domain`` to ``127.0.0.1:port`` (``None``: name resolution fails).

    Returns a function that restores the original behaviour.
    """
    import urllib3.util.connection as conn

    original = getattr(conn.create_connection, "_qrt_original", conn.create_connection)

    def create_connection(address, *args, **kwargs):
        host, _port = address
        host = host.strip("[]")
        if host == domain or host.endswith("." + domain):
            if port is None:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return original(("127.0.0.1", port), *args, **kwargs)
        if host in _LOCAL:
            return original(address, *args, **kwargs)
        raise ConnectionRefusedError(f"test network: {host} is outside the test network")

    create_connection._qrt_original = original
    conn.create_connection = create_connection

    def uninstall() -> None:
        conn.create_connection = original

    return uninstall


def install_from_env() -> None:
    """Used by ``sitecustomize`` so the local runtime's worker processes see the same network."""
    value = os.environ.get(ENV)
    if not value:
        return
    domain, _, target = value.partition("=")
    install(domain, None if target == "dns-down" else int(target))
