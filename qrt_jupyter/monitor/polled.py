"""The adapter for jobs that must be asked: ``job.status()`` polled with back-off.

It follows any job with ``job_id()`` and ``status()`` (an ``AerJob`` from
``backend.run``, for instance); :mod:`.primitive_job` and :mod:`.ibm_runtime`
refine it for qiskit's primitive jobs and IBM's ``RuntimeJobV2``. All polls run
on the one shared thread of :mod:`.poller`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .._compat import primitive_job_backend, primitive_of_job
from ..status import DONE, ERROR, RUNNING, fact, is_final, program_of, status_name
from .job_monitor import JobMonitor, describe_error
from .poller import Poller
from .times import aware, now

__all__ = ["PolledJobMonitor", "backend_label"]

log = logging.getLogger(__name__)


def backend_label(backend: Any) -> str | None:
    """A backend object's name (``name`` or ``name()``), else its class name; None for None."""
    if backend is None:
        return None
    name = fact(backend, "name")
    return str(name) if name is not None else type(backend).__name__


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

    #: Poll once on the caller's thread so a new view opens with the true status. Off for jobs
    #: whose every look is a network request: watch() must not wait for the service.
    first_poll_on_caller = True

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

    def _static_facts(self) -> dict[str, Any]:
        job = self.job
        program = program_of(job)
        if not program:  # a primitive's job: name the primitive
            owner = primitive_of_job(job)
            program = type(owner).__name__ if owner is not None else None
        session = getattr(job, "session_id", None)
        return dict(
            program=program or None,
            backend=backend_label(primitive_job_backend(job)),
            created=aware(getattr(job, "creation_date", None)) or now(),
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
            if is_final(status):
                self._update(**self._final_facts(status))
                return None
            changes: dict[str, Any] = {"status": status}
            if status == RUNNING and self._snapshot.started is None:
                changes["started"] = now()
            changes.update(self._live_facts())
            if self._update(**changes):
                self._interval = self.min_interval
            else:
                self._interval = min(self.max_interval, self._interval * self.backoff)
            return self._interval

    def _live_facts(self) -> dict[str, Any]:
        return {}

    def _final_facts(self, status: str) -> dict[str, Any]:
        facts: dict[str, Any] = dict(status=status, queue_position=None, finished=now())
        if self._snapshot.started is None:
            facts["started"] = self._snapshot.created
        if status == DONE:
            try:
                facts["result"], facts["has_result"] = self.job.result(), True
            except Exception as exc:
                facts["error"] = describe_error(exc)
        elif status == ERROR:
            facts["error"] = self._error_message()
        return facts

    def _error_message(self) -> str:
        try:
            self.job.result()
        except Exception as exc:
            return describe_error(exc)
        return "The job failed."

    def refresh(self) -> None:
        if not self._stopped:
            self._poll()
