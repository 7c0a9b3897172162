"""``Dashboard(service=None)``: jobs, backends, programs and sessions of one service, live.

The dashboard is a composition of four views (``jobs_view``, ``backends_view``,
``programs_view``, ``sessions_view``), each a target of the shared update pump.
How updates flow, and why:

* ``service.subscribe`` delivers every job event on the service's dispatcher
  thread; :meth:`Dashboard._on_event` only marks the views an event concerns
  (the visible one now, hidden ones when they are shown again). It never touches
  a widget, so thousands of interim results cost a set insertion each.
* The pump's thread calls each view's ``flush()`` at most ten times a second;
  a flush reads one page / the backend list from the service and writes traits
  in one batch. No asyncio loop is needed, so this works in a terminal, in a
  script, and in a kernel whose loop is busy.
* Only public service methods are used (``jobs``, ``job``, ``delete_job``,
  ``backends``, ``programs``, ``run``, ``sessions``, ``subscribe``), so the IBM
  adapter, or any object with the same methods, can be shown too. A service
  without ``subscribe`` is refreshed on a slow timer instead.

Without a live front end (nbconvert, terminal IPython) the mime bundle carries a
static HTML/text summary: the first page of jobs and the backends.
"""

from __future__ import annotations

import html
import threading
from typing import Any, Mapping

import ipywidgets as w

from .. import active
from .backend_rows import backend_rows, backends_html, backends_text, least_busy_name
from .backends_view import BackendsView
from .jobs_view import JobsView, job_rows_html, job_rows_text
from .programs_view import ProgramsView
from ._bundle import with_static_summaries
from .pump import get_pump
from .sessions_view import SessionsView

__all__ = ["Dashboard", "default_service"]

JOBS, BACKENDS, PROGRAMS, SESSIONS = "Jobs", "Backends", "Programs", "Sessions"

# refresh period of a service that cannot push events (seconds)
POLL_PERIOD = 5.0


def default_service():
    """The service a bare ``Dashboard()`` shows: the active one, else the local runtime."""
    return active.get_service()


