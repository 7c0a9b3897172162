"""Sessions: a group of jobs that the local scheduler serves first.

On IBM's service a session reserves the device for an iterative workload
(a VQE loop, say) so that each new job does not queue behind everyone
else's. The local runtime reproduces that behaviour: the scheduler runs the
queued jobs of an *open* session before the other queued jobs on the same
backend (FIFO inside each group). The session itself is a row in the store,
so it outlives this object, shows up in ``service.sessions()`` and in the
dashboard, and can be reattached from another kernel with
:meth:`Session.from_id`.

This module holds only the client-side object; the state lives in the store
and the priority rule in the scheduler (``service.open_session`` and friends).
"""

from __future__ import annotations

import contextvars
import weakref
from typing import TYPE_CHECKING, Any, Callable

from ..status import is_pending

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .jobs import RuntimeJob
    from .service import LocalRuntimeService

# The session of the innermost ``with Session(...)`` block. The old API let
# ``Sampler()`` created inside such a block join it without naming it; a
# ContextVar (not a global) keeps threads and asyncio tasks from seeing each
# other's blocks.
_CURRENT_SESSION: contextvars.ContextVar["Session | None"] = contextvars.ContextVar(
    "qrt_current_session", default=None
)


def current_session() -> "Session | None":
    """The session of the innermost active ``with Session(...)`` block, if any."""
    return _CURRENT_SESSION.get()


def parse_max_time(max_time: int | float | str | None) -> float | None:
    """Seconds from ``max_time`` as qiskit-ibm-runtime accepts it.

    A number is seconds; a string is hours/minutes/seconds such as ``"2h"``,
    ``"30m"`` or ``"1h 30m 10s"`` (days ``"d"`` too). qiskit-ibm-runtime's own
    parser is used so that exactly the same strings are accepted and the same
    ``IBMInputValueError`` is raised for the rest.
    """
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    if max_time is None:
        return None
    if isinstance(max_time, bool):  # bool is an int; True seconds is a mistake
        raise IBMInputValueError(f"Invalid max_time value: {max_time!r}")
    if isinstance(max_time, (int, float)):
        seconds = float(max_time)
    elif isinstance(max_time, str):
        from qiskit_ibm_runtime.utils.converters import hms_to_seconds

        seconds = float(hms_to_seconds(max_time, "Invalid max_time value: "))
    else:
        raise IBMInputValueError(
            f"Invalid max_time value: {max_time!r}; give seconds or a string such as '2h 30m'."
        )
    if seconds <= 0:
        raise IBMInputValueError(f"Invalid max_time value: {max_time!r}; it must be positive.")
    return int(seconds) if seconds.is_integer() else seconds


def backend_name_of(backend: Any) -> str | None:
    """The local backend name for ``backend``: a name, a ``LocalBackend``, or a qiskit backend.

    Qiskit's fake devices (``FakeManilaV2().name == "fake_manila"``) carry the
    very names the local runtime uses, so passing the qiskit object works too.
    """
    if backend is None or isinstance(backend, str):
        return backend
    name = getattr(backend, "name", None)
    if callable(name):  # BackendV1 spelled it as a method
        name = name()
    if not isinstance(name, str):
        from qiskit_ibm_runtime.exceptions import IBMInputValueError

        raise IBMInputValueError(f"Cannot tell the backend name of {backend!r}.")
    return name


def _service_of(backend: Any) -> "LocalRuntimeService | None":
    """The service a backend object came from, when it says (``service.backend(name)``):
    a local one, or any with the same session API (a ``RemoteRuntimeService``)."""
    from .service import LocalRuntimeService

    for attr in ("service", "_service"):
        service = getattr(backend, attr, None)
        if isinstance(service, LocalRuntimeService) or (
            callable(getattr(service, "open_session", None)) and callable(getattr(service, "session_details", None))
        ):
            return service
    return None


