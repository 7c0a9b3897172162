"""What the magics display: listings as tables.

A :class:`Table` has two views, chosen by the front end and not by us:
``__repr__`` for a terminal IPython (and for ``print``), ``_repr_html_`` for a
notebook. The magics just ``display()`` it. (A job is shown by
:func:`qrt_jupyter.show`.)
"""

from __future__ import annotations

import datetime as _dt
import html
from typing import Any, Iterable, Sequence

from ..widgets.status_line import first_line

__all__ = ["Table", "first_line", "format_time"]

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
