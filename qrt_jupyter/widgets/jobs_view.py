"""The dashboard's Jobs tab: the paged, filtered jobs table and the job opened below it.

A :class:`JobsView` is the controller between a service and a :class:`JobTable`.
It owns the query (filters, page) and answers the table's requests:

* ``page`` / ``filter`` / ``refresh``: change the query and mark the view dirty;
  the pump thread fetches the page, so even a slow service (IBM's, over the
  network) never holds up the kernel that received the click;
* ``cancel`` / ``delete``: act through the job's and the service's public
  methods on a short-lived daemon thread, for the same reason, then mark dirty;
* ``open``: show ``watch(job)`` under the table (the job object is already at
  hand from the page on screen).

Service events only mark the view dirty; the pump calls :meth:`flush`, which
fetches one page (``service.jobs(limit, skip)``) and writes the traits in one
``hold_sync``. Interim-result and log events are ignored here: they do not
change a row, and a program publishing thousands of them must not cost the
table anything.
"""

from __future__ import annotations

import html
import threading
from dataclasses import replace
from typing import Any

from ..status import is_final, job_id_of
from .job_table import (
    JobQuery,
    JobTable,
    Page,
    PageCursor,
    fetch_page,
    filter_options,
    with_filters,
)
from ._tables import TABLE_CSS
from .pump import get_pump

__all__ = ["JobsView", "job_rows_html", "job_rows_text"]

# event kinds that can change a row of the table
ROW_EVENTS = frozenset({"status", "queue"})


class JobsView:
    """The Jobs tab: ``.widget`` to display, ``.table`` the synced front end."""

    def __init__(self, service: Any, page_size: int = 20, pump=None, require_session: bool = False):
        import ipywidgets as w

        self.service = service
        self.pump = pump or get_pump()
        # the Sessions tab's table: shows nothing (rather than every job) until a session is chosen
        self.require_session = require_session
        self.query = JobQuery(page_size=page_size)
        self.cursor = PageCursor()
        self.page: Page | None = None
        self.opened = None  # the job widget shown under the table
        self.queue_positions: dict[str, int | None] = {}
        self._lock = threading.RLock()
        self._message = ""
        self._reload_options = False
        self._actions: list[threading.Thread] = []

        self.table = JobTable(page_size=page_size, filter_options=filter_options(service))
        self.table.on_request(self.handle_request)
        self.detail = w.VBox([])
        self.widget = w.VBox([self.table, self.detail])

    # -- events (any thread): only remember and mark --------------------------------
    def note_event(self, event) -> bool:
        """Remember what an event says about queue positions; True if rows may have changed."""
        if event.kind == "queue":
            self.queue_positions[event.job_id] = event.data if isinstance(event.data, int) else None
        elif event.kind == "status" and is_final(event.data):
            self.queue_positions.pop(event.job_id, None)
        return event.kind in ROW_EVENTS

    def on_event(self, event) -> None:
        """A ``service.subscribe`` callback for a table shown on its own."""
        if self.note_event(event):
            self.pump.mark_dirty(self)

    # -- requests from the front end (kernel thread) ----------------------------------
    def handle_request(self, message: dict) -> None:
        kind = message.get("type")
        job_id = str(message.get("job_id") or "")
        if kind == "page":
            try:
                page = max(0, int(message.get("page", 0)))
            except (TypeError, ValueError):
                return
            with self._lock:
                if page > self.query.page + 1 or (page > self.query.page and not self.table.has_next):
                    page = self.query.page  # only step to a page that is known to exist
                self.query = replace(self.query, page=page)
        elif kind == "filter":
            with self._lock:
                self.query = with_filters(self.query, message.get("filters") or {})
                self.cursor.reset()
        elif kind == "refresh":
            with self._lock:
                self._reload_options = True
        elif kind == "open":
            self.open(job_id)
            return
        elif kind in ("cancel", "delete") and job_id:
            thread = threading.Thread(target=self._act, args=(job_id, kind), name=f"qrt-{kind}", daemon=True)
            with self._lock:
                self._actions = [t for t in self._actions if t.is_alive()] + [thread]
            thread.start()
            return
        else:
            return
        self.pump.mark_dirty(self)

    def wait_actions(self, timeout: float | None = None) -> bool:
        """Wait until cancel/delete requests made so far are done (scripts and tests)."""
        with self._lock:
            actions = list(self._actions)
        for thread in actions:
            thread.join(timeout)
        return not any(t.is_alive() for t in actions)

    def _job(self, job_id: str):
        """The job object for an id: from the page on screen, else from the service."""
        page = self.page
        for job in page.jobs if page else ():
            if job_id_of(job) == job_id:
                return job
        return self.service.job(job_id)

    def _act(self, job_id: str, action: str) -> None:
        try:
            if action == "cancel":
                self._job(job_id).cancel()
                note = ""
            else:
                self.service.delete_job(job_id)
                self.queue_positions.pop(job_id, None)
                with self._lock:
                    if self.opened is not None and getattr(self.opened, "job_id", None) == job_id:
                        _close_quietly(self.opened)
                        self.opened = None
                note = ""
        except Exception as exc:  # RuntimeInvalidStateError, RuntimeJobNotFound, ...: say it in the table
            note = f"{action} {job_id}: {type(exc).__name__}: {exc}"
        with self._lock:
            self._message = note
        self.pump.mark_dirty(self)

    def open(self, job_id: str):
        """Show the live widget of ``job_id`` under the table and return it."""
        from . import watch

        try:
            job = self._job(job_id)
            widget = watch(job)
        except Exception as exc:
            with self._lock:
                self._message = f"open {job_id}: {type(exc).__name__}: {exc}"
            self.pump.flush_now(self)
            return None
        with self._lock:
            previous, self.opened = self.opened, widget
            self._message = ""
        self.pump.flush_now(self)
        _close_quietly(previous)  # ours alone (watch() makes a new one): stop its updates
        return widget

    # -- drawing (pump thread, or flush_now on the caller's) ------------------------------
    def flush(self) -> None:
        with self._lock:
            query = self.query
            start = self.cursor.start_of(query)
            message = self._message
            opened = self.opened
            reload_options, self._reload_options = self._reload_options, False
        options = filter_options(self.service) if reload_options else None
        try:
            if self.require_session and not query.session_id:
                page = Page([], [], False, 0)
            else:
                page = fetch_page(self.service, query, start, self.queue_positions)
        except Exception as exc:
            page, message = None, f"{type(exc).__name__}: {exc}"
        with self._lock:
            if page is not None:
                if query.page > 0 and not page.rows and query == self.query:
                    # the last page emptied (deletes, another kernel): step back and retry
                    self.query = replace(query, page=query.page - 1)
                    self.pump.mark_dirty(self)
                self.cursor.record(query, page)
                self.page = page
            if page is not None and page.truncated:
                message = message or "Stopped scanning for this status after many jobs; 'older' scans further."
        table = self.table
        with table.hold_sync():
            if page is not None:
                table.rows = page.rows
                table.has_next = page.has_next
            table.page = query.page
            table.filters = {"program_id": query.program_id, "backend_name": query.backend_name, "status": query.status}
            table.selected = getattr(opened, "job_id", "") or ""
            table.message = message
            if options is not None:
                table.filter_options = options
        view = getattr(opened, "view", opened)
        children = (view,) if view is not None else ()
        if tuple(self.detail.children) != children:
            self.detail.children = children

    def close(self) -> None:
        self.pump.forget(self)
        _close_quietly(self.opened)
        self.table.close()


