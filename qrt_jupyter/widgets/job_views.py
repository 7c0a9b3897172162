"""``show(job, wait=False, notebook=None)``: one monitor snapshot, two views.

As tqdm has a notebook bar and a text bar and dask's ``progress`` picks one,
``show`` draws any job the monitor follows either as the live job widget (in
a Jupyter kernel) or as a live text status line (in a terminal, a script, or
when the widget is not wanted). Both read the same
:class:`~qrt_jupyter.monitor.JobSnapshot`, so they say the same thing.
"""

from __future__ import annotations

import sys
from typing import Any

from ..monitor import JobMonitor, monitor_job
from .status_line import StatusLineView

__all__ = ["in_kernel", "show", "wait_until_final"]

#: How often a wait wakes up, so that Ctrl-C is noticed on every platform.
WAIT_SLICE_SECONDS = 0.25


def in_kernel() -> bool:
    """True in a Jupyter kernel (a front end that draws widgets), False in a terminal or script."""
    ipython = sys.modules.get("IPython")  # never imported here: a script without IPython has no kernel
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def show(job: Any, wait: bool = False, notebook: bool | None = None) -> None:
    """Show ``job`` live: the job widget in a kernel, a status line in a terminal.

    ``job`` is any job :func:`~qrt_jupyter.monitor.monitor_job` follows (our
    runtime's, ``qiskit_ibm_runtime``'s ``RuntimeJobV2`` and local-mode jobs,
    plain qiskit primitive jobs). ``notebook=True`` / ``False`` forces the
    widget / the text line instead of detecting the kernel; the text line in a
    kernel is one output updated in place. ``wait=True`` blocks until the job
    is final, printing each change in a terminal; Ctrl-C stops the wait, not
    the job. Nothing is returned (a cell ending in ``show(job)`` shows it
    once): read ``monitor_job(job).snapshot`` for the state shown.
    """
    monitor = monitor_job(job)
    kernel = in_kernel()
    if kernel if notebook is None else notebook:
        from IPython.display import display

        from .job import JobWidget

        display(JobWidget(monitor.job))
        if wait:
            wait_until_final(monitor)
        return
    if not monitor.snapshot.is_final:
        monitor.refresh()  # a line printed once must say what the job says now
    # in a terminal the line follows the job only while someone waits: nothing
    # may be printed into the user's prompt later
    view = StatusLineView(monitor, in_kernel=kernel, live=kernel or wait)
    if wait and not wait_until_final(monitor):
        view.stop()


def wait_until_final(monitor: JobMonitor) -> bool:
    """Block until the monitored job is final (True); Ctrl-C stops waiting (False), not the job."""
    try:
        while not monitor.wait(WAIT_SLICE_SECONDS):
            pass
    except KeyboardInterrupt:
        print(f"Stopped waiting; job {monitor.job_id} keeps running", flush=True)
        return False
    return True
