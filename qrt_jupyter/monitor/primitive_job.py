"""The adapter for plain qiskit primitive jobs: a future in this process, polled quickly.

``PrimitiveJob`` (qiskit's reference primitives, Aer's primitives) and
qiskit-ibm-runtime's local-mode jobs run in a thread of this process, so a
look costs nothing and the adapter looks often (``min_interval``, backing
off to ``max_interval``).
"""

from __future__ import annotations

from .._compat import job_future
from ..status import QUEUED, RUNNING
from .polled import PolledJobMonitor

__all__ = ["PrimitiveJobMonitor"]


class PrimitiveJobMonitor(PolledJobMonitor):
    """Plain qiskit primitive jobs.

    ``PrimitiveJob.status()`` reports ERROR for a future that has not
    started yet (and caches it), so the future itself is asked first.
    """

    kind = "primitive"

    def _status(self) -> str:
        future = job_future(self.job)
        if future is not None and hasattr(future, "done") and not future.done():
            return RUNNING if future.running() else QUEUED
        return super()._status()
