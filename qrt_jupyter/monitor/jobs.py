"""``monitor_job(job)``: one live :class:`JobSnapshot` for any kind of job.

Three adapters hide three ways of learning what a job does:

* our local ``RuntimeJob`` pushes events (``job.subscribe``); nothing is polled.
* ``qiskit_ibm_runtime.RuntimeJobV2`` asks the service over the network, so it
  is polled gently (0.5 s, backing off to 5 s).
* plain qiskit primitive jobs (``PrimitiveJob``, Aer's, and qiskit-ibm-runtime's
  local-mode ``LocalRuntimeJob``) are futures in this process: polled quickly
  (50 ms, backing off to 1 s).

All polling happens on the one shared thread of :mod:`.poller`. A monitor
stops by itself when its job reaches DONE, ERROR or CANCELLED; listeners hear
about every change through ``subscribe`` and read ``monitor.snapshot``.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .poller import Poller, shared_poller
from .snapshots import FINAL_STATUSES, JobSnapshot, PrefixView, status_name

log = logging.getLogger(__name__)

Listener = Callable[[JobSnapshot], None]


def _aware(value: Any) -> datetime | None:
    """Datetimes in one convention (timezone-aware, local) so they can be subtracted."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.astimezone() if value.tzinfo is None else value


def _from_timestamp(t: float) -> datetime:
    return datetime.fromtimestamp(t).astimezone()


def _now() -> datetime:
    return datetime.now().astimezone()


def _safe(fn: Callable[[], Any], default: Any = None) -> Any:
    try:
        return fn()
    except Exception:
        return default


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _backend_name(job: Any, ask: bool = False) -> str | None:
    """The backend's name without blocking.

    ``job.backend()`` is only called when ``ask`` is set (our local jobs): on an
    IBM ``RuntimeJobV2`` without a backend it waits for the job to finish.
    """
    name = getattr(job, "backend_name", None)
    if isinstance(name, str):
        return name
    backend = getattr(job, "_backend", None)
    if backend is None:  # a primitive's job: the primitive may know its backend
        owner = getattr(getattr(job, "_function", None), "__self__", None)
        backend = getattr(owner, "_backend", None) or getattr(owner, "backend", None)
        if callable(backend) and not hasattr(backend, "run"):
            backend = None
    if backend is None and ask and callable(getattr(job, "backend", None)):
        backend = _safe(job.backend)
    if backend is None:
        return None
    name = getattr(backend, "name", None)
    if callable(name):
        name = _safe(name)
    return str(name) if name is not None else type(backend).__name__


def _differs(key: str, old: Any, new: Any) -> bool:
    if key in ("interim_results", "log_chunks"):
        return len(old) != len(new) or getattr(old, "_items", None) is not getattr(new, "_items", None)
    if key == "result":
        return old is not new
    try:
        return bool(old != new)
    except Exception:  # e.g. numpy arrays
        return old is not new


