"""``IBMService.subscribe``: the local runtime's event stream, made by polling IBM.

IBM's service pushes nothing to a client any more, so the dashboard's events
(``JobEvent`` of :mod:`qrt_jupyter.runtime.events`) are made here by asking:
every ``interval`` seconds one daemon thread lists the pending jobs and the
backends' queues and reports what changed. The thread exists only while
someone is subscribed, and each round costs a handful of requests (one list of
pending jobs, one status per pending job, one status per backend), which is
why the default interval is seconds, not milliseconds.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from qrt_jupyter.runtime.events import JobEvent
from qrt_jupyter.status import FINAL_STATUSES

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 10.0
PENDING_WINDOW = 50  # pending jobs looked at per round


class ServicePoller:
    """One polling thread per ``IBMService``, shared by all its subscribers."""

    def __init__(self, service: Any, interval: float = DEFAULT_INTERVAL):
        self._service = service
        self.interval = interval
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[JobEvent], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._jobs: dict[str, Any] = {}  # pending job id -> RuntimeJobV2, polled each round
        self._statuses: dict[str, str] = {}
        self._queues: dict[str, int] | None = None
        self._failures = 0

    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        with self._lock:
            self._callbacks = self._callbacks + [callback]
            if self._thread is None or not self._thread.is_alive():
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                                name="qrt-ibm-poller", daemon=True)
                self._thread.start()

        def unsubscribe() -> None:
            with self._lock:
                self._callbacks = [c for c in self._callbacks if c is not callback]
                if not self._callbacks:
                    self._stop.set()

        return unsubscribe

    def close(self, timeout: float = 10.0) -> None:
        """Drop every subscriber and wait for the thread to finish its round."""
        with self._lock:
            self._callbacks = []
            self._stop.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the thread ------------------------------------------------------------------
    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
                self._failures = 0
            except Exception as exc:  # a network blip must not end the dashboard's feed
                self._failures += 1
                log = logger.warning if self._failures == 1 else logger.debug
                log("polling IBM Quantum failed (%s); retrying every %.0f s", exc, self.interval)
            stop.wait(self.interval)

    def poll_once(self) -> None:
        """One round: new and changed job statuses, then backend queue lengths."""
        for job in self._service.jobs(limit=PENDING_WINDOW, pending=True):
            self._jobs.setdefault(job.job_id(), job)
        for job_id, job in list(self._jobs.items()):
            status = str(job.status())
            if status != self._statuses.get(job_id):
                self._statuses[job_id] = status
                self._emit(JobEvent(job_id, "status", status))
            if status in FINAL_STATUSES:
                del self._jobs[job_id]
        queues = {b.name: int(b.status().pending_jobs) for b in self._service.backends()}
        if queues != self._queues:
            self._queues = queues
            self._emit(JobEvent("", "backends", dict(queues)))

    def _emit(self, event: JobEvent) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                logger.exception("IBM event subscriber %r raised", callback)
