"""The one vocabulary of job facts: status names, which are final, which are pending.

Every layer (the runtime's store and scheduler, the server, the monitor, the
widgets, the magics) speaks about jobs in these words and reads them from job
objects with these functions, so that "is this job finished?" has one answer
everywhere. The job objects come in many kinds -- our ``RuntimeJob``, the
remote client's jobs, ``qiskit_ibm_runtime``'s ``RuntimeJobV2`` and local-mode
jobs, plain qiskit primitive jobs -- so they are read duck-typed: nothing here
imports qiskit, or anything else.

Status names are those of ``qiskit.providers.JobStatus`` (``"DONE"``, not
``"Completed"``); IBM's REST API writes them differently, and
:func:`status_name` reads both.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CANCELLED",
    "DONE",
    "ERROR",
    "FINAL_STATUSES",
    "INITIALIZING",
    "PENDING_STATUSES",
    "QUEUED",
    "RUNNING",
    "STATUSES",
    "UNKNOWN",
    "VALIDATING",
    "WAITING_STATUSES",
    "api_status",
    "backend_name_of",
    "fact",
    "is_final",
    "is_pending",
    "is_waiting",
    "job_id_of",
    "name_of",
    "program_of",
    "status_name",
    "status_of",
]

INITIALIZING = "INITIALIZING"
VALIDATING = "VALIDATING"
QUEUED = "QUEUED"
RUNNING = "RUNNING"
DONE = "DONE"
ERROR = "ERROR"
CANCELLED = "CANCELLED"
#: What a job is called whose status cannot be read (gone, or not a job).
UNKNOWN = "UNKNOWN"

#: The statuses a job of the local runtime goes through, in order.
STATUSES = (QUEUED, RUNNING, DONE, ERROR, CANCELLED)

#: After one of these a job never changes again.
FINAL_STATUSES = frozenset({DONE, ERROR, CANCELLED})

#: Before the job runs (IBM's service also reports the first two).
WAITING_STATUSES = frozenset({INITIALIZING, VALIDATING, QUEUED})

#: Not final yet: waiting or running. This is what ``jobs(pending=True)`` means
#: in the old ``IBMRuntimeService`` API, and what a cancel button can act on.
PENDING_STATUSES = WAITING_STATUSES | {RUNNING}

# IBM's REST API names a job's state in words of its own; read them as ours.
_API_TO_STATUS = {
    "COMPLETED": DONE,
    "FAILED": ERROR,
    "CANCELED": CANCELLED,
    "CANCELLED - RAN TOO LONG": ERROR,
}
_STATUS_TO_API = {
    QUEUED: "Queued",
    RUNNING: "Running",
    DONE: "Completed",
    ERROR: "Failed",
    CANCELLED: "Cancelled",
    INITIALIZING: "Queued",
    VALIDATING: "Queued",
}


def status_name(status: Any) -> str:
    """Any spelling of a status as its name here.

    ``JobStatus.DONE``, ``"DONE"``, ``"done"`` and IBM's ``"Completed"`` all give
    ``"DONE"``; ``None`` (no such job, or no status yet) gives ``"UNKNOWN"``.
    """
    if status is None:
        return UNKNOWN
    name = getattr(status, "name", status)  # an enum member, or already a string
    text = str(name).strip().upper()
    if not text:
        return UNKNOWN
    if text.startswith("JOBSTATUS."):
        text = text[len("JOBSTATUS."):]
    return _API_TO_STATUS.get(text, text)


def api_status(status: Any) -> str:
    """A status as IBM's REST API writes it (``"DONE"`` -> ``"Completed"``)."""
    name = status_name(status)
    return _STATUS_TO_API.get(name, name.capitalize())


def is_final(status: Any) -> bool:
    return status_name(status) in FINAL_STATUSES


def is_pending(status: Any) -> bool:
    """Not final yet (waiting or running)."""
    return status_name(status) in PENDING_STATUSES


def is_waiting(status: Any) -> bool:
    """Not running yet."""
    return status_name(status) in WAITING_STATUSES


# -- reading facts from any kind of job -------------------------------------------


def fact(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name()`` or ``obj.name``, whichever the object has, else ``default``.

    The old API has methods (``job.job_id()``) where V2 jobs have properties,
    and a fact that cannot be read (a network error, a job that is gone) must
    not break a listing of many jobs: any exception gives ``default``.
    """
    try:
        value = getattr(obj, name, None)
        if callable(value):
            value = value()
    except Exception:
        return default
    return default if value is None else value


def name_of(obj: Any) -> str:
    """The name of a backend, program or anything with ``.name`` / ``.name()``."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    name = fact(obj, "name")
    return name if isinstance(name, str) else str(obj)


def job_id_of(job: Any) -> str:
    value = fact(job, "job_id")
    return "" if value is None else str(value)


def status_of(job: Any) -> str:
    """The job's status name; ``"UNKNOWN"`` when it cannot be read."""
    return status_name(fact(job, "status"))


def program_of(job: Any) -> str:
    """The program a job runs; qiskit-ibm-runtime's V2 jobs call it ``primitive_id``."""
    for attr in ("program_id", "primitive_id"):
        value = fact(job, attr)
        if isinstance(value, str) and value:
            return value
    return ""


def backend_name_of(job: Any, ask: bool = False) -> str:
    """The name of the backend a job runs on, without blocking unless ``ask``.

    Our jobs carry ``backend_name``; ``job.backend()`` is only called when
    ``ask`` is set, because on an IBM ``RuntimeJobV2`` without a backend it
    waits for the job to finish.
    """
    name = getattr(job, "backend_name", None)
    if isinstance(name, str):
        return name
    if not ask:
        return ""
    return name_of(fact(job, "backend"))
