"""The dashboard's Sessions tab: sessions with their state, and the jobs of one of them.

Sessions come from the service's public ``sessions(limit)``; the selected
session's jobs are a second :class:`JobsView` whose query is fixed to that
session (``service.jobs(session_id=...)``), so its rows, paging, cancel, delete
and "open the job's widget" behave exactly as on the Jobs tab.
"""

from __future__ import annotations

import datetime as _dt
import html
import threading
from dataclasses import replace
from typing import Any

from ._tables import TABLE_CSS
from .jobs_view import JobsView
from .pump import get_pump

__all__ = ["SessionsView", "session_row", "sessions_html"]

STATE_COLORS = {"open": "#2e7d32", "closed": "#757575", "expired": "#ef6c00"}


def session_row(details: Any) -> dict:
    """Plain data for one session, from the dict ``service.sessions()`` returns.

    Also accepts a session object with ``details()`` (qiskit_ibm_runtime's and
    ours) so a service listing objects instead of dicts still works.
    """
    if not isinstance(details, dict):
        getter = getattr(details, "details", None)
        details = dict(getter() or {}) if callable(getter) else {"id": getattr(details, "session_id", details)}

    def when(value):
        if isinstance(value, _dt.datetime):
            return value.isoformat(timespec="seconds")
        return "" if value is None else str(value)

    jobs = details.get("jobs") or []
    return {
        "id": str(details.get("id") or details.get("session_id") or ""),
        "backend_name": str(details.get("backend_name") or details.get("backend") or ""),
        "state": str(details.get("state") or ""),
        "created": when(details.get("created") or details.get("started_at")),
        "closed": when(details.get("closed") or details.get("closed_at")),
        "max_time": details.get("max_time"),
        "num_jobs": len(jobs),
    }


def sessions_html(rows: list[dict]) -> str:
    head = "<tr><th>Session</th><th>State</th><th>Backend</th><th>Jobs</th><th>Created</th><th>Closed</th><th>Max time</th></tr>"
    body = "".join(
        f"<tr><td><code>{html.escape(r['id'])}</code></td>"
        f"<td style='color:{STATE_COLORS.get(r['state'], '#000')}'>{html.escape(r['state'])}</td>"
        f"<td>{html.escape(r['backend_name'])}</td><td>{r['num_jobs']}</td>"
        f"<td>{html.escape(r['created'].replace('T', ' '))}</td><td>{html.escape(r['closed'].replace('T', ' '))}</td>"
        f"<td>{_seconds(r['max_time'])}</td></tr>"
        for r in rows
    )
    if not rows:
        body = "<tr><td colspan='7'>No sessions yet.</td></tr>"
    return f"{TABLE_CSS}<table class='qrt-table qrt-sessions'>{head}{body}</table>"


def _seconds(value) -> str:
    return "" if value is None else f"{value:g} s"


class SessionsView:
    """The Sessions tab: the session list (a pump target) and the selected session's jobs."""

    def __init__(self, service: Any, limit: int = 20, page_size: int = 20, pump=None):
        import ipywidgets as w

        self.service = service
        self.limit = limit
        self.pump = pump or get_pump()
        self.rows: list[dict] = []
        self.error = ""
        self._lock = threading.RLock()
        self._selected: str | None = None
        self._syncing = False

        self.table = w.HTML()
        self.select = w.Dropdown(description="Jobs of", options=[], value=None)
        self.select.observe(self._on_select, "value")
        self.jobs = JobsView(service, page_size=page_size, pump=self.pump, require_session=True)
        self.widget = w.VBox(
            [w.VBox([self.table], layout=w.Layout(max_height="260px", overflow="auto")), self.select, self.jobs.widget]
        )

    def note_event(self, event) -> bool:
        """True if the event may change this tab (job counts, states, its jobs' rows)."""
        return self.jobs.note_event(event)

    def on_event(self, event) -> None:
        """A ``service.subscribe`` callback for the tab shown on its own."""
        if self.note_event(event):
            self.pump.mark_dirty(self)
            self.pump.mark_dirty(self.jobs)

    def _on_select(self, change) -> None:
        if not self._syncing and change["new"]:
            self.select_session(change["new"])

    def select_session(self, session_id: str) -> None:
        """Show the jobs of ``session_id`` below the list."""
        with self._lock:
            self._selected = session_id
        with self.jobs._lock:
            self.jobs.query = replace(self.jobs.query, session_id=session_id, page=0)
            self.jobs.cursor.reset()
        self.pump.mark_dirty(self)
        self.pump.mark_dirty(self.jobs)

    def flush(self) -> None:
        try:
            rows = [session_row(s) for s in self.service.sessions(limit=self.limit)]
            error = ""
        except Exception as exc:  # a service without sessions: say so, keep the tab
            rows, error = [], f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.rows, self.error = rows, error
            selected = self._selected
            if selected is None and rows:
                selected = rows[0]["id"]  # newest session first
        table = sessions_html(rows)
        if error:
            table = f"<div style='color:#c62828'>{html.escape(error)}</div>" + table
        self.table.value = table
        options = [(f"{r['id']} · {r['state']} · {r['num_jobs']} jobs", r["id"]) for r in rows]
        self._syncing = True
        try:
            with self.select.hold_sync():
                if list(self.select.options) != options:
                    self.select.options = options
                self.select.value = selected if any(v == selected for _, v in options) else None
        finally:
            self._syncing = False
        if selected is not None and selected != self.jobs.query.session_id:
            self.select_session(selected)

    def close(self) -> None:
        self.pump.forget(self)
        self.jobs.close()
