"""Layer 5: the live job widget, the job's text status line, the dashboard, plotly figures, the update pump.

``show(job)`` draws a job in whichever view fits (the widget in a kernel, the
status line in a terminal); ``watch(job)`` returns the widget itself. Importing
this package is cheap: it pulls in neither qiskit, qiskit-aer nor plotly; the
job widget module is imported when a job is first watched and plotly when a
figure is first built.
"""

from __future__ import annotations

from typing import Any

from .._lazy import lazy_exports

__all__ = ["Dashboard", "JobWidget", "show", "watch"]

_LAZY = {
    "Dashboard": "qrt_jupyter.widgets.dashboard",
    "JobWidget": "qrt_jupyter.widgets.job",
    "show": "qrt_jupyter.widgets.job_views",
}


def watch(job: Any, **kwargs: Any):
    """The live widget of ``job``: our local runtime jobs, ``qiskit_ibm_runtime`` jobs
    (``RuntimeJobV2`` and local-mode jobs) and plain qiskit primitive jobs alike.

    The widget has synced ``status`` (e.g. ``"DONE"``) and ``job_id`` traits
    and shows itself, its interim plot and its result figure when displayed;
    without a live front end it shows a static summary instead.
    """
    from .job import JobWidget

    return JobWidget(job, **kwargs)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
