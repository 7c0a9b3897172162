"""What the monitor reads from private attributes of qiskit's and qiskit-ibm-runtime's jobs.

Public API does not tell these facts without blocking or without a request to
IBM's service, so the adapters read them here, each in one function, so that a
change in either package breaks one place (``tests/test_monitor.py`` covers
each against the real classes). Every reader returns ``None`` when the
attribute is not there.
"""

from __future__ import annotations

from typing import Any

__all__ = ["backend_without_asking", "cached_ibm_job_facts", "future_of", "primitive_of", "runs_on_a_future"]


def runs_on_a_future(job: Any) -> bool:
    """A qiskit ``PrimitiveJob`` (or one like it): it has a ``_future``, maybe not submitted yet."""
    return hasattr(job, "_future")


def future_of(job: Any) -> Any:
    """The ``concurrent.futures.Future`` behind a qiskit ``PrimitiveJob`` (``job._future``)."""
    future = getattr(job, "_future", None)
    return future if future is not None and hasattr(future, "done") else None


def primitive_of(job: Any) -> Any:
    """The primitive whose bound method a ``PrimitiveJob`` runs (``job._function.__self__``)."""
    return getattr(getattr(job, "_function", None), "__self__", None)


def backend_without_asking(job: Any) -> Any:
    """The backend object a job holds, without blocking or asking a service.

    ``AerJob``, IBM's ``RuntimeJobV2`` and its local-mode jobs keep it as ``_backend``;
    a ``PrimitiveJob`` does not, but its primitive may (``_backend``, or a
    ``backend`` property on qiskit's ``BackendSamplerV2``).
    """
    backend = getattr(job, "_backend", None)
    if backend is None:
        owner = primitive_of(job)
        backend = getattr(owner, "_backend", None) or getattr(owner, "backend", None)
        if callable(backend) and not hasattr(backend, "run"):
            backend = None  # a method, not a backend object
    return backend


def cached_ibm_job_facts(job: Any) -> dict[str, Any]:
    """What a ``RuntimeJobV2`` already knows without asking IBM's service.

    Its public properties (``creation_date``, ``session_id``, ...) send a
    request when the value is not cached; these are the cached values.
    """
    return {
        "program": getattr(job, "_program_id", None),
        "created": getattr(job, "_creation_date", None),
        "session_id": getattr(job, "_session_id", None),
        "reason": getattr(job, "_reason", None),
    }
