"""The active service: the one that magics, the dashboard and Python code share.

A notebook has one "current" runtime service in the same way matplotlib has one
current figure: ``%qrt_service ibm`` in one cell must change what ``%qrt_jobs``,
the dashboard and ``get_service()`` see in the next. Keeping that state here,
in a module with no IPython and no widget import, lets every layer read it and
lets plain Python (scripts, tests) drive it without magics::

    from qrt_jupyter.active import get_service, use_local
    use_local(home="/tmp/qrt")          # or set_service(any_service_object)
    job = get_service().run("hello-world", {"iterations": 3})

Nothing here imports qiskit or the runtime at module import: the local service
is created on first use, so ``%load_ext qrt_jupyter`` stays cheap.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable

__all__ = [
    "current",
    "describe",
    "get_service",
    "on_change",
    "set_service",
    "use_ibm",
    "use_local",
    "use_remote",
]

_log = logging.getLogger(__name__)

_lock = threading.RLock()
_active: Any = None
_listeners: list[Callable[[Any], None]] = []


def current() -> Any:
    """The active service, or ``None`` if none was chosen or created yet.

    Unlike :func:`get_service` this never creates one, so a caller can apply
    its own defaults (the magics use their configurable ``home``).
    """
    return _active


def get_service() -> Any:
    """The active service; the local runtime (default home) on first use."""
    with _lock:
        if _active is None:
            return use_local()
        return _active


def set_service(service: Any) -> Any:
    """Make ``service`` the active one and return the previous one (or ``None``).

    Any object with the service API (``run``, ``job``, ``jobs``, ``programs``,
    ``backends``...) is accepted: a ``LocalRuntimeService``, the IBM adapter,
    or a user's own. ``None`` clears the choice, so the next
    :func:`get_service` creates the default local service again.
    Listeners registered with :func:`on_change` are told after the switch.
    """
    global _active
    with _lock:
        previous, _active = _active, service
        listeners = list(_listeners)
    if service is not previous:
        for listener in listeners:
            try:
                listener(service)
            except Exception:  # a broken dashboard must not break %qrt_service
                _log.exception("active-service listener %r failed", listener)
    return previous


def use_local(home: str | os.PathLike | None = None) -> Any:
    """Activate the embedded local runtime stored under ``home`` and return it.

    ``home=None`` means what ``LocalRuntimeService(home=None)`` means
    (``$QRT_HOME``, else ``~/.qrt``). Services on one home share that home's
    store and scheduler within a process, so switching ``local -> ibm ->
    local`` finds the same jobs in flight; if the active service already is
    the local runtime of that home it stays, and listeners hear nothing.
    """
    from qrt_jupyter.runtime.service import LocalRuntimeService

    service = LocalRuntimeService(home=home)
    with _lock:
        if isinstance(_active, LocalRuntimeService) and _same_path(getattr(_active, "home", None), service.home):
            return _active
    set_service(service)
    return service


def _same_path(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return os.path.realpath(os.fspath(a)) == os.path.realpath(os.fspath(b))


def use_remote(url: str | None = None, token: str | None = None) -> Any:
    """Activate the qrt-runtime server at ``url`` (default ``$QRT_URL``) and return it.

    ``token`` defaults to ``$QRT_TOKEN``. The server is asked once (``GET /health``), so
    a wrong URL fails here, with the URL in the message, not at the first job. If the
    active service already is that server with that token, it stays.
    """
    from qrt_jupyter.remote.service import RemoteRuntimeService

    service = RemoteRuntimeService(url, token=token)
    with _lock:
        if isinstance(_active, RemoteRuntimeService) and _active.same_server(service):
            return _active
    service.health()
    set_service(service)
    return service


def use_ibm(channel: str | None = None, instance: str | None = None, account: str | None = None) -> Any:
    """Connect to IBM Quantum through ``qrt_jupyter.ibm.connect`` and activate it.

    Errors of the connection itself (no saved account, refused token, no
    network) come from the adapter unchanged.
    """
    from qrt_jupyter.ibm import connect  # qiskit-ibm-runtime: only when asked for
    # uploaded programs stay in the local runtime the user already chose (its home)
    local = _active if getattr(_active, "channel", None) == "local" else None
    service = connect(channel=channel, instance=instance, account=account, local=local)
    set_service(service)
    return service


def on_change(callback: Callable[[Any], None]) -> Callable[[], None]:
    """Call ``callback(new_service)`` after each switch; returns an unsubscribe function.

    Called on the thread that switched. Exceptions are logged, not raised.
    """
    with _lock:
        _listeners.append(callback)

    def unsubscribe() -> None:
        with _lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return unsubscribe


def describe(service: Any) -> str:
    """One line that tells a person which service this is.

    Uses ``service.description`` when a service offers one, else what the
    class name and the usual attributes (``home``, ``channel``, ``instance``)
    say; never credentials.
    """
    if service is None:
        return "no service chosen yet (the local runtime is used on first need)"
    text = getattr(service, "description", None)
    if isinstance(text, str) and text:
        return text
    kind = type(service).__name__
    if kind == "LocalRuntimeService":
        home = getattr(service, "home", None)
        return f"local runtime (home {home})" if home else "local runtime"
    details = [
        f"{attr} {value}"
        for attr in ("channel", "instance")
        if isinstance(value := getattr(service, attr, None), str) and value
    ]
    return kind + (f" ({', '.join(details)})" if details else "")
