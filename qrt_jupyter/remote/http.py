"""One HTTP connection to a qrt-runtime server, and the one place its errors become exceptions.

Code written for IBM's service catches ``qiskit_ibm_runtime.exceptions`` classes, and so
does code written for our local runtime; a remote service must raise the same ones. The
server answers every error as ``{"error": {"code", "message"}}`` (docs/server.md); which
client class a status code becomes depends on what was asked for (a 404 on a job is
``RuntimeJobNotFound``, on a program ``RuntimeProgramNotFound``), so each call names its
resource and :func:`error_for` maps (resource, status) once for all of them.

The token goes into one header of the ``requests.Session`` and nowhere else: not in
reprs, messages, logs or URLs (the server refuses tokens in query strings).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import urlsplit

_TIMEOUT = 30.0  # seconds for one request; results are fetched once final, never long-polled


def _exceptions():
    from qiskit_ibm_runtime import exceptions

    return exceptions


@functools.cache
def _server_unavailable_class():
    """``IBMRuntimeError`` (what the client raises for a service it cannot reach) and ``ConnectionError``."""

    class ServerUnavailableError(_exceptions().IBMRuntimeError, ConnectionError):
        """No qrt-runtime server answers at the service's URL."""

        def __str__(self) -> str:  # one plain line (QiskitError would quote it)
            return str(self.message)

    return ServerUnavailableError


def server_unavailable(url: str):
    return _server_unavailable_class()(
        f"no qrt-runtime server at {url}: start one with `qrt-runtime serve`"
    )


def error_for(resource: str, code: int, message: str, anonymous: bool = False) -> Exception:
    """The client exception for an error answer of the server about ``resource``.

    ``resource`` is ``"program"``, ``"job"``, ``"backend"``, ``"session"``, ``""``, or
    ``"submit"`` (``POST /jobs``: its 404 is about the program, the backend or the session,
    which only the message tells).
    """
    exc = _exceptions()
    if resource == "submit":  # the thing named first is the one not found
        words = message.lower()
        found = {kind: words.find(kind) for kind in ("program", "backend", "session") if kind in words}
        resource = min(found, key=found.get) if found else "program"
    if code in (401, 403):
        if code == 401 and anonymous:
            message += " (no token given: pass token= or set QRT_TOKEN)"
        return exc.IBMNotAuthorizedError(message)
    if code == 404:
        if resource == "program":
            return exc.RuntimeProgramNotFound(message)
        if resource == "job":
            return exc.RuntimeJobNotFound(message)
        if resource == "backend":
            from ..runtime.service import _unknown_backend_error

            return _unknown_backend_error()(message)
        return exc.IBMInputValueError(message)
    if code == 409 and resource in ("job", "session"):
        return exc.RuntimeInvalidStateError(message)
    if 400 <= code < 500:
        return exc.IBMInputValueError(message)
    return exc.IBMRuntimeError(f"the qrt-runtime server failed ({code}): {message}")


def error_message(response) -> str:
    """The one-line message of an error answer (``{"error": {"message"}}``), or its text."""
    try:
        body = response.json()
        message = body["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = (response.text or response.reason or "").strip().splitlines()[:1]
        message = message[0] if message else f"HTTP {response.status_code}"
    return str(message)


def ws_url(base: str, path: str) -> str:
    """The ws:// (or wss://) URL of a stream route of the server at ``base``."""
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{path}"


class RestClient:
    """A ``requests.Session`` bound to one server URL and token, raising client exceptions."""

    def __init__(self, url: str, token: str | None, verify: Any = True):
        import requests

        self.url = url.rstrip("/")
        self.anonymous = not token
        self.verify = verify
        self._session = requests.Session()
        self._session.headers["Accept"] = "application/json"
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self._session.headers.update(self._auth)

    def same_as(self, other: "RestClient") -> bool:
        """Same URL and same token (compared here, so the token never leaves this object)."""
        return self.url == other.url and self._auth == other._auth

    def auth_headers(self) -> list[str]:
        """The authorization header for a WebSocket handshake (``websocket-client``'s format)."""
        return [f"{k}: {v}" for k, v in self._auth.items()]

    def request(self, method: str, path: str, resource: str = "", *, params: dict | None = None,
                body: Any = None, text: str | None = None, raw: bool = False) -> Any:
        """Send one request; the decoded JSON answer (``raw``: the response text; 204: None)."""
        import requests

        # per request: requests lets $REQUESTS_CA_BUNDLE override a session's own verify
        kwargs: dict[str, Any] = {"timeout": _TIMEOUT, "verify": self.verify}
        if params:
            kwargs["params"] = {k: _query_value(v) for k, v in params.items() if v is not None}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        elif text is not None:
            kwargs["data"] = text.encode("utf-8")
            kwargs["headers"] = {"Content-Type": "text/plain; charset=utf-8"}
        try:
            response = self._session.request(method, self.url + path, **kwargs)
        except requests.exceptions.SSLError as exc:
            reason = re.search(r"\[SSL[^\]]*\] ([^()]+)", str(exc))
            raise _exceptions().IBMRuntimeError(
                f"TLS to {self.url} failed: {reason.group(1).strip() if reason else _first_line(exc)} "
                "(a self-signed certificate: pass verify='path/to/cert.pem')"
            ) from None
        except requests.exceptions.ConnectionError:
            raise server_unavailable(self.url) from None
        except requests.exceptions.Timeout:
            raise _exceptions().IBMRuntimeError(
                f"the qrt-runtime server at {self.url} did not answer {method} {path} within {_TIMEOUT:g} s"
            ) from None
        if response.status_code >= 400:
            raise error_for(resource, response.status_code, error_message(response), self.anonymous)
        if response.status_code == 204 or not response.content:
            return None
        if raw:
            return response.text
        return response.json()

    def close(self) -> None:
        self._session.close()


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
