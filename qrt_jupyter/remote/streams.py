"""WebSocket readers: the server pushes job events, the client never polls for them.

Each subscription is one connection and one daemon thread that reads it, so a
callback runs on that thread, never on the caller's, and a slow subscriber of one
job cannot hold up another's. The server sends a job's messages in the order they
happened (docs/server.md, "WebSockets"); the reader turns each into the same
:class:`~qrt_jupyter.runtime.events.JobEvent` a local job's ``subscribe`` delivers,
so the monitor layer and the widgets cannot tell a remote job from a local one.

A connection that drops before the job's final message (the server restarted) is
opened again with ``since=`` the next interim index, so nothing is delivered twice
and nothing is lost; the server replays what it stored meanwhile.
"""

from __future__ import annotations

import json
import logging
import struct
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 60.0
"""How long a job stream keeps trying to reach a server that went away before it gives up."""

_CLOSE_ERRORS = {4401: 401, 4403: 403, 4404: 404}


class StreamClosed(Exception):
    """The server closed a stream with one of its error codes (4401/4403/4404)."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason or f"stream closed with code {code}")
        self.code = code
        self.reason = reason


class StreamReader:
    """One WebSocket to ``path()`` read on one daemon thread; frames go to ``on_message``.

    ``on_message(dict)`` returns True when the stream is complete (a job's final
    message). ``on_end(error)`` is called once when reading ends for good: ``None``
    after completion or :meth:`stop`, else the exception that ended it.
    ``forever``: reconnect without limit (the service-wide event stream of a dashboard).
    """

    def __init__(self, client, path: Callable[[], str], on_message: Callable[[dict], bool],
                 on_end: Callable[[BaseException | None], None] = lambda error: None,
                 name: str = "qrt-remote-stream", forever: bool = False):
        self._client = client
        self._path = path
        self._on_message = on_message
        self._on_end = on_end
        self._forever = forever
        self._stop = threading.Event()
        self._heard = False
        self._ws = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "StreamReader":
        self._thread.start()
        return self

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop reading; no ``on_message`` call starts after this returns (one may be running)."""
        self._stop.set()
        with self._lock:
            ws = self._ws
        if ws is not None:
            try:
                ws.abort()  # wakes the reader blocked in recv
            except Exception:  # noqa: BLE001 - already closed
                pass

    def join(self, timeout: float | None = None) -> None:
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # -- reader thread ------------------------------------------------------
    def _run(self) -> None:
        error: BaseException | None = None
        retry_until = None
        delay = 0.1
        while not self._stop.is_set():
            self._heard = False
            try:
                if self._read_once():
                    break  # complete
                problem: BaseException = ConnectionError("the server closed the stream before its end")
            except StreamClosed as exc:
                error = exc
                break
            except Exception as exc:  # noqa: BLE001 - connection refused or dropped
                problem = exc
            if self._stop.is_set():
                break
            now = time.monotonic()
            if self._heard or retry_until is None:  # a stream that worked: a new window to come back
                retry_until, delay = now + RECONNECT_SECONDS, 0.1
            if not self._forever and now > retry_until:
                error = problem
                break
            log.debug("qrt stream %s dropped (%s); reconnecting", self._thread.name, problem)
            self._stop.wait(delay)
            delay = min(delay * 2, 2.0)
        try:
            self._on_end(None if self._stop.is_set() else error)
        except Exception:  # noqa: BLE001
            log.exception("qrt stream end handler failed")

    def _read_once(self) -> bool:
        """Connect, read until the server closes; True if a message completed the stream."""
        import websocket

        from .http import ws_url

        sslopt = None
        verify = self._client.verify
        if verify is False:
            import ssl

            sslopt = {"cert_reqs": ssl.CERT_NONE}
        elif isinstance(verify, str):
            sslopt = {"ca_certs": verify}
        ws = websocket.create_connection(
            ws_url(self._client.url, self._path()), header=self._client.auth_headers(),
            timeout=30, sslopt=sslopt, enable_multithread=False,
        )
        ws.settimeout(None)  # a quiet job sends nothing for minutes; stop() aborts the socket
        with self._lock:
            self._ws = ws
        try:
            if self._stop.is_set():
                return False
            while True:
                opcode, frame = ws.recv_data_frame(control_frame=False)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    code, reason = _close_info(frame.data)
                    if code in _CLOSE_ERRORS:
                        raise StreamClosed(code, reason)
                    return False
                if self._stop.is_set():
                    return False
                if opcode != websocket.ABNF.OPCODE_TEXT:
                    continue
                self._heard = True
                try:
                    complete = self._on_message(json.loads(frame.data))
                except Exception:  # a subscriber's bug (or a bad frame) must not end the stream
                    log.exception("qrt stream %s: a message could not be handled", self._thread.name)
                    continue
                if complete:
                    return True
        finally:
            with self._lock:
                self._ws = None
            try:
                ws.shutdown()
            except Exception:  # noqa: BLE001
                pass


def _close_info(data: bytes) -> tuple[int, str]:
    if len(data) < 2:
        return 1005, ""
    return struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", "replace")


def stream_error(exc: BaseException, resource: str, url: str) -> BaseException:
    """The client exception for a stream that ended with ``exc``: what the same answer over
    HTTP would raise (a close code 4404 on a job: ``RuntimeJobNotFound``, ...)."""
    from .http import error_for, server_unavailable

    if isinstance(exc, StreamClosed):
        return error_for(resource, _CLOSE_ERRORS[exc.code], exc.reason or str(exc))
    status = getattr(exc, "status_code", None)  # the handshake itself was refused
    if isinstance(status, int) and status >= 400:
        return error_for(resource, status, _handshake_message(exc))
    if isinstance(exc, OSError):
        return server_unavailable(url)
    return exc


def _handshake_message(exc: BaseException) -> str:
    body = getattr(exc, "resp_body", None)
    if body:
        try:
            return str(json.loads(body)["error"]["message"])
        except (ValueError, KeyError, TypeError):
            pass
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
