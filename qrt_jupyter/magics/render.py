"""What the magics display: listings and a job's text status line.

Each is one object with two views, chosen by the front end and not by us:
``__repr__`` for a terminal IPython (and for ``print``), ``_repr_html_`` for a
notebook. The magics just ``display()`` it.
"""

from __future__ import annotations

import datetime as _dt
import html
from typing import Any, Iterable, Sequence

#: text cells longer than this are cut in the terminal view (HTML shows them whole)
TEXT_CELL_WIDTH = 60


class Table:
    """A titled table of rows, readable as aligned text and as HTML."""

    def __init__(self, columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "", empty: str = ""):
        self.columns = list(columns)
        self.rows = [[_cell(value) for value in row] for row in rows]
        self.title = title
        self.empty = empty

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        lines = [self.title] if self.title else []
        if not self.rows:
            return "\n".join(lines + [self.empty or "(nothing to show)"])
        rows = [[_shorten(cell) for cell in row] for row in self.rows]
        widths = [max(len(row[i]) for row in [self.columns, *rows]) for i in range(len(self.columns))]
        lines.append(_text_row(self.columns, widths))
        lines.append(_text_row(["-" * w for w in widths], widths))
        lines.extend(_text_row(row, widths) for row in rows)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        caption = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>" if self.title else ""
        if not self.rows:
            return f"<table class='qrt-table'>{caption}<tr><td><i>{html.escape(self.empty or 'nothing to show')}</i></td></tr></table>"
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows
        )
        return f"<table class='qrt-table'>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return format_time(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _shorten(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= TEXT_CELL_WIDTH else text[: TEXT_CELL_WIDTH - 1] + "…"


def _text_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()


def format_time(value: _dt.datetime | None) -> str:
    """Local wall-clock time, to the second: what a person compares with their clock."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%Y-%m-%d %H:%M:%S")


def status_name(status: Any) -> str:
    """``JobStatus.DONE`` → ``"DONE"``; IBM's RuntimeJobV2 already gives strings."""
    return str(getattr(status, "name", status) or "")


def first_line(text: Any, limit: int | None = 200) -> str:
    """The first non-empty line of a message, cut to ``limit`` characters (None: whole)."""
    for line in str(text).splitlines():
        if line.strip():
            line = line.strip()
            return line if limit is None or len(line) <= limit else line[: limit - 1] + "…"
    return ""


class JobStatusLine:
    """One line that says where a job is: the text view used when there is no widget.

    It is fed the job's events (:meth:`apply`) so that rendering never calls
    back into the service from the thread that delivers them.
    """

    FINAL = ("DONE", "ERROR", "CANCELLED")

    def __init__(self, job: Any, status: str, program_id: str = "", backend: str = "", queue_position: Any = None):
        self.job_id = _call(job, "job_id") or ""
        self.program_id = program_id
        self.backend = backend
        self.status = status
        self.queue_position = queue_position
        self.error = ""

    def apply(self, event: Any) -> bool:
        """Take one ``JobEvent``; True when what the line shows has changed."""
        kind, data = getattr(event, "kind", None), getattr(event, "data", None)
        if kind == "status":
            self.status = status_name(data)
            if self.status != "QUEUED":
                self.queue_position = None
            return True
        if kind == "queue":
            self.queue_position = data
            return True
        return False  # interim results and logs are the widget's business

    @property
    def final(self) -> bool:
        return self.status in self.FINAL

    def __repr__(self) -> str:
        where = f" on {self.backend}" if self.backend else ""
        what = f"{self.program_id} " if self.program_id else ""
        text = f"{what}job {self.job_id}{where}: {self.status}"
        if self.status == "QUEUED" and self.queue_position:
            text += f" (position {self.queue_position} in the queue)"
        if self.error:
            text += f": {self.error}"
        return text

    def _repr_html_(self) -> str:
        colour = {"DONE": "#1e8e3e", "ERROR": "#d93025", "CANCELLED": "#80868b"}.get(self.status, "#1a73e8")
        return f"<span class='qrt-status' style='font-family:monospace;color:{colour}'>{html.escape(repr(self))}</span>"


def _call(obj: Any, name: str) -> Any:
    attr = getattr(obj, name, None)
    return attr() if callable(attr) else attr