class JobMonitor:
    """The live snapshot of one job, and who wants to hear when it changes.

    Don't construct it directly; use :func:`monitor_job`, which picks the
    adapter and shares one monitor between all views of the same job.
    Listeners are called with the new snapshot on a background thread (the
    runtime's dispatcher or the shared poller) and must be quick: the widgets
    only mark themselves dirty for the update pump.
    """

    kind = "job"

    def __init__(self, job: Any, poller: Poller | None = None):
        self.job = job
        self._poller = poller or shared_poller()
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._interims: list[Any] = []
        self._logs: list[str] = []
        self._final = threading.Event()
        self._stopped = False
        self._snapshot = JobSnapshot(job_id=str(_safe(job.job_id, "")), kind=self.kind)

    # -- what views use -------------------------------------------------
    @property
    def job_id(self) -> str:
        return self._snapshot.job_id

    @property
    def snapshot(self) -> JobSnapshot:
        return self._snapshot

    @property
    def active(self) -> bool:
        """True while the monitor still follows its job."""
        return not self._stopped

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(snapshot)`` after every change; returns the unsubscribe function.

        Nothing is replayed: read :attr:`snapshot` after subscribing.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job is final (True) or ``timeout`` passes (False)."""
        return self._final.wait(timeout)

    def cancel(self) -> None:
        """Cancel the job; the monitor reports CANCELLED when the job says so."""
        self.job.cancel()
        self.refresh()

    def refresh(self) -> None:
        """Look at the job now instead of waiting for the next poll or event."""

    def stop(self) -> None:
        """Stop following the job (it goes on running)."""
        with self._lock:
            self._stopped = True

    # -- what adapters use ----------------------------------------------
    def _update(self, **changes: Any) -> bool:
        """Apply changes; notify listeners if anything differs. Returns True if it did."""
        with self._lock:
            if self._snapshot.is_final:
                return False  # a final snapshot is the last word
            old = self._snapshot
            if "interim_results" not in changes and len(self._interims) != len(old.interim_results):
                changes["interim_results"] = PrefixView(self._interims)
            if "log_chunks" not in changes and len(self._logs) != len(old.log_chunks):
                changes["log_chunks"] = PrefixView(self._logs)
            changes = {k: v for k, v in changes.items() if _differs(k, getattr(old, k), v)}
            if not changes:
                return False
            new = old.evolve(**changes)
            self._snapshot = new
            listeners = list(self._listeners)
            final = new.is_final
        if final:
            self._stopped = True
            self._on_final()
        for listener in listeners:
            try:
                listener(new)
            except Exception:
                log.exception("job monitor listener failed")
        if final:  # after the listeners: whoever waits sees them notified
            self._final.set()
        return True

    def _on_final(self) -> None:
        """Hook: release whatever the adapter holds (subscriptions)."""


# ---------------------------------------------------------------------------
# our local runtime: pushed events


class LocalRuntimeJobMonitor(JobMonitor):
    """Follows a ``qrt_jupyter.runtime`` job through ``job.subscribe`` (no polling).

    Events that arrive while the initial state is being read are buffered and
    replayed after it, so nothing falls between the two; interim results carry
    their index, so none is counted twice.

    A program may publish thousands of interim results a second, and no view
    draws more than ten times a second: interim results and log lines are
    collected as they come, and folded into a new snapshot at most every
    ``COALESCE_SECONDS`` (status changes still publish at once, with all that
    was collected before them).
    """

    kind = "local-runtime"
    COALESCE_SECONDS = 0.05

    def __init__(self, job: Any, poller: Poller | None = None, **_options: Any):
        super().__init__(job, poller)
        self._update_pending = False
        self._ready = False
        self._buffer: list[Any] = []
        self._finalizing = False
        self._unsubscribe = job.subscribe(self._on_event)
        self._read_initial()

    def _read_initial(self) -> None:
        job = self.job
        status = status_name(_safe(job.status, "QUEUED"))
        interims = _safe(job.interim_results, None) or []
        logs = _safe(job.logs, "") or ""
        with self._lock:
            self._interims.extend(interims)
            if logs:
                self._logs.append(logs)
        self._update(
            program=getattr(job, "program_id", None),
            backend=_backend_name(job, ask=True),
            queue_position=_safe(job.queue_position) if status in ("QUEUED",) else None,
            created=_aware(getattr(job, "creation_date", None)),
            started=_aware(getattr(job, "start_date", None)),
            max_execution_time=getattr(job, "max_execution_time", None),
            session_id=getattr(job, "session_id", None),
            status=status if status not in FINAL_STATUSES else self._snapshot.status,
        )
        with self._lock:
            self._ready = True
            buffered, self._buffer = self._buffer, []
        for event in buffered:
            self._apply(event)
        if status in FINAL_STATUSES:
            # already over: read the outcome now, on the caller's thread, so a view of an old
            # job opens showing it (not the dispatcher thread: nothing else waits behind us)
            with self._lock:
                self._finalizing = True
            self._finalize()

    def _on_event(self, event: Any) -> None:
        with self._lock:
            if not self._ready:
                self._buffer.append(event)
                return
        self._apply(event)

    def _apply(self, event: Any) -> None:
        kind, data = event.kind, event.data
        if kind == "interim":
            with self._lock:
                index = getattr(event, "index", len(self._interims))
                if index < len(self._interims):
                    return  # already read with the initial state
                if index > len(self._interims):  # a gap: re-read the whole list
                    fresh = _safe(self.job.interim_results, None) or []
                    if len(fresh) > len(self._interims):
                        self._interims.extend(fresh[len(self._interims):])
                    if len(self._interims) == index:
                        self._interims.append(data)
                else:
                    self._interims.append(data)
            self._update_soon()
        elif kind == "log":
            with self._lock:
                self._logs.append(str(data))
            self._update_soon()
        elif kind == "queue":
            self._update(queue_position=data)
        elif kind == "status":
            name = status_name(data)
            if name in FINAL_STATUSES:
                self._finalize_soon()
            elif name == "RUNNING":
                self._update(
                    status=name,
                    queue_position=None,
                    started=self._snapshot.started or _from_timestamp(event.time),
                )
            else:
                self._update(status=name)

    def _update_soon(self) -> None:
        """Publish what was collected within ``COALESCE_SECONDS``, once for many events."""
        with self._lock:
            if self._update_pending:
                return
            self._update_pending = True
        self._poller.call_later(self.COALESCE_SECONDS, self._publish_collected)

    def _publish_collected(self) -> None:
        with self._lock:
            self._update_pending = False
        self._update()

    def _finalize_soon(self) -> None:
        """Read the result or error off the dispatcher thread, then publish the final state."""
        with self._lock:
            if self._finalizing:
                return
            self._finalizing = True
        self._poller.call_later(0, self._finalize)

    def _finalize(self) -> None:
        job = self.job
        status = status_name(_safe(job.status, "ERROR"))
        result, has_result, error = None, False, None
        if status == "DONE":
            try:
                result, has_result = job.result(), True
            except Exception as exc:
                error = _describe(exc)
        elif status == "ERROR":
            error = _safe(job.error_message) or "The job failed."
        elif status == "CANCELLED":
            error = None
        else:  # the event ran ahead of what we can read; look again shortly
            with self._lock:
                self._finalizing = False
            self._poller.call_later(0.05, self._finalize_soon)
            return None
        # Every interim result reached us as an event before the final status did (the
        # runtime delivers a job's events in order), so they need not be read again.
        logs = _safe(job.logs, None)
        with self._lock:
            if logs is not None and len(logs) > len("".join(self._logs)):
                self._logs = [logs]  # a new list: older snapshots keep their view
                log_view = PrefixView(self._logs)
            else:
                log_view = None
        changes = dict(
            status=status,
            queue_position=None,
            started=_aware(getattr(job, "start_date", None)) or self._snapshot.started,
            finished=_aware(getattr(job, "end_date", None)) or _now(),
            result=result,
            has_result=has_result,
            error=error,
            reason=getattr(job, "reason", None),
        )
        if log_view is not None:
            changes["log_chunks"] = log_view
        self._update(**changes)
        return None

    def refresh(self) -> None:
        status = status_name(_safe(self.job.status, "QUEUED"))
        if status in FINAL_STATUSES:
            self._finalize_soon()
        else:
            self._update(status=status)

    def _on_final(self) -> None:
        _safe(self._unsubscribe)

    def stop(self) -> None:
        super().stop()
        _safe(self._unsubscribe)


# ---------------------------------------------------------------------------
# jobs that must be asked: polled with back-off


class PolledJobMonitor(JobMonitor):
    """Polls ``job.status()`` on the shared poller thread, backing off while nothing changes.

    The interval starts at ``min_interval``, grows by half after every poll
    that saw no change up to ``max_interval``, and falls back to
    ``min_interval`` when the status changes.
    """

    kind = "primitive"
    min_interval = 0.05
    max_interval = 1.0
    backoff = 1.5

    def __init__(
        self,
        job: Any,
        poller: Poller | None = None,
        min_interval: float | None = None,
        max_interval: float | None = None,
    ):
        super().__init__(job, poller)
        if min_interval is not None:
            self.min_interval = min_interval
        if max_interval is not None:
            self.max_interval = max(max_interval, self.min_interval)
        self._interval = self.min_interval
        self._poll_lock = threading.Lock()
        self._update(**self._static_facts())
        if self.first_poll_on_caller:
            again = self._poll()
            if again is not None:
                self._poller.call_later(again, self._poll)
        else:
            self._poller.call_later(0, self._poll)

    #: Poll once on the caller's thread so a new view opens with the true status. Off for jobs
    #: whose every look is a network request: watch() must not wait for the service.
    first_poll_on_caller = True

    def _static_facts(self) -> dict[str, Any]:
        job = self.job
        program = getattr(job, "primitive_id", None) or getattr(job, "program_id", None)
        if program is None:
            primitive = getattr(job, "_function", None)
            owner = getattr(primitive, "__self__", None)
            program = type(owner).__name__ if owner is not None else None
        session = getattr(job, "session_id", None)
        return dict(
            program=_safe(lambda: str(program)) if program is not None else None,
            backend=_backend_name(job),
            created=_aware(getattr(job, "creation_date", None)) or _now(),
            session_id=session if isinstance(session, str) and session != self._snapshot.job_id else None,
        )

    def _status(self) -> str:
        return status_name(self.job.status())

    def _poll(self) -> float | None:
        """One look at the job; returns the delay until the next look, or None when done."""
        if self._stopped:
            return None
        with self._poll_lock:
            try:
                status = self._status()
            except Exception as exc:  # a network blip: keep trying, slowly
                log.debug("status poll of %s failed: %s", self.job_id, exc)
                self._interval = self.max_interval
                return self._interval
            if status in FINAL_STATUSES:
                self._update(**self._final_facts(status))
                return None
            changes: dict[str, Any] = {"status": status}
            if status == "RUNNING" and self._snapshot.started is None:
                changes["started"] = _now()
            changes.update(self._live_facts())
            if self._update(**changes):
                self._interval = self.min_interval
            else:
                self._interval = min(self.max_interval, self._interval * self.backoff)
            return self._interval

    def _live_facts(self) -> dict[str, Any]:
        return {}

    def _final_facts(self, status: str) -> dict[str, Any]:
        facts: dict[str, Any] = dict(status=status, queue_position=None, finished=_now())
        if self._snapshot.started is None:
            facts["started"] = self._snapshot.created
        if status == "DONE":
            try:
                facts["result"], facts["has_result"] = self.job.result(), True
            except Exception as exc:
                facts["error"] = _describe(exc)
        elif status == "ERROR":
            facts["error"] = self._error_message()
        return facts

    def _error_message(self) -> str:
        try:
            self.job.result()
        except Exception as exc:
            return _describe(exc)
        return "The job failed."

    def refresh(self) -> None:
        if not self._stopped:
            self._poll()


class PrimitiveJobMonitor(PolledJobMonitor):
    """Plain qiskit primitive jobs: a future in this process.

    ``PrimitiveJob.status()`` reports ERROR for a future that has not
    started yet (and caches it), so the future itself is asked first.
    """

    kind = "primitive"

    def _status(self) -> str:
        future = getattr(self.job, "_future", None)
        if future is not None and hasattr(future, "done") and not future.done():
            return "RUNNING" if future.running() else "QUEUED"
        return super()._status()


class IBMRuntimeJobMonitor(PolledJobMonitor):
    """``qiskit_ibm_runtime.RuntimeJobV2``: every poll is a request to the service."""

    kind = "ibm-runtime"
    min_interval = 0.5
    max_interval = 5.0

    first_poll_on_caller = False

    def _static_facts(self) -> dict[str, Any]:
        # The public properties (creation_date, session_id) ask the service when they are not
        # cached: read the cached values here, the rest arrives with the first poll.
        job = self.job
        return dict(
            program=getattr(job, "_program_id", None),
            backend=_backend_name(job),
            created=_aware(getattr(job, "_creation_date", None)),
            session_id=getattr(job, "_session_id", None),
        )

    def _live_facts(self) -> dict[str, Any]:
        if self._snapshot.created is not None:
            return {}
        return {"created": _aware(_safe(lambda: self.job.creation_date))}

    def _final_facts(self, status: str) -> dict[str, Any]:
        facts = super()._final_facts(status)
        metrics = _safe(self.job.metrics, None) or {}
        stamps = metrics.get("timestamps", {}) if isinstance(metrics, dict) else {}
        facts["started"] = _aware(stamps.get("running")) or facts.get("started") or self._snapshot.started
        facts["finished"] = _aware(stamps.get("finished")) or facts["finished"]
        if self._snapshot.created is None:
            facts["created"] = _aware(stamps.get("created"))
        logs = _safe(self.job.logs, None)
        if logs:
            with self._lock:
                self._logs = [logs]
            facts["log_chunks"] = PrefixView(self._logs)
        facts["reason"] = getattr(self.job, "_reason", None)
        return facts

    def _error_message(self) -> str:
        return _safe(self.job.error_message) or "The job failed."


# ---------------------------------------------------------------------------
# choosing the adapter, one monitor per job


def _is_instance(obj: Any, module: str, name: str) -> bool:
    """isinstance against a class of a module only if that module is loaded (never imports it)."""
    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    return cls is not None and isinstance(obj, cls)


def adapter_for(job: Any) -> type[JobMonitor]:
    """The monitor class that knows how to follow ``job``."""
    if callable(getattr(job, "subscribe", None)) and type(job).__module__.startswith("qrt_jupyter."):
        return LocalRuntimeJobMonitor
    if _is_instance(job, "qiskit_ibm_runtime.runtime_job_v2", "RuntimeJobV2"):
        return IBMRuntimeJobMonitor
    if hasattr(job, "_future") or _is_instance(job, "qiskit.primitives.primitive_job", "PrimitiveJob"):
        return PrimitiveJobMonitor
    if callable(getattr(job, "status", None)) and callable(getattr(job, "job_id", None)):
        return PolledJobMonitor  # e.g. an AerJob from backend.run
    raise TypeError(f"don't know how to monitor a {type(job).__name__}")


_monitors: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_monitors_lock = threading.Lock()


def monitor_job(job: Any, poller: Poller | None = None, **options: Any) -> JobMonitor:
    """The :class:`JobMonitor` of ``job``: one per job, shared by every view of it.

    ``options`` go to a new polled monitor (``min_interval``, ``max_interval``).
    """
    if isinstance(job, JobMonitor):
        return job
    cls = adapter_for(job)
    # Two handles on one local runtime job (service.job(id) twice) share a monitor;
    # other jobs are known only by their object.
    key = ("local", str(_safe(job.job_id))) if cls is LocalRuntimeJobMonitor else ("object", id(job))
    with _monitors_lock:
        existing = _monitors.get(key)
        if existing is not None and (existing.active or existing.snapshot.is_final):
            return existing
        monitor = cls(job, poller=poller, **options)
        _monitors[key] = monitor
        return monitor


__all__ = [
    "IBMRuntimeJobMonitor",
    "JobMonitor",
    "LocalRuntimeJobMonitor",
    "PolledJobMonitor",
    "PrimitiveJobMonitor",
    "adapter_for",
    "monitor_job",
]