def _close_quietly(service: "LocalRuntimeService", session_id: str) -> None:
    # Called by the finalizer, possibly at interpreter exit when the store
    # may already be gone: a session that cannot be closed then simply keeps
    # its stored state (or expires on its max_time), so nothing is lost.
    try:
        service.close_session(session_id)
    except Exception:  # noqa: BLE001 - best effort at shutdown
        pass


class Session:
    """A local runtime session, usable as a context manager.

    ``Session(service=None, backend=None, max_time=None)``

    - ``service``: a :class:`~qrt_jupyter.LocalRuntimeService`; ``None`` means the
      default one (``LocalRuntimeService()``: ``$QRT_HOME`` or ``~/.qrt``), or the
      service that a backend object from ``service.backend(name)`` belongs to.
    - ``backend``: a backend name (``"ibmq_qasm_simulator"``, ``"fake_manila"``),
      a backend from ``service.backends()``, or a qiskit backend whose ``name`` is
      one of the local backends. ``None`` lets the service choose (the least busy
      one) when the first job is submitted; every later job then goes there too.
    - ``max_time``: how long the session may stay open, in seconds or as a
      string such as ``"2h"``, ``"30m"`` or ``"1h 30m"``. Counted from when the
      session is opened, which is when this object is created. ``None``: no
      limit; the session stays open until it is closed.

    The session is opened in the store at construction, so ``session_id`` is
    known at once and other kernels and the dashboard see it.

    While the session is open, the backend's scheduler runs its queued jobs
    before jobs queued outside any session, even ones submitted earlier (FIFO
    within each group), as on IBM's service.

    What closing means — ``close()``, leaving the ``with`` block, ``max_time``
    running out, or the object being garbage collected or the interpreter
    exiting (a session left open would otherwise keep its priority forever):

    - new jobs are refused with ``RuntimeInvalidStateError``;
    - jobs already queued in it are *not* cancelled: they lose their priority
      and run as normal jobs, in their place in the backend's FIFO queue;
    - a running job finishes normally.

    Use :meth:`cancel` to close the session *and* cancel its unfinished jobs.
    """

    def __init__(
        self,
        service: "LocalRuntimeService | None" = None,
        backend: Any = None,
        max_time: int | float | str | None = None,
    ):
        self._max_time = parse_max_time(max_time)
        self._backend_name = backend_name_of(backend)
        if service is None:
            service = _service_of(backend)
        if service is None:
            from .service import LocalRuntimeService

            service = LocalRuntimeService()
        self._service = service
        # open_session checks the backend name, so a typo fails here, not at the first job.
        self._session_id = service.open_session(
            backend_name=self._backend_name, max_time=self._max_time
        )
        self._context_tokens: list[contextvars.Token] = []
        self._finalizer = weakref.finalize(self, _close_quietly, service, self._session_id)

    @classmethod
    def from_id(cls, session_id: str, service: "LocalRuntimeService | None" = None) -> "Session":
        """Reattach to a stored session (e.g. one opened in another kernel).

        Unlike the constructor this opens nothing, and it does not close the
        session when this object goes away: its owner does that.
        """
        if service is None:
            from .service import LocalRuntimeService

            service = LocalRuntimeService()
        details = service.session_details(session_id)  # raises if unknown
        self = cls.__new__(cls)
        self._service = service
        self._session_id = session_id
        self._backend_name = details.get("backend_name")
        self._max_time = details.get("max_time")
        self._context_tokens = []
        self._finalizer = None
        return self

    # -- identity ---------------------------------------------------------
    @property
    def session_id(self) -> str:
        """The session's id; jobs submitted in it record it as ``job.session_id``."""
        return self._session_id

    @property
    def service(self) -> "LocalRuntimeService":
        """The service this session's jobs are submitted to."""
        return self._service

    def backend(self) -> str | None:
        """The session's backend name (a method, as on qiskit-ibm-runtime's ``Session``).

        ``None`` until the first job if the session was opened without a
        backend and the service has not chosen one yet.
        """
        if self._backend_name is None:
            self._backend_name = self._service.session_details(self._session_id).get("backend_name")
        return self._backend_name

    @property
    def max_time(self) -> int | float | None:
        """The session's maximum lifetime in seconds (``None``: no limit; open until closed)."""
        return self._max_time

    # -- state ------------------------------------------------------------
    def details(self) -> dict[str, Any]:
        """The stored state of the session.

        Keys from the service (``id``, ``backend_name``, ``state`` — ``"open"``,
        ``"closed"`` or ``"expired"`` —, ``created``, ``closed``, ``max_time``,
        ``jobs``), plus the names qiskit-ibm-runtime's ``Session.details()`` uses
        for the same facts (``started_at``, ``closed_at``, ``accepting_jobs``,
        ``mode``) so code written for IBM's service reads them unchanged.
        """
        details = dict(self._service.session_details(self._session_id))
        details.setdefault("started_at", details.get("created"))
        details.setdefault("closed_at", details.get("closed"))
        details.setdefault("accepting_jobs", details.get("state") == "open")
        details.setdefault("mode", "dedicated")
        if details.get("backend_name"):
            self._backend_name = details["backend_name"]
        return details

    def status(self) -> str:
        """A one-word summary in IBM's words: ``"Pending"``, ``"In progress, accepting new jobs"``, ``"Closed"``.

        A local session has no "pending" phase (it is open at once), so it is
        either accepting jobs or closed.
        """
        state = self.details()["state"]
        return "In progress, accepting new jobs" if state == "open" else "Closed"

    @property
    def active(self) -> bool:
        """Whether the session still accepts jobs (not closed, not expired)."""
        return self.details()["state"] == "open"

    # -- jobs -------------------------------------------------------------
    def run(
        self,
        program_id: str,
        inputs: dict,
        options: Any = None,
        callback: Callable | None = None,
        result_decoder: Any = None,
    ) -> "RuntimeJob":
        """Run a program in this session: ``service.run`` with this session's id and backend.

        A closed or expired session refuses the job with
        ``RuntimeInvalidStateError`` (raised by the service, which is the one
        place that knows, even when another kernel closed the session).
        """
        from .options import RuntimeOptions

        opts = RuntimeOptions.coerce(options)
        opts.session_id = self._session_id
        backend = self.backend()
        if backend is not None:
            if opts.backend_name not in (None, backend):
                from qiskit_ibm_runtime.exceptions import IBMInputValueError

                raise IBMInputValueError(
                    f"This session runs on {backend!r}; it cannot run a job on {opts.backend_name!r}."
                )
            opts.backend_name = backend
        job = self._service.run(
            program_id,
            inputs,
            options=opts.to_dict(),
            callback=callback,
            result_decoder=result_decoder,
        )
        if self._backend_name is None:
            self._backend_name = self._service.session_details(self._session_id).get("backend_name")
        return job

    def close(self) -> None:
        """Stop accepting jobs; queued jobs of the session run on as normal jobs."""
        self._service.close_session(self._session_id)
        if self._finalizer is not None:
            self._finalizer.detach()

    def cancel(self) -> None:
        """Close the session and cancel every job of it that has not finished."""
        self.close()
        for job_id in self._service.session_details(self._session_id).get("jobs", []):
            job = self._service.job(job_id)
            if is_pending(job.status()):
                try:
                    job.cancel()
                except Exception:  # noqa: BLE001 - it finished between the check and the cancel
                    pass

    # -- context manager --------------------------------------------------
    def __enter__(self) -> "Session":
        self._context_tokens.append(_CURRENT_SESSION.set(self))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._context_tokens:
            _CURRENT_SESSION.reset(self._context_tokens.pop())
        self.close()

    def __repr__(self) -> str:
        return f"<Session {self._session_id} backend={self._backend_name!r} max_time={self._max_time!r}>"