class Dashboard(w.VBox):
    """Tabs Jobs, Backends, Programs, Sessions over one runtime service.

    ``service``: any object with the runtime service API (default: the active
    service, i.e. the local runtime unless ``%qrt_service`` chose another).
    ``page_size``: rows per page of the jobs tables. ``namespace``: where the
    program form evaluates Python expressions (default: the IPython user
    namespace). ``pump``: the update pump (tests pass their own).
    """

    def __init__(
        self,
        service: Any = None,
        page_size: int = 20,
        namespace: Mapping | None = None,
        pump=None,
        **kwargs: Any,
    ):
        self.service = service if service is not None else default_service()
        self.pump = pump or get_pump()
        self._lock = threading.Lock()
        self._stale: set[str] = set()
        self._closed = threading.Event()

        self.jobs = JobsView(self.service, page_size=page_size, pump=self.pump)
        self.backends = BackendsView(self.service, pump=self.pump)
        self.programs = ProgramsView(self.service, namespace=namespace, pump=self.pump)
        self.views: dict[str, Any] = {JOBS: self.jobs, BACKENDS: self.backends, PROGRAMS: self.programs}
        if callable(getattr(self.service, "sessions", None)):
            self.sessions = SessionsView(self.service, page_size=page_size, pump=self.pump)
            self.views[SESSIONS] = self.sessions
        else:
            self.sessions = None
        self._names = list(self.views)

        self.tabs = w.Tab(children=[v.widget for v in self.views.values()], titles=self._names)
        self.tabs.observe(self._on_tab, "selected_index")
        refresh = w.Button(description="Refresh", icon="refresh", layout=w.Layout(width="auto"))
        refresh.on_click(lambda _b: self.refresh())
        header = w.HBox(
            [w.HTML(f"<b>Qiskit Runtime</b> — {html.escape(active.describe(self.service))}"), refresh],
            layout=w.Layout(justify_content="space-between", align_items="center"),
        )
        super().__init__([header, self.tabs], **kwargs)

        self._stale.update(self._names)
        self.pump.flush_now(self.jobs)  # the first tab opens filled: one page, nothing more
        self._stale.discard(JOBS)
        subscribe = getattr(self.service, "subscribe", None)
        if callable(subscribe):
            self._unsubscribe = subscribe(self._on_event)
        else:
            self._unsubscribe = None
            self._start_polling()

    # -- which views are visible -----------------------------------------------------
    @property
    def visible(self) -> str:
        index = self.tabs.selected_index or 0
        return self._names[index]

    def _on_tab(self, change) -> None:
        if change["new"] is not None:
            self._mark(self._names[change["new"]])

    def _mark(self, name: str) -> None:
        """Mark a view for redrawing if it is visible; otherwise remember it is stale."""
        with self._lock:
            if name != self.visible:
                self._stale.add(name)
                return
            self._stale.discard(name)
        view = self.views[name]
        self.pump.mark_dirty(view)
        if name == SESSIONS:
            self.pump.mark_dirty(view.jobs)

    def show(self, name: str) -> None:
        """Switch to tab ``name`` ("Jobs", "Backends", "Programs", "Sessions")."""
        self.tabs.selected_index = self._names.index(name)

    # -- events (service dispatcher thread): mark, never draw ----------------------------
    def _on_event(self, event) -> None:
        kind = event.kind
        if self.jobs.note_event(event):
            self._mark(JOBS)
        if self.sessions is not None and self.sessions.note_event(event):
            self._mark(SESSIONS)
        if kind == "backends" or kind == "status":  # queue lengths change with statuses
            self._mark(BACKENDS)

    def refresh(self) -> None:
        """Re-read everything (programs and backends lists too) on the next pump flush."""
        self.jobs.handle_request({"type": "refresh"})
        self.programs.refresh()
        with self._lock:
            self._stale.update(self._names)
        self._mark(self.visible)

    # -- a service without events ------------------------------------------------------
    def _start_polling(self) -> None:
        from ..monitor import shared_poller

        def tick():
            if self._closed.is_set():
                return None
            self._mark(JOBS)
            self._mark(self.visible)
            return POLL_PERIOD

        shared_poller().call_later(POLL_PERIOD, tick)

    # -- static summaries -------------------------------------------------------------------
    def summary_rows(self) -> tuple[list[dict], list[dict]]:
        """(job rows of the page on screen, backend rows) for the static summaries."""
        page = self.jobs.page
        job_rows = list(page.rows) if page is not None else []
        try:
            backends = backend_rows(self.service.backends(), least_busy_name(self.service))
        except Exception:
            backends = []
        return job_rows, backends

    def html_summary(self) -> str:
        jobs, backends = self.summary_rows()
        return (
            f"<div class='qrt-dashboard'><h3>Qiskit Runtime — {html.escape(active.describe(self.service))}</h3>"
            f"<h4>Jobs (newest first)</h4>{job_rows_html(jobs)}<h4>Backends</h4>{backends_html(backends)}</div>"
        )

    def text_summary(self) -> str:
        jobs, backends = self.summary_rows()
        return (
            f"Qiskit Runtime — {active.describe(self.service)}\n\nJobs (newest first)\n{job_rows_text(jobs)}"
            f"\n\nBackends\n{backends_text(backends)}"
        )

    def _repr_mimebundle_(self, **kwargs: Any):
        """The widget for live front ends, plus summaries for those without widgets.

        nbconvert skips a widget view whose state was not saved and falls back to
        ``text/html``; terminal IPython prints ``text/plain``.
        """
        return with_static_summaries(super()._repr_mimebundle_(**kwargs), self.text_summary(),
                                     self.html_summary())

    def close(self) -> None:
        """Stop listening to the service and release every view's widgets."""
        self._closed.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for view in self.views.values():
            view.close()
        super().close()