def _close_quietly(widget) -> None:
    if widget is not None:
        try:
            widget.close()
        except Exception:  # already closed, or a front end gone: nothing to release
            pass


# -- static summaries (no live front end) ------------------------------------------------


def job_rows_html(rows: list[dict]) -> str:
    """The rows as a plain HTML table, for nbconvert and other front ends without widgets."""
    head = "<tr>" + "".join(f"<th>{label}</th>" for label in _HEADINGS) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row, key))}</td>" for key in _KEYS) + "</tr>" for row in rows
    )
    if not rows:
        body = f"<tr><td colspan='{len(_KEYS)}'>No jobs.</td></tr>"
    return f"{TABLE_CSS}<table class='qrt-table qrt-jobs'>{head}{body}</table>"


def job_rows_text(rows: list[dict]) -> str:
    """The rows as fixed-width text, for terminal IPython."""
    widths = [max([len(label)] + [len(_cell(r, key)) for r in rows]) for key, label in zip(_KEYS, _HEADINGS)]
    lines = ["  ".join(label.ljust(wd) for label, wd in zip(_HEADINGS, widths))]
    for row in rows:
        lines.append("  ".join(_cell(row, key).ljust(wd) for key, wd in zip(_KEYS, widths)).rstrip())
    if not rows:
        lines.append("(no jobs)")
    return "\n".join(lines)


_KEYS = ("job_id", "program_id", "backend", "status", "created", "session_id")
_HEADINGS = ("Job", "Program", "Backend", "Status", "Created", "Session")


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if key == "created":
        return str(value).replace("T", " ")[:19]
    return str(value)
