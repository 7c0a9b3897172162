"""``monitor_job(job)``: which adapter follows a job, and one monitor per job.

Each kind of job has its adapter, in a module of its own:

* our runtime's ``RuntimeJob`` pushes events (:mod:`.local_runtime`); nothing is polled.
* ``qiskit_ibm_runtime.RuntimeJobV2`` asks the service over the network, so it
  is polled gently (:mod:`.ibm_runtime`).
* plain qiskit primitive jobs (``PrimitiveJob``, Aer's, and qiskit-ibm-runtime's
  local-mode jobs) are futures in this process, polled quickly (:mod:`.primitive_job`).
* anything else with ``job_id()`` and ``status()`` is polled (:mod:`.polled`).

A monitor stops by itself when its job is final; listeners hear about every
change through ``subscribe`` and read ``monitor.snapshot``.
"""

from __future__ import annotations

import sys
import threading
import weakref
from typing import Any

from .._compat import job_future
from ..status import job_id_of
from .ibm_runtime import IBMRuntimeJobMonitor
from .job_monitor import JobMonitor
from .local_runtime import LocalRuntimeJobMonitor
from .polled import PolledJobMonitor
from .poller import Poller
from .primitive_job import PrimitiveJobMonitor

__all__ = [
    "IBMRuntimeJobMonitor",
    "JobMonitor",
    "LocalRuntimeJobMonitor",
    "PolledJobMonitor",
    "PrimitiveJobMonitor",
    "adapter_for",
    "monitor_job",
]


def _is_instance(obj: Any, module: str, name: str) -> bool:
    """isinstance against a class of a module only if that module is loaded (never imports it)."""
    mod = sys.modules.get(module)
    cls = getattr(mod, name, None) if mod is not None else None
    return cls is not None and isinstance(obj, cls)


def adapter_for(job: Any) -> type[JobMonitor]:
    """The monitor class that knows how to follow ``job``."""
    if callable(getattr(job, "subscribe", None)) and type(job).__module__.startswith("qrt_jupyter."):
        return LocalRuntimeJobMonitor
    if _is_instance(job, "qiskit_ibm_runtime.runtime_job_v2", "RuntimeJobV2"):
        return IBMRuntimeJobMonitor
    if job_future(job) is not None or _is_instance(job, "qiskit.primitives.primitive_job", "PrimitiveJob"):
        return PrimitiveJobMonitor
    if callable(getattr(job, "status", None)) and callable(getattr(job, "job_id", None)):
        return PolledJobMonitor  # e.g. an AerJob from backend.run
    raise TypeError(f"don't know how to monitor a {type(job).__name__}")


_monitors: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_monitors_lock = threading.Lock()


def monitor_job(job: Any, poller: Poller | None = None, **options: Any) -> JobMonitor:
    """The :class:`JobMonitor` of ``job``: one per job, shared by every view of it.

    ``options`` go to a new polled monitor (``min_interval``, ``max_interval``).
    """
    if isinstance(job, JobMonitor):
        return job
    cls = adapter_for(job)
    # Two handles on one job of our runtime (service.job(id) twice) share a monitor;
    # other jobs are known only by their object.
    key = ("local", job_id_of(job)) if cls is LocalRuntimeJobMonitor else ("object", id(job))
    with _monitors_lock:
        existing = _monitors.get(key)
        if existing is not None and (existing.active or existing.snapshot.is_final):
            return existing
        monitor = cls(job, poller=poller, **options)
        _monitors[key] = monitor
        return monitor
