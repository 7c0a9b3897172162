"""Errors of the IBM adapter: one line each, saying what to do next.

They subclass ``qiskit_ibm_runtime``'s ``IBMAccountError`` so code written against
the client (``except IBMAccountError``) still catches them, and the magics can turn
every one of them into a ``UsageError`` without a traceback.

The client's own messages are not good enough for a notebook user: it answers
"Unable to retrieve instances. Please check that you are using a valid API token"
both for a refused token and for a machine without network, and a missing account
ends in a long message about channels. :func:`classify` looks at the exception
chain the client leaves behind to tell those cases apart.
"""

from __future__ import annotations

import socket
from typing import Iterator

from qiskit_ibm_runtime.exceptions import IBMAccountError

SAVE_HINT = (
    "QiskitRuntimeService.save_account(channel='ibm_quantum_platform', "
    "token='<API key>', instance='<CRN or instance name>')"
)


class IBMConnectionError(IBMAccountError):
    """Connecting to, or talking with, IBM Quantum failed; the message says why."""

    def __init__(self, message: str):
        # One line, always: the magics show str(error) as a UsageError.
        super().__init__(" ".join(str(message).split()))

    def __str__(self) -> str:  # QiskitError.__str__ would add quotes
        return self.message


class IBMAccountNotFoundError(IBMConnectionError):
    """No saved account matches: the user must save one first."""


class IBMAuthenticationError(IBMConnectionError):
    """IBM Cloud answered and refused the API key (or the instance)."""


class IBMNetworkError(IBMConnectionError):
    """IBM Cloud could not be reached at all: no network, DNS, proxy or firewall."""


def redact(text: str, secret: str | None) -> str:
    """Remove ``secret`` from ``text``: a last line of defence for any message we build."""
    if secret and len(secret) >= 4:
        return str(text).replace(secret, "***")
    return str(text)


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception it was raised from or during, without loops.

    ``requests`` keeps the root cause in ``args`` (``MaxRetryError.reason``) rather
    than in ``__cause__``, so both paths are followed.
    """
    seen: set[int] = set()
    stack = [error]
    while stack:
        exc = stack.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        stack.append(exc.__cause__)
        stack.append(exc.__context__)
        reason = getattr(exc, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
        stack.extend(arg for arg in getattr(exc, "args", ()) if isinstance(arg, BaseException))


def network_reason(error: BaseException) -> str | None:
    """A short reason if ``error`` comes from not reaching a host, else None.

    Returns e.g. ``"name resolution failed"``, ``"connection refused"``,
    ``"timed out"``; None means the server did answer (so it is not a network error).
    """
    import requests
    import urllib3.exceptions as u3

    chain = list(exception_chain(error))
    # Only failures of an HTTP request count: a broken local pipe is not "no network".
    if not any(isinstance(exc, (requests.RequestException, u3.HTTPError, socket.gaierror)) for exc in chain):
        return None
    reason = None
    for exc in chain:
        if isinstance(exc, socket.gaierror) or isinstance(exc, u3.NameResolutionError):
            return "name resolution failed"
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        if isinstance(exc, (socket.timeout, TimeoutError, u3.ConnectTimeoutError, requests.Timeout)):
            reason = reason or "timed out"
        elif isinstance(exc, requests.exceptions.ProxyError) or isinstance(exc, u3.ProxyError):
            reason = reason or "proxy error"
        elif isinstance(exc, requests.exceptions.SSLError) or isinstance(exc, u3.SSLError):
            reason = reason or "TLS handshake failed"
        elif isinstance(exc, (requests.ConnectionError, u3.NewConnectionError, ConnectionError)):
            reason = reason or "connection failed"
    return reason


def http_refusal(error: BaseException) -> tuple[int, str] | None:
    """``(status, message)`` if some server in ``error``'s chain answered with an HTTP error.

    Covers the IBM Cloud SDK's ``ApiException`` (IAM, Global Search) and the
    runtime client's ``RequestsApiError`` / ``IBMNotAuthorizedError``.
    """
    for exc in exception_chain(error):
        code = getattr(exc, "status_code", None)  # ApiException and RequestsApiError alike
        if isinstance(code, int) and code >= 400:
            message = getattr(exc, "message", None) or str(exc)
            return code, str(message)
        if type(exc).__name__ == "IBMNotAuthorizedError":
            return 401, str(getattr(exc, "message", exc))
    return None
