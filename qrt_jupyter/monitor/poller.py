"""One shared daemon thread for everything the monitors must do off the caller's thread.

Jobs that cannot push events (plain qiskit primitive jobs, IBM jobs) are
polled here with back-off, and monitors of pushed jobs fetch their final
result here rather than on the runtime's event dispatcher thread. One thread
for all jobs, however many are watched: a notebook with fifty finished jobs
costs nothing, and a notebook with fifty running ones costs one thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: A task returns the delay in seconds until it wants to run again, or None when done.
Task = Callable[[], "float | None"]


class Poller:
    """A timer wheel on one daemon thread: ``call_later(delay, task)``."""

    def __init__(self, name: str = "qrt-monitor-poller"):
        self._name = name
        self._heap: list[tuple[float, int, Task]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def call_later(self, delay: float, task: Task) -> None:
        """Run ``task`` on the poller thread after ``delay`` seconds (0 = as soon as possible)."""
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + max(0.0, delay), next(self._seq), task))
            self._ensure_thread()
            self._cond.notify()

    def stop(self) -> None:
        """Stop the thread (tests); pending tasks are dropped."""
        self._stopped.set()
        with self._cond:
            self._heap.clear()
            self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopped.clear()
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            with self._cond:
                while not self._heap and not self._stopped.is_set():
                    self._cond.wait()
                if self._stopped.is_set():
                    return
                due, _, task = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            try:
                again = task()
            except Exception:  # a broken task must not stop everybody else's polling
                log.exception("monitor task %r failed; dropped", task)
                again = None
            if again is not None:
                self.call_later(again, task)


_shared: Poller | None = None
_shared_lock = threading.Lock()


def shared_poller() -> Poller:
    """The process-wide poller (created, and its thread started, on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Poller()
        return _shared
