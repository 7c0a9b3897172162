"""Immutable pictures of a job and of a backend, the one model every view reads.

Widgets, the dashboard and text summaries never talk to a job object directly:
they read a :class:`JobSnapshot`.  That keeps the many job flavours (our local
``RuntimeJob``, ``qiskit_ibm_runtime`` jobs, plain qiskit primitive jobs)
behind one shape, and makes a view a pure function of a value that tests can
build by hand.

Snapshots are cheap to take even for a job with thousands of interim results:
interim results and log chunks live in append-only lists owned by the
monitor, and a snapshot holds a fixed-length *prefix view* of them instead of a
copy.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..status import QUEUED, fact, is_final, is_pending, is_waiting

__all__ = ["BackendSnapshot", "JobSnapshot", "PrefixView", "backend_snapshot"]


class PrefixView(Sequence):
    """The first ``n`` items of an append-only list, frozen at ``n``.

    The monitor only ever appends to the list, so a view taken now keeps
    showing exactly what was there now, without copying.
    """

    __slots__ = ("_items", "_n")

    def __init__(self, items: list | tuple = (), n: int | None = None):
        self._items = items
        self._n = len(items) if n is None else n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._items[i] for i in range(*index.indices(self._n))]
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError("PrefixView index out of range")
        return self._items[index]

    def __eq__(self, other):
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"PrefixView({list(self)!r})"


@dataclass(frozen=True)
class JobSnapshot:
    """Everything a view shows about one job at one moment.

    ``version`` grows by one with every change, so a view can tell cheaply
    whether it is up to date. ``interim_results`` and ``log_chunks`` only
    grow; a view that remembers how many it has drawn draws only the rest.
    """

    job_id: str
    status: str = QUEUED  # a name of qrt_jupyter.status
    program: str | None = None
    backend: str | None = None
    queue_position: int | None = None
    created: datetime | None = None
    started: datetime | None = None
    finished: datetime | None = None
    max_execution_time: float | None = None
    session_id: str | None = None
    interim_results: Sequence[Any] = field(default_factory=PrefixView)
    result: Any = None
    has_result: bool = False
    error: str | None = None
    log_chunks: Sequence[str] = field(default_factory=PrefixView)
    reason: str | None = None
    kind: str = "job"  # which adapter made it: "local-runtime", "ibm-runtime", "primitive", ...
    version: int = 0
    updated: float = field(default_factory=time.time)

    @property
    def is_final(self) -> bool:
        return is_final(self.status)

    @property
    def is_pending(self) -> bool:
        """Not final yet: waiting or running."""
        return is_pending(self.status)

    @property
    def is_waiting(self) -> bool:
        """Not running yet."""
        return is_waiting(self.status)

    @property
    def logs(self) -> str:
        return "".join(self.log_chunks)

    def elapsed(self, now: datetime | None = None) -> float | None:
        """Seconds the job has been running (or ran), None before it started."""
        if self.started is None:
            return None
        end = self.finished or now or datetime.now(self.started.tzinfo)
        return max(0.0, (end - self.started).total_seconds())

    def evolve(self, **changes) -> JobSnapshot:
        """A copy with ``changes`` applied and the version bumped."""
        return replace(self, version=self.version + 1, updated=time.time(), **changes)


@dataclass(frozen=True)
class BackendSnapshot:
    """What the dashboard's backend table shows for one backend."""

    name: str
    num_qubits: int | None = None
    operational: bool = True
    pending_jobs: int = 0
    simulator: bool | None = None
    status_msg: str | None = None


def backend_snapshot(backend: Any) -> BackendSnapshot:
    """Read a backend of any flavour: our ``LocalBackend``, an IBM backend, an Aer or fake one.

    Reading never raises: a backend that cannot tell its status is shown as
    operational with an empty queue, which is what Aer and fake backends are.
    """
    name = fact(backend, "name")  # a property, or BackendV1's name()
    num_qubits = getattr(backend, "num_qubits", None)
    if num_qubits is None:
        try:
            num_qubits = backend.configuration().n_qubits
        except Exception:
            num_qubits = None
    operational, pending, msg = True, 0, None
    status = getattr(backend, "status", None)
    if callable(status):
        try:
            st = status()
            operational = bool(getattr(st, "operational", True))
            pending = int(getattr(st, "pending_jobs", 0) or 0)
            msg = getattr(st, "status_msg", None)
        except Exception:
            pass
    simulator = getattr(backend, "simulator", None)
    if simulator is None:
        info = getattr(backend, "info", None)
        simulator = getattr(info, "simulator", None)
    return BackendSnapshot(
        name=str(name),
        num_qubits=num_qubits,
        operational=operational,
        pending_jobs=pending,
        simulator=simulator if isinstance(simulator, bool) else None,
        status_msg=msg,
    )
