"""The text view of a job: one line that says where it is, kept current from its monitor.

It is the other half of :func:`~qrt_jupyter.widgets.show.show` (tqdm's text
bar to the job widget's notebook bar): the same :class:`~qrt_jupyter.monitor.JobSnapshot`,
drawn as ``sampler job j-1 on fake_manila: QUEUED (position 2 in the queue)``.
Because the monitor follows every kind of job (it polls IBM's), the line is
live for all of them.

In a kernel the line is one output updated in place (``display_id``); in a
terminal each change is printed as a new line, and only while someone waits,
so nothing is printed into the user's prompt later.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING, Any

from ..status import CANCELLED, DONE, ERROR, QUEUED

if TYPE_CHECKING:  # the magics import first_line from here: %load_ext must not load the monitor
    from ..monitor import JobMonitor, JobSnapshot

__all__ = ["StatusLine", "StatusLineView", "first_line", "status_text"]

_COLOURS = {DONE: "#1e8e3e", ERROR: "#d93025", CANCELLED: "#80868b"}
_RUNNING_COLOUR = "#1a73e8"


def status_text(snap: JobSnapshot) -> str:
    """``"{program} job {id} on {backend}: {STATUS}"``, with the queue position or the error."""
    what = f"{snap.program} " if snap.program else ""
    where = f" on {snap.backend}" if snap.backend else ""
    text = f"{what}job {snap.job_id}{where}: {snap.status}"
    if snap.status == QUEUED and snap.queue_position:
        text += f" (position {snap.queue_position} in the queue)"
    error = snap.error or (snap.reason if snap.status == ERROR else None)
    if error:
        text += f": {first_line(error)}"
    return text


def first_line(text: Any, limit: int | None = 200) -> str:
    """The first non-empty line of a message, cut to ``limit`` characters (None: whole)."""
    line = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"


class StatusLine:
    """One snapshot as a displayable line: text in a terminal, coloured HTML in a notebook."""

    def __init__(self, snapshot: JobSnapshot):
        self.snapshot = snapshot

    def __repr__(self) -> str:
        return status_text(self.snapshot)

    def _repr_html_(self) -> str:
        colour = _COLOURS.get(self.snapshot.status, _RUNNING_COLOUR)
        return (
            f"<span class='qrt-status' style='font-family:monospace;color:{colour}'>"
            f"{html.escape(repr(self))}</span>"
        )


class StatusLineView:
    """Shows one monitor's snapshot as a status line, and keeps showing it while it changes.

    ``in_kernel``: a Jupyter front end that can update an output in place.
    ``live``: follow changes (in a terminal only while someone waits).
    """

    def __init__(self, monitor: JobMonitor, in_kernel: bool, live: bool = True):
        self.monitor = monitor
        self._in_kernel = in_kernel
        self._lock = threading.Lock()
        self._shown = ""
        self._drawn_version = -1
        self._handle = None
        self._unsubscribe = None
        if live and not monitor.snapshot.is_final:
            # subscribe before the first draw, so no change falls in between
            self._unsubscribe = monitor.subscribe(self._on_change)
        self._draw(monitor.snapshot)

    @property
    def text(self) -> str:
        """What the line says now."""
        return status_text(self.monitor.snapshot)

    def _on_change(self, snap: JobSnapshot) -> None:  # monitor thread: only draw text
        self._draw(snap)
        if snap.is_final:
            self.stop()

    def _draw(self, snap: JobSnapshot) -> None:
        with self._lock:
            if snap.version <= self._drawn_version:
                return  # listeners of two threads may deliver out of order: never draw back
            self._drawn_version = snap.version
            line = StatusLine(snap)
            text = repr(line)
            if text == self._shown:
                return
            self._shown = text
            if not self._in_kernel:
                print(text, flush=True)
                return
            from IPython.display import display

            if self._handle is None:
                self._handle = display(line, display_id=True)
            else:
                self._handle.update(line)

    def stop(self) -> None:
        """Stop following the job (it goes on running)."""
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    def __repr__(self) -> str:
        return self.text
