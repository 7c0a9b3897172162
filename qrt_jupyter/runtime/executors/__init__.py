"""Where jobs run: the seam between the scheduler, which decides, and what runs a program.

The scheduler owns everything that must be exact -- queue order, one job per
device, time limits, cancels, the store -- and hands a claimed job to an
:class:`Executor`, as to a ``concurrent.futures`` executor: *start* it, *kill*
it, and *hear* what it says. The executor only runs programs. Today's one
implementation is :class:`~.local.LocalExecutor`, a pool of warm worker
processes on this machine; a Dask executor would sit behind the same four calls.

What an executor reports, through the ``report`` callable it is given (from
any of its threads, in order per job; the scheduler queues them):

* ``("interim", job_id, json_text)`` -- the program published a result;
* ``("log", job_id, stream, text)`` -- a chunk of its stdout/stderr/logging;
* ``("result", job_id, json_text)`` / ``("error", job_id, traceback_text)`` -- it ended;
* ``("lost", job_id, detail)`` -- what ran it died before the job ended (``detail``
  says how, e.g. the exit code), so the job can never end by itself;
* ``("free",)`` -- a slot was freed: the scheduler may start the next job now.

After :meth:`Executor.kill` nothing more is reported for that job, except
messages it sent before it was stopped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

__all__ = ["Executor", "Launch", "Report"]

Report = Callable[[tuple], None]
"""How an executor tells the scheduler what happened (the messages in the module docstring)."""


@dataclass(frozen=True)
class Launch:
    """Everything needed to run one job anywhere: plain strings, cheap to send."""

    job_id: str
    program_kind: str
    """``"builtin"`` (``program`` is the module to import) or ``"source"`` (``program`` is its text)."""
    program: str
    backend: str
    backend_factory: str | None
    """For a ``"prefix:rest"`` backend name, the ``"module:function"`` that builds it
    (see ``backends.register_backend_factory``); None for the local backends."""
    inputs: str
    """The job's inputs as ``RuntimeEncoder`` JSON text."""
    log_level: str | None
    memory_limit: int | None = None
    """Bytes the program may allocate (``RuntimeOptions.memory_limit``); None: no limit."""


class Executor(ABC):
    """Runs the jobs a scheduler starts; see the module docstring for what it reports."""

    #: How many jobs this executor runs at once (the scheduler claims no more).
    max_jobs: int

    @abstractmethod
    def start(self, launch: Launch) -> None:
        """Begin running a job now; a failure to start is reported as ``("lost", ...)``."""

    @abstractmethod
    def kill(self, job_id: str) -> None:
        """Stop a job at once (cancel, time limit): the program need not cooperate."""

    @abstractmethod
    def shutdown(self) -> None:
        """Stop everything this executor runs; called once, when the scheduler stops."""
