"""The jobs table: a page of a service's jobs as rows, and the widget drawing them.

The model half is pure: :func:`job_row` turns any job object into a plain dict
(only JSON-able values, so it can be a synced trait), :func:`fetch_page` asks the
service for one page. The service is only ever asked for ``limit + 1`` jobs from
an offset, never for "all jobs": a store with ten thousand jobs opens as fast as
one with ten.

Only the service's public ``jobs(limit, skip, program_id, pending,
backend_name)`` is used, so the same table shows the local runtime's jobs and the
IBM adapter's. Filtering by one exact status (``DONE``, ...) is not something
``jobs()`` can do, so those filters narrow by ``pending`` on the service and the
rest on this side, scanning forward in bounded chunks; the offset where each page
began is remembered (:class:`PageCursor`) so "previous" is exact.

The widget half (:class:`JobTable`) is an anywidget view of the rows with no
business logic: its ES module draws ``rows`` and sends the user's intentions
(open, cancel, delete, page, filter) back as custom messages, which the owner of
the table handles (see ``dashboard.py``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import anywidget
import traitlets as t

from ..status import (
    FINAL_STATUSES,
    PENDING_STATUSES,
    QUEUED,
    STATUSES,
    backend_name_of,
    fact,
    is_final,
    is_pending,
    job_id_of,
    program_of,
    status_of,
)
from ._assets import asset_path

__all__ = [
    "COLUMNS",
    "JobQuery",
    "JobTable",
    "Page",
    "PageCursor",
    "STATUS_FILTERS",
    "fetch_page",
    "filter_options",
    "job_row",
    "with_filters",
]

# status filter values: "" any, two groups the service filters itself, exact statuses
STATUS_FILTERS = ("", "pending", "finished", *STATUSES)

# (row key, heading) in display order; the front end draws exactly these
COLUMNS = (
    ("job_id", "Job"),
    ("program_id", "Program"),
    ("backend", "Backend"),
    ("status", "Status"),
    ("queue_position", "Queue"),
    ("created", "Created"),
    ("session_id", "Session"),
)

# how far a client-side status filter may scan for one page (bounded work per refresh)
SCAN_CHUNK = 200
SCAN_LIMIT = 5000


# -- rows ---------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def job_row(job: Any, queue_positions: dict | None = None) -> dict:
    """A JSON-able dict describing one job row, from the job's public methods.

    ``can_cancel``/``can_delete`` are decided here and not in JavaScript, so the
    front end only shows or hides the buttons. A queued job's position comes from
    the service's ``queue`` events (``queue_positions``) when one was seen, else
    from ``job.queue_position()``.
    """
    job_id = job_id_of(job)
    status = status_of(job)
    queue = None
    if status == QUEUED:
        queue = (queue_positions or {}).get(job_id)
        if queue is None:  # no event seen yet: ask the job (ours reads the store, IBM's a cache)
            queue = fact(job, "queue_position")
    return {
        "job_id": job_id,
        "program_id": program_of(job),
        "backend": backend_name_of(job, ask=True),
        "status": status,
        "queue_position": queue if isinstance(queue, int) else None,
        "created": _text(fact(job, "creation_date")) or "",
        "session_id": _text(fact(job, "session_id")) or "",
        "can_cancel": is_pending(status),
        "can_delete": is_final(status),
    }


# -- pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class JobQuery:
    """What the table shows: filters and which page (0-based) of ``page_size`` rows."""

    page: int = 0
    page_size: int = 20
    program_id: str = ""
    backend_name: str = ""
    status: str = ""
    session_id: str = ""  # fixed by the Sessions tab, not by the filter drop-downs

    def service_kwargs(self) -> dict:
        """The filters ``service.jobs()`` applies itself."""
        kwargs: dict = {}
        if self.program_id:
            kwargs["program_id"] = self.program_id
        if self.backend_name:
            kwargs["backend_name"] = self.backend_name
        if self.session_id:
            kwargs["session_id"] = self.session_id
        if self.status == "pending" or self.status in PENDING_STATUSES:
            kwargs["pending"] = True
        elif self.status == "finished" or self.status in FINAL_STATUSES:
            kwargs["pending"] = False
        return kwargs

    @property
    def exact_status(self) -> str:
        """A status the service cannot filter on, checked here ("" if none)."""
        return self.status if self.status not in ("", "pending", "finished") else ""


@dataclass
class Page:
    """One page of jobs: ``jobs`` (the objects, for actions) and their ``rows``."""

    jobs: list
    rows: list[dict]
    has_next: bool
    next_offset: int  # raw offset in the service's list just past this page
    truncated: bool = False  # a status scan stopped at SCAN_LIMIT before filling the page


@dataclass
class PageCursor:
    """Raw offsets where each visited page started, so paging works under client filters.

    Without an exact-status filter page ``n`` simply starts at ``n * page_size``.
    """

    starts: list[int] = field(default_factory=lambda: [0])

    def start_of(self, query: JobQuery) -> int:
        if not query.exact_status:
            return query.page * query.page_size
        return self.starts[min(query.page, len(self.starts) - 1)]

    def record(self, query: JobQuery, page: Page) -> None:
        if query.exact_status:
            del self.starts[query.page + 1 :]
            self.starts.append(page.next_offset)

    def reset(self) -> None:
        self.starts = [0]


def _newest_first(jobs: list) -> list:
    """Sort a page by creation date, newest first (stable: ties keep the service's order)."""

    def key(job):
        created = fact(job, "creation_date")
        if isinstance(created, _dt.datetime):
            if created.tzinfo is None:
                created = created.replace(tzinfo=_dt.timezone.utc)
            return created.timestamp()
        return float("-inf")

    return sorted(jobs, key=key, reverse=True)


def fetch_page(
    service: Any,
    query: JobQuery,
    start: int | None = None,
    queue_positions: dict | None = None,
) -> Page:
    """One page of jobs, newest first, asking the service for no more than needed.

    Without an exact-status filter this is a single ``service.jobs(limit=page_size + 1,
    skip=start)`` (the extra job tells whether there is a next page). With one, the
    service's list is scanned forward from ``start`` in chunks until the page is full,
    bounded by ``SCAN_LIMIT`` jobs. ``query.session_id`` is passed on as ``jobs(session_id=...)``
    (the local service and ``qiskit_ibm_runtime`` both take it).
    """
    size = max(1, int(query.page_size))
    start = query.page * size if start is None else start
    kwargs = query.service_kwargs()
    wanted = query.exact_status
    if not wanted:
        jobs = list(service.jobs(limit=size + 1, skip=start, **kwargs))
        has_next = len(jobs) > size
        jobs = _newest_first(jobs[:size])
        return Page(jobs, [job_row(j, queue_positions) for j in jobs], has_next, start + len(jobs))

    picked: list = []
    offset = start
    scanned = 0
    has_next = False
    truncated = False
    while True:
        chunk = list(service.jobs(limit=SCAN_CHUNK, skip=offset, **kwargs))
        for i, job in enumerate(chunk):
            if status_of(job) != wanted:
                continue
            if len(picked) == size:  # one more match exists: there is a next page
                has_next = True
                break
            picked.append(job)
            next_offset = offset + i + 1
        if has_next or len(chunk) < SCAN_CHUNK:
            break
        offset += len(chunk)
        scanned += len(chunk)
        if scanned >= SCAN_LIMIT:
            truncated = has_next = True
            break
    if not picked:
        next_offset = start
    elif truncated and len(picked) < size:
        next_offset = offset  # continue the scan where it stopped
    jobs = _newest_first(picked)
    return Page(jobs, [job_row(j, queue_positions) for j in jobs], has_next, next_offset, truncated)


def filter_options(service: Any) -> dict:
    """Choices for the filter drop-downs: program ids, backend names, statuses.

    Read once when the table opens (and on refresh requests), from the service's
    public ``programs()`` and ``backends()``; a failure leaves that list empty
    rather than breaking the table.
    """
    def names(items: Iterable, attr: str) -> list[str]:
        return sorted({str(value) for item in items if (value := fact(item, attr)) is not None})

    try:
        programs = names(service.programs(), "program_id")
    except Exception:
        programs = []
    try:
        backends = names(service.backends(), "name")
    except Exception:
        backends = []
    return {"program_id": programs, "backend_name": backends, "status": list(STATUS_FILTERS)}


# -- the widget -----------------------------------------------------------------


class JobTable(anywidget.AnyWidget):
    """The jobs table front end. State in, intentions out; nothing decided in JS.

    Messages from the front end (``{"type": ...}``): ``open``/``cancel``/``delete``
    with ``job_id``; ``page`` with ``page``; ``filter`` with ``filters`` (a dict with
    ``program_id``, ``backend_name``, ``status``); ``refresh``. They are passed to
    the callbacks registered with :meth:`on_request`; the owner changes the traits.
    """

    _esm = asset_path("job_table.js")

    rows = t.List(t.Dict()).tag(sync=True)
    columns = t.List(t.List(t.Unicode())).tag(sync=True)
    page = t.Int(0).tag(sync=True)
    page_size = t.Int(20).tag(sync=True)
    has_next = t.Bool(False).tag(sync=True)
    filters = t.Dict().tag(sync=True)
    filter_options = t.Dict().tag(sync=True)
    selected = t.Unicode("").tag(sync=True)
    message = t.Unicode("").tag(sync=True)  # one line shown above the rows (errors, notes)
    show_controls = t.Bool(True).tag(sync=True)  # filters and pager (off for fixed lists)

    def __init__(self, **kwargs):
        kwargs.setdefault("columns", [list(c) for c in COLUMNS])
        kwargs.setdefault("filters", {"program_id": "", "backend_name": "", "status": ""})
        super().__init__(**kwargs)
        self._handlers: list[Callable[[dict], None]] = []
        self.on_msg(self._on_custom_msg)

    def on_request(self, handler: Callable[[dict], None]) -> None:
        """Call ``handler(message)`` for each request the front end sends."""
        self._handlers.append(handler)

    def _on_custom_msg(self, _widget, content, _buffers) -> None:
        self.handle_message(content)

    def handle_message(self, content: dict) -> None:
        """Dispatch one front-end request (also the entry point for tests and Python callers)."""
        if not isinstance(content, dict) or "type" not in content:
            return
        for handler in list(self._handlers):
            handler(dict(content))


def with_filters(query: JobQuery, filters: dict) -> JobQuery:
    """A new query for changed filters: back to page 0, unknown keys ignored."""
    known = {k: str(filters.get(k) or "") for k in ("program_id", "backend_name", "status")}
    if known["status"] not in STATUS_FILTERS:
        known["status"] = ""
    return replace(query, page=0, **known)
