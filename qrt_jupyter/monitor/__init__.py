"""Layer 3: one snapshot/event model for any job, pure Python (no widgets, no plotly).

``monitor_job(job)`` follows a local runtime job, a ``qiskit_ibm_runtime`` job
or a plain qiskit primitive job and keeps a :class:`JobSnapshot` up to date;
views subscribe to it. ``backend_snapshot(backend)`` reads any backend into a
:class:`BackendSnapshot`. Nothing here imports qiskit: the job object the
caller already has is all it needs.
"""

from .jobs import JobMonitor, adapter_for, monitor_job
from .poller import Poller, shared_poller
from .snapshots import (
    FINAL_STATUSES,
    PENDING_STATUSES,
    BackendSnapshot,
    JobSnapshot,
    PrefixView,
    backend_snapshot,
    status_name,
)

__all__ = [
    "FINAL_STATUSES",
    "PENDING_STATUSES",
    "BackendSnapshot",
    "JobMonitor",
    "JobSnapshot",
    "Poller",
    "PrefixView",
    "adapter_for",
    "backend_snapshot",
    "monitor_job",
    "shared_poller",
]
