"""The one place that applies updates to widgets: throttled, batched, on one thread.

Producers (job monitors, the runtime's event dispatcher, the dashboard's
service subscription) never touch a widget. They call
``pump.mark_dirty(target)``, which is cheap and thread-safe; the pump's
daemon thread later calls ``target.flush()``, where the target reads the
latest state and writes its traits inside ``hold_sync()`` / plotly's
``batch_update()``. So a program publishing thousands of interim results a
second costs the front end at most ``1 / min_interval`` messages a second
per widget (10 by default), and the kernel only a set insertion per result.

Why a thread and not an asyncio task: the widgets must also update in plain
Python and in a terminal, where no event loop runs. With ipykernel 7 and
ipywidgets 8, trait changes made on a background thread reach the front end
live. The thread is a daemon and stops when its ``Event`` is set
(``pump.stop()``).

A target is any object with a ``flush()`` method (see :class:`Flushable`).
Every mark is honoured: a target marked during or after a flush is flushed
again once its interval has passed, so the last state always gets out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

#: Default minimum seconds between two flushes of the same target (≤ 10 updates/s).
DEFAULT_MIN_INTERVAL = 0.1


@runtime_checkable
class Flushable(Protocol):
    def flush(self) -> None:
        """Read the latest state and apply it to the widget(s), batched."""


class UpdatePump:
    """Applies pending widget updates at most once per ``min_interval`` per target.

    ``clock`` is injectable so tests can drive time by hand; with
    ``start=False`` no thread runs and tests call :meth:`run_once` themselves.
    """

    def __init__(
        self,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        start: bool = True,
        name: str = "qrt-widget-pump",
    ):
        self.min_interval = min_interval
        self.clock = clock
        self._name = name
        self._autostart = start
        self._cond = threading.Condition()
        self._dirty: dict[int, Flushable] = {}  # id -> target, marked since its last flush
        self._last: dict[int, float] = {}  # id -> clock time of its last flush
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.flushes = 0  # total flushes done; tests and benchmarks read it
        self._in_flight = 0  # flushes running now (drain waits for them too)

    # -- producers ------------------------------------------------------
    def mark_dirty(self, target: Flushable) -> None:
        """Ask for ``target.flush()`` soon. Cheap, thread-safe, callable from any thread."""
        with self._cond:
            self._dirty[id(target)] = target
            if self._autostart:
                self._ensure_thread()
            self._cond.notify()

    def forget(self, target: Flushable) -> None:
        """Drop ``target`` (a closed widget): no pending flush, no throttle state."""
        with self._cond:
            self._dirty.pop(id(target), None)
            self._last.pop(id(target), None)

    # -- the applying side ----------------------------------------------
    def run_once(self) -> float | None:
        """Flush every dirty target whose interval has passed, now, on this thread.

        Returns the clock time when the next remaining target becomes due, or
        None if nothing is pending. The thread loops on this; tests call it
        directly with a fake clock.
        """
        now = self.clock()
        with self._cond:
            due = [
                (key, target)
                for key, target in self._dirty.items()
                if now - self._last.get(key, float("-inf")) >= self.min_interval
            ]
            for key, _ in due:
                del self._dirty[key]
                self._last[key] = now
            self._in_flight += len(due)
            if len(self._last) > 1024:  # forget throttles that no longer hold anything back
                self._last = {
                    k: t for k, t in self._last.items() if k in self._dirty or now - t < self.min_interval
                }
        try:
            for _, target in due:
                self._flush(target)
        finally:
            with self._cond:
                self._in_flight -= len(due)
        with self._cond:
            if not self._dirty:
                return None
            return min(self._last.get(key, now) + self.min_interval for key in self._dirty)

    def flush_now(self, target: Flushable) -> None:
        """Flush ``target`` immediately on the calling thread (ignores the throttle).

        For a view's first render and for tests; it still counts as this
        target's last flush, so the throttle goes on from here.
        """
        with self._cond:
            self._dirty.pop(id(target), None)
            self._last[id(target)] = self.clock()
            self._in_flight += 1
        try:
            self._flush(target)
        finally:
            with self._cond:
                self._in_flight -= 1

    def pending(self) -> int:
        """Targets marked and not yet flushed, plus flushes running now."""
        with self._cond:
            return len(self._dirty) + self._in_flight

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait (real time) until every mark has been flushed; True if it got there. For tests and scripts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not self._dirty and not self._in_flight:
                    return True
            if self._thread is None or not self._thread.is_alive():
                self.run_once()
            time.sleep(0.01)
        return self.pending() == 0

    def _flush(self, target: Flushable) -> None:
        self.flushes += 1
        try:
            target.flush()
        except Exception:  # one broken widget must not stop the others' updates
            log.exception("widget flush failed for %r", target)

    # -- the thread -----------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            next_due = self.run_once()
            with self._cond:
                if self._stop.is_set():
                    return
                if next_due is None and not self._dirty:
                    self._cond.wait()
                else:
                    # the clock may be fake: never sleep longer than the interval in real time
                    wait = self.min_interval if next_due is None else next_due - self.clock()
                    if wait > 0:
                        self._cond.wait(min(wait, self.min_interval))

    def stop(self) -> None:
        """Stop the thread; marks made afterwards start it again if ``start`` was True."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


_default: UpdatePump | None = None
_default_lock = threading.Lock()


def get_pump() -> UpdatePump:
    """The process-wide pump all widgets use unless given another one."""
    global _default
    with _default_lock:
        if _default is None:
            _default = UpdatePump()
        return _default


def mark_dirty(target: Flushable) -> None:
    """Shorthand for ``get_pump().mark_dirty(target)``."""
    get_pump().mark_dirty(target)
