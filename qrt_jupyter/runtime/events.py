"""In-process publish/subscribe for job events.

The scheduler produces events on its own threads; subscribers (``stream_results``
callbacks, ``run(callback=...)``, the monitor layer behind the widgets) must never
run on those threads, or one slow callback would stall every job's store writes.
So events go through one queue to one delivery thread, which calls subscribers
in order. A callback that raises is logged and the others still run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..status import FINAL_STATUSES  # noqa: F401  (importable from here as before)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEvent:
    """One thing that happened to a job (see docs/internals.md, "Events").

    ``kind`` is ``"status"`` (data: status name), ``"interim"`` (data: the decoded
    interim result, ``index`` its position), ``"log"`` (data: a text chunk),
    ``"queue"`` (data: queue position or None) or, with an empty ``job_id``,
    ``"backends"`` (data: ``{backend_name: pending_jobs}``).
    """

    job_id: str
    kind: str
    data: Any
    time: float = field(default_factory=time.time)
    index: int = 0


Callback = Callable[[JobEvent], None]


class EventHub:
    """Fan events out to subscribers from a single daemon delivery thread."""

    def __init__(self, name: str = "qrt-events"):
        self._queue: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._by_job: dict[str, list[Callback]] = {}
        self._global: list[Callback] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- subscription -------------------------------------------------------
    def subscribe(self, callback: Callback, job_id: str | None = None) -> Callable[[], None]:
        """Call ``callback(event)`` for events of ``job_id`` (or of every job)."""
        with self._lock:
            if job_id is None:
                self._global = self._global + [callback]
            else:
                self._by_job[job_id] = self._by_job.get(job_id, []) + [callback]

        def unsubscribe() -> None:
            with self._lock:
                if job_id is None:
                    self._global = [c for c in self._global if c is not callback]
                else:
                    rest = [c for c in self._by_job.get(job_id, []) if c is not callback]
                    if rest:
                        self._by_job[job_id] = rest
                    else:
                        self._by_job.pop(job_id, None)

        return unsubscribe

    def has_subscribers(self, job_id: str) -> bool:
        return bool(self._global) or job_id in self._by_job

    # -- producing ----------------------------------------------------------
    def emit(self, event: JobEvent) -> None:
        self._queue.put(("event", event))

    def emit_encoded(self, job_id: str, kind: str, text: str, time: float, index: int,
                     decode: Callable[[str], Any]) -> None:
        """Emit an event whose data is still JSON text; it is decoded on the delivery thread.

        The scheduler's drain thread records a running program's messages; decoding
        them there would slow the recording (and so the program, whose messages back
        up) for the sake of subscribers, who are served on this hub's own thread anyway.
        """
        self._queue.put(("encoded", (job_id, kind, text, time, index, decode)))

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the delivery thread, ordered with the events around it."""
        self._queue.put(("call", fn))

    def flush(self, timeout: float = 10.0) -> None:
        """Block until everything emitted so far has been delivered (tests, shutdown)."""
        done = threading.Event()
        self.call_soon(done.set)
        done.wait(timeout)

    # -- delivery thread ----------------------------------------------------
    def _run(self) -> None:
        while True:
            kind, item = self._queue.get()
            if kind == "call":
                self._safe(item)
                continue
            if kind == "encoded":
                job_id, event_kind, text, when, index, decode = item
                try:
                    event = JobEvent(job_id, event_kind, decode(text), when, index)
                except Exception:  # written by RuntimeEncoder in the worker: a bug if it fails
                    logger.exception("qrt_jupyter could not decode a %s message of job %s", event_kind, job_id)
                    continue
            else:
                event = item
            with self._lock:
                targets = list(self._by_job.get(event.job_id, ())) + list(self._global)
            for callback in targets:
                self._safe(callback, event)

    @staticmethod
    def _safe(fn, *args) -> None:
        try:
            fn(*args)
        except Exception:  # a subscriber's bug must not stop delivery to the others
            logger.exception("qrt_jupyter event subscriber %r raised", fn)
