"""The Backends tab's cluster panel: where the runtime's jobs run, from ``service.cluster_info()``.

A small view of facts the runtime provides (``LocalRuntimeService.cluster_info()``, see
docs/internals.md): for a Dask cluster, each worker, its threads, busy or idle and which jobs
it runs. Local worker processes get no panel. Pure functions, like :mod:`.backend_rows`.
"""

from __future__ import annotations

import html
from typing import Any

from ._tables import TABLE_CSS

__all__ = ["cluster_html", "cluster_text", "read_cluster"]


def read_cluster(service: Any) -> dict | None:
    """The service's cluster facts, or None when it has none to tell (IBM, a server, an error)."""
    reader = getattr(service, "cluster_info", None)
    if not callable(reader):
        return None
    try:
        info = reader()
    except Exception:  # the cluster is unreachable right now: the tab still shows the backends
        return None
    return info if isinstance(info, dict) and info.get("kind") == "dask" else None


def _summary(info: dict) -> str:
    workers = info.get("workers") or []
    busy = sum(1 for w in workers if w.get("state") == "busy")
    return (f"Dask cluster {info.get('address')}: {len(workers)} worker{'s' if len(workers) != 1 else ''}, "
            f"{busy} busy, {info.get('slots', 0)} job slots")


def cluster_html(info: dict | None) -> str:
    """A one-line summary and a table of the workers; empty for local workers."""
    if not info:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(str(w.get('address')))}</td><td>{w.get('threads', '')}</td>"
        f"<td>{html.escape(str(w.get('state', '')))}</td>"
        f"<td>{html.escape(', '.join(w.get('jobs') or [])) or '-'}</td></tr>"
        for w in info.get("workers") or []
    )
    head = "<tr><th>Worker</th><th>Threads</th><th>State</th><th>Running</th></tr>"
    return (f"{TABLE_CSS}<div class='qrt-cluster'><b>{html.escape(_summary(info))}</b>"
            f"<table class='qrt-table qrt-cluster-workers'>{head}{rows}</table></div>")


def cluster_text(info: dict | None) -> str:
    if not info:
        return ""
    lines = [_summary(info)]
    for w in info.get("workers") or []:
        lines.append(f"  {w.get('address')}  {w.get('state')}  {', '.join(w.get('jobs') or []) or '-'}")
    return "\n".join(lines)
