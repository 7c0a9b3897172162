"""``JobMonitor``: the live snapshot of one job and the listeners that want to hear of it.

This is the part every adapter shares: applying changes to the immutable
:class:`~.snapshots.JobSnapshot`, telling listeners, settling once the job is
final. How the facts are learnt differs per kind of job, and lives in one
module per adapter (:mod:`.local_runtime`, :mod:`.polled`,
:mod:`.primitive_job`, :mod:`.ibm_runtime`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ..status import job_id_of
from .poller import Poller, shared_poller
from .snapshots import JobSnapshot, PrefixView

__all__ = ["JobMonitor", "Listener", "describe_error"]

log = logging.getLogger(__name__)

Listener = Callable[[JobSnapshot], None]


def describe_error(exc: BaseException) -> str:
    """An exception as the one line a view shows: ``"TypeName: message"``."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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
        self._snapshot = JobSnapshot(job_id=job_id_of(job), kind=self.kind)

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
