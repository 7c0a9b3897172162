"""What a process that died left in a shared home: found, settled, never lost.

Every process that runs jobs registers in the store's ``owners`` table and
beats a heartbeat there. When a process is gone (its pid is dead on this host,
or its heartbeat is old) its running jobs cannot finish: they are marked
failed with a message that says why. Its queued jobs are fine; they are
*adopted*, run by whichever live process claims them next (see
``Store.claim_queued``). Both the scheduler (every few seconds) and a process
that only reads a home (``RuntimeHome.check_orphans``) call
:func:`settle_interrupted`.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Callable

from ..status import ERROR, RUNNING
from .events import JobEvent
from .store import Store

__all__ = ["HOST", "INTERRUPTED_MESSAGE", "OWNER_STALE_SECONDS", "dead_owners", "mark_interrupted",
           "settle_interrupted"]

HOST = socket.gethostname()
"""Pids are only checked for owners on this host; elsewhere the heartbeat decides."""

OWNER_STALE_SECONDS = 60.0
"""An owner without a heartbeat for this long is taken for dead, wherever it ran."""

INTERRUPTED_MESSAGE = (
    "Job was interrupted: the Python process that ran it (pid {pid}) ended before the job "
    "finished, for example a kernel restart. Submit it again with service.run(...)."
)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_owners(store: Store, me: str | None = None) -> dict[str, int]:
    """Owner tokens (→ pid) of processes that are gone: pid dead, or no heartbeat for long."""
    now = time.time()
    dead = {}
    for row in store.owners():
        if row["token"] == me:
            continue
        local = row["host"] == HOST
        if (local and not _pid_alive(row["pid"])) or now - row["heartbeat"] > OWNER_STALE_SECONDS:
            dead[row["token"]] = row["pid"]
    return dead


def mark_interrupted(store: Store, job_id: str, pid: int | str) -> bool:
    """Fail a running job whose process (``pid``) ended; False if it was not running."""
    return store.set_status(job_id, ERROR, only_if=(RUNNING,), reason="interrupted",
                            error=INTERRUPTED_MESSAGE.format(pid=pid), finished=time.time())


def settle_interrupted(store: Store, me: str | None, emit: Callable[[JobEvent], None] | None = None) -> int:
    """Fail the running jobs of dead processes, forget those processes, and count their queued jobs.

    ``me`` is the caller's own owner token (None for a process that runs no jobs).
    Returns how many queued jobs no live process owns: the caller starts a
    scheduler to adopt them when it has none.
    """
    dead = dead_owners(store, me)
    live = {row["token"] for row in store.owners()} - set(dead)
    for row in store.running_jobs():
        owner = row["owner"]
        if owner == me or owner in live:
            continue
        if mark_interrupted(store, row["id"], dead.get(owner, "unknown")) and emit:
            emit(JobEvent(row["id"], "status", ERROR))
    orphans = sum(1 for row in store.queued_jobs() if row["owner"] != me and row["owner"] not in live)
    for token in dead:
        store.remove_owner(token)
    return orphans
