"""Finding what a magic's argument names: a program, a backend, a job.

An unknown name is a user's typo more often than not, so the ``UsageError``
lists the names that do exist, those that look like the typo first.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from ..status import job_id_of, name_of
from .errors import runtime_exceptions, usage_errors

__all__ = ["LISTED_NAMES", "check_backend", "find_job", "find_program", "program_id", "program_id_or_given"]

#: how many names an error message lists ("available: a, b, c, …")
LISTED_NAMES = 6


def program_id(program: Any) -> str:
    return getattr(program, "program_id", None) or getattr(program, "id", None) or ""


def find_program(service, program: str):
    """The program by id, else by name; unknown → the names that do exist."""
    errors = runtime_exceptions()
    try:
        return service.program(program)
    except errors.RuntimeProgramNotFound:
        pass
    programs = list(service.programs())
    for candidate in programs:
        if getattr(candidate, "name", None) == program:
            return candidate
    raise UsageError(
        f"unknown program {program!r}; available: {few((program_id(p) for p in programs), near=program)} "
        "(%qrt_programs lists them all)"
    )


def existing_program(service, name: str):
    """The program called ``name`` (or with that id), for ``--update``; None if there is none."""
    try:
        return find_program(service, name)
    except UsageError:
        return None


def program_id_or_given(service, program: str) -> str:
    """For filters: a name becomes its id when the program still exists; else as given."""
    found = existing_program(service, program)
    return (program_id(found) or program) if found is not None else program


def check_backend(service, name: str) -> None:
    names = [name_of(backend) for backend in service.backends()]
    if name not in names:
        raise UsageError(
            f"unknown backend {name!r}; available: {few(names, near=name)} (%qrt_backends lists them all)"
        )


def find_job(service, job_id: str):
    """The job by id; unknown → a few recent ids, so a typo is easy to fix."""
    errors = runtime_exceptions()
    with usage_errors(f"job {job_id}"):
        try:
            return service.job(job_id)
        except errors.RuntimeJobNotFound:
            recent = [job_id_of(job) for job in service.jobs(limit=LISTED_NAMES)]
    hint = f"recent jobs: {few(recent)}" if recent else "there are no jobs yet"
    raise UsageError(f"unknown job id {job_id!r}; {hint} (%qrt_jobs lists them)")


def few(names, near: str | None = None) -> str:
    """A short list for an error message; names that look like ``near`` (a typo) first."""
    names = [str(name) for name in names if name]
    if not names:
        return "none"
    if near:
        import difflib  # only when an error message is being written

        close = difflib.get_close_matches(near, names, n=LISTED_NAMES, cutoff=0.6)
        names = close + [name for name in names if name not in close]
    shown = ", ".join(names[:LISTED_NAMES])
    return shown + (", …" if len(names) > LISTED_NAMES else "")
