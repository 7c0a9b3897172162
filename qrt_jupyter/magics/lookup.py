"""Finding what a magic's argument names, in the words of :mod:`qrt_jupyter.runtime.names`.

The services resolve names themselves (``service.program``, ``service.backend``
and ``service.run`` raise the client's exceptions with "did you mean"
suggestions); the magics only turn those into one line. Two things are left
here: whether a program exists (``%%qrt_program`` words its answer in flags),
and an unknown job id on a service whose own message names no recent jobs.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from ..status import job_id_of
from .errors import runtime_exceptions, usage_errors

__all__ = ["RECENT_JOBS", "existing_program", "find_job"]

#: how many recent job ids an "unknown job" message may name
RECENT_JOBS = 6


def existing_program(service, name: str) -> Any:
    """The uploaded program with this name or id, or None.

    A built-in's name is free for an upload of one's own (it gets its own id, as on
    IBM's service), so a built-in found by that name does not count.
    """
    try:
        program = service.program(name)
    except runtime_exceptions().RuntimeProgramNotFound:
        return None
    if not getattr(program, "is_builtin", False):
        return program
    return next((p for p in service.programs()
                 if getattr(p, "name", None) == name and not getattr(p, "is_builtin", False)), None)


def find_job(service, job_id: str):
    """The job by id; unknown → the closest of the recent ids, so a typo is easy to fix."""
    from ..runtime.names import unknown

    with usage_errors(f"job {job_id}"):
        try:
            return service.job(job_id)
        except runtime_exceptions().RuntimeJobNotFound:
            recent = [job_id_of(job) for job in service.jobs(limit=RECENT_JOBS)]
    raise UsageError(f"{unknown('job', job_id, recent)} (%qrt_jobs lists them)")
