"""How the store fails: its exceptions, what counts as a full disk, and the reserve.

Kept apart from :mod:`.store` so the store reads as what it stores. A write that finds no
room is a :class:`StoreFull` (one line saying so, the transaction rolled back, earlier ones
kept); :class:`Reserve` keeps a little disk aside so a job's end can still be recorded then.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

__all__ = ["RESERVE_BYTES", "Reserve", "StoreError", "StoreFull", "is_full", "is_write_failure",
           "write_failed"]


class StoreError(RuntimeError):
    """The store file cannot be used (newer schema, unreadable file)."""


class StoreFull(StoreError):
    """A write found no room on the disk; the transaction was rolled back, earlier ones kept."""


RESERVE_BYTES = 256 * 1024
"""Disk kept aside next to the store for recording jobs' ends when the disk is full."""


def is_full(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == getattr(sqlite3, "SQLITE_FULL", 13) or "full" in str(exc).lower()


def is_write_failure(exc: sqlite3.OperationalError) -> bool:
    """No room, or an I/O error writing (SQLite reports growing its -shm file on a full
    tmpfs as SQLITE_IOERR_SHMSIZE, not SQLITE_FULL)."""
    return is_full(exc) or (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_IOERR")


def _little_room(directory: Path) -> bool:
    try:
        stats = os.statvfs(directory)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 4 * RESERVE_BYTES


def write_failed(path: Path, exc: sqlite3.OperationalError) -> StoreFull:
    """The one-line error for a write to the store at ``path`` that the disk refused."""
    full = is_full(exc) or _little_room(path.parent)
    return StoreFull(
        f"{'store full: no room left for' if full else 'store write failed in'} the job store "
        f"{path} ({exc}); nothing of this write was kept. "
        f"{'Free space on that disk' if full else 'Check that disk'} or use another home."
    )


class Reserve:
    """The disk kept aside next to a store (``<store>-reserve``); mixed into ``Store``."""

    path: Path

    @property
    def _reserve(self) -> Path:
        return self.path.with_name(self.path.name + "-reserve")

    def ensure_reserve(self) -> None:
        """Keep :data:`RESERVE_BYTES` of disk aside next to the store (best effort).

        When the disk fills up, :meth:`set_status` gives this room back and retries, so
        a job can always be ended saying why ("store full: ...") instead of staying
        RUNNING because even that small update found no room.
        """
        try:
            if not self._reserve.exists():
                with open(self._reserve, "wb") as handle:
                    handle.write(b"\0" * RESERVE_BYTES)
        except OSError:
            with contextlib.suppress(OSError):
                self._reserve.unlink()

    def _release_reserve(self) -> bool:
        try:
            self._reserve.unlink()
            return True
        except OSError:
            return False
