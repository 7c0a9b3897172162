"""Layer 4: one snapshot/event model for any job, pure Python (no widgets, no plotly).

``monitor_job(job)`` follows a job of our runtime, a ``qiskit_ibm_runtime`` job
or a plain qiskit primitive job (one adapter module each, chosen in
:mod:`.jobs`) and keeps a :class:`JobSnapshot` up to date; views subscribe to
it. ``backend_snapshot(backend)`` reads any backend into a
:class:`BackendSnapshot`. Status names and groups are those of
:mod:`qrt_jupyter.status`. Nothing here imports qiskit: the job object the
caller already has is all it needs.
"""

from .jobs import (
    IBMRuntimeJobMonitor,
    JobMonitor,
    LocalRuntimeJobMonitor,
    PolledJobMonitor,
    PrimitiveJobMonitor,
    adapter_for,
    monitor_job,
)
from .poller import Poller, shared_poller
from .snapshots import BackendSnapshot, JobSnapshot, PrefixView, backend_snapshot

__all__ = [
    "BackendSnapshot",
    "IBMRuntimeJobMonitor",
    "JobMonitor",
    "JobSnapshot",
    "LocalRuntimeJobMonitor",
    "PolledJobMonitor",
    "Poller",
    "PrefixView",
    "PrimitiveJobMonitor",
    "adapter_for",
    "backend_snapshot",
    "monitor_job",
    "shared_poller",
]
