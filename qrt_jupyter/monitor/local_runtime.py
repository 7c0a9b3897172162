"""The adapter for jobs of our own runtime (local or remote): pushed events, nothing polled."""

from __future__ import annotations

import logging
from typing import Any

from ..status import (
    CANCELLED,
    DONE,
    ERROR,
    QUEUED,
    RUNNING,
    backend_name_of,
    fact,
    is_final,
    program_of,
    status_name,
)
from .job_monitor import JobMonitor, describe_error
from .poller import Poller
from .snapshots import PrefixView
from .times import aware, from_timestamp, now

__all__ = ["LocalRuntimeJobMonitor"]

log = logging.getLogger(__name__)


class _Subscriber:
    """What the monitor hands ``job.subscribe``: a callable for one event, and ``on_events``
    for the runs of events the runtime's hub delivers in one call."""

    __slots__ = ("_monitor",)

    def __init__(self, monitor: "LocalRuntimeJobMonitor"):
        self._monitor = monitor

    def __call__(self, event: Any) -> None:
        self._monitor._on_event(event)

    def on_events(self, events: list[Any]) -> None:
        self._monitor._on_events(events)


class LocalRuntimeJobMonitor(JobMonitor):
    """Follows a ``qrt_jupyter.runtime`` job through ``job.subscribe`` (no polling).

    Events that arrive while the initial state is being read are buffered and
    replayed after it, so nothing falls between the two; interim results carry
    their index, so none is counted twice.

    A program may publish thousands of interim results a second, and no view
    draws more than ten times a second: interim results and log lines are
    collected as they come, and folded into a new snapshot at most every
    ``COALESCE_SECONDS`` (status changes still publish at once, with all that
    was collected before them). The runtime's hub hands this monitor every event
    that waited in one call (``on_events``, interim results folded into one
    ``"interims"`` event), so a burst costs one lock and one list extend, not a
    Python call per result; a job of the remote service calls it per event.
    """

    kind = "local-runtime"
    COALESCE_SECONDS = 0.05
    SETTLE_WAIT_SECONDS = 10.0

    def __init__(self, job: Any, poller: Poller | None = None, **_options: Any):
        super().__init__(job, poller)
        self._update_pending = False
        self._ready = False
        self._buffer: list[Any] = []
        self._finalizing = False
        self._unsubscribe = job.subscribe(_Subscriber(self))
        self._read_initial()

    def _read_initial(self) -> None:
        job = self.job
        status = status_name(fact(job, "status", QUEUED))
        interims = fact(job, "interim_results") or []
        logs = fact(job, "logs", "")
        with self._lock:
            self._interims.extend(interims)
            if logs:
                self._logs.append(logs)
        self._update(
            program=program_of(job) or None,
            backend=backend_name_of(job, ask=True) or None,
            queue_position=fact(job, "queue_position") if status == QUEUED else None,
            created=aware(getattr(job, "creation_date", None)),
            started=aware(getattr(job, "start_date", None)),
            max_execution_time=getattr(job, "max_execution_time", None),
            session_id=getattr(job, "session_id", None),
            status=self._snapshot.status if is_final(status) else status,
        )
        with self._lock:
            self._ready = True
            buffered, self._buffer = self._buffer, []
        for event in buffered:
            self._apply(event)
        if is_final(status):
            # already over: read the outcome now, on the caller's thread, so a view of an old
            # job opens showing it (not the dispatcher thread: nothing else waits behind us)
            with self._lock:
                self._finalizing = True
            self._finalize()

    def _on_events(self, events: list[Any]) -> None:
        with self._lock:
            if not self._ready:
                self._buffer.extend(events)
                return
        for event in events:
            self._apply(event)

    def _on_event(self, event: Any) -> None:
        self._on_events([event])

    def _apply(self, event: Any) -> None:
        kind, data = event.kind, event.data
        if kind == "interim" or kind == "interims":
            with self._lock:
                if kind == "interim":
                    added = self._take_interims(getattr(event, "index", len(self._interims)), [data])
                else:
                    added = self._take_interims(event.index, data)
            if added:
                self._update_soon()
        elif kind == "log":
            with self._lock:
                self._logs.append(str(data))
            self._update_soon()
        elif kind == "queue":
            self._update(queue_position=data)
        elif kind == "status":
            name = status_name(data)
            if is_final(name):
                self._finalize_soon()
            elif name == RUNNING:
                self._update(
                    status=name,
                    queue_position=None,
                    started=self._snapshot.started or from_timestamp(event.time),
                )
            elif not self._started():  # a late event of a job seen running already says nothing new
                self._update(status=name)

    def _take_interims(self, index: int, values: list[Any]) -> bool:
        """Append interim results number ``index`` on, skipping those read with the initial
        state; after a gap, re-read the job's list first. Under the lock; True if any was new."""
        start = len(self._interims)
        if index > start:  # a gap: re-read the whole list
            fresh = fact(self.job, "interim_results") or []
            if len(fresh) > start:
                self._interims.extend(fresh[start:])
            if len(self._interims) < index:  # the store is behind the event: wait for the next
                return len(self._interims) > start
        skip = len(self._interims) - index
        if skip < len(values):
            self._interims.extend(values[skip:] if skip else values)
        return len(self._interims) > start

    def _started(self) -> bool:
        """The snapshot says the job runs: a job never goes back to waiting from there."""
        return self._snapshot.status == RUNNING

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
        status = status_name(fact(job, "status", ERROR))
        result, has_result, error = None, False, None
        if status == DONE:
            try:
                result, has_result = job.result(), True
            except Exception as exc:
                error = describe_error(exc)
        elif status == ERROR:
            error = fact(job, "error_message") or "The job failed."
        elif status == CANCELLED:
            error = None
        else:  # the event ran ahead of what we can read; look again shortly
            with self._lock:
                self._finalizing = False
            self._poller.call_later(0.05, self._finalize_soon)
            return None
        # Every interim result reached us as an event before the final status did (the
        # runtime delivers a job's events in order), so they need not be read again.
        logs = fact(job, "logs")
        with self._lock:
            if logs is not None and len(logs) > len("".join(self._logs)):
                self._logs = [logs]  # a new list: older snapshots keep their view
                log_view = PrefixView(self._logs)
            else:
                log_view = None
        changes = dict(
            status=status,
            queue_position=None,
            started=aware(getattr(job, "start_date", None)) or self._snapshot.started,
            finished=aware(getattr(job, "end_date", None)) or now(),
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
        """Look at the job now; a final job is settled before this returns.

        If the poller thread is settling it already, wait for that (reading a
        stored result takes moments; ``SETTLE_WAIT_SECONDS`` bounds the wait).
        """
        status = status_name(fact(self.job, "status", QUEUED))
        if not is_final(status):
            if not self._started():  # the store may be ahead of the events, never behind
                self._update(status=status, **({"queue_position": None} if status == RUNNING else {}))
            return
        with self._lock:
            busy, self._finalizing = self._finalizing, True
        if busy:
            self._final.wait(self.SETTLE_WAIT_SECONDS)
        else:
            self._finalize()

    def _on_final(self) -> None:
        self._leave()

    def stop(self) -> None:
        super().stop()
        self._leave()

    def _leave(self) -> None:
        try:
            self._unsubscribe()
        except Exception:  # the job's service may be closed already
            log.debug("unsubscribing from %s failed", self.job_id, exc_info=True)
