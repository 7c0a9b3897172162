"""What a job may leave behind and how much memory it may take, enforced inside its worker.

Stdlib only: the client reads :func:`parse_memory_limit` to check run options, and the
worker uses the rest.

Processes: the worker becomes the *subreaper* of its descendants (Linux
``PR_SET_CHILD_SUBREAPER``), so a daemon a program double-forks is reparented to the
worker rather than to init, and after each job :func:`end_descendants` kills every
process of the worker's group and every child of the worker. When the client kills a
worker (cancel, time limit, ``close()``) it kills the worker's group and every
descendant of the worker first (:func:`descendants`). What escapes: a process that
leaves the group (``setsid``) while the worker dies of its own accord (a crash): it
is init's child by then, and nothing links it to the job.

Memory: :func:`memory_limited` lowers the worker's ``RLIMIT_AS`` for one job to what the
worker already maps plus the job's limit, so an allocation past it fails (``MemoryError``
in Python, the job ends ERROR "memory limit ..."). It bounds address space, not resident
memory, per process: children a program starts inherit the same bound each, and memory
mapped but never touched counts too. No cgroup is used.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time

__all__ = ["become_subreaper", "descendants", "end_descendants", "memory_limited", "parse_memory_limit"]

_PR_SET_CHILD_SUBREAPER = 36
END_SECONDS = 2.0
"""How long :func:`end_descendants` keeps killing what reappears (reparented grandchildren)."""

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "kib": 2**10, "m": 10**6, "mb": 10**6, "mib": 2**20,
          "g": 10**9, "gb": 10**9, "gib": 2**30, "t": 10**12, "tb": 10**12, "tib": 2**40}
_SIZE = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*")


def parse_memory_limit(value) -> int | None:
    """Bytes from ``value``: a number of bytes, or text such as ``"512MB"`` or ``"2 GiB"``.

    ``ValueError`` with one line saying what is accepted.
    """
    if value is None:
        return None
    accepted = "a positive number of bytes or a size such as '512MB' or '2GiB'"
    if isinstance(value, bool):
        raise ValueError(f"memory_limit must be {accepted}, not {value!r}.")
    if isinstance(value, (int, float)):
        number, unit = float(value), ""
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value)):
        number, unit = float(match.group(1)), match.group(2).lower()
    else:
        raise ValueError(f"memory_limit must be {accepted}, not {value!r}.")
    if unit not in _UNITS or not number > 0 or number == float("inf"):
        raise ValueError(f"memory_limit must be {accepted}, not {value!r}.")
    return int(number * _UNITS[unit])


def become_subreaper() -> None:
    """Make orphaned descendants this process's children (Linux; elsewhere nothing happens)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _has_children() -> bool:
    try:
        while True:  # reap finished ones on the way; the job they belonged to is over
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return True
    except ChildProcessError:
        return False


def _process_table() -> list[tuple[int, int, int]]:
    """``(pid, parent pid, process group)`` of every process, read from /proc (Linux; else [])."""
    table = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        table.append((int(entry), int(fields[1]), int(fields[2])))
    return table


def _members(me: int, group: int) -> list[int]:
    """Processes in ``group`` or whose parent is ``me``."""
    return [pid for pid, parent, pgrp in _process_table() if pid != me and (pgrp == group or parent == me)]


def descendants(root: int) -> list[int]:
    """Every living descendant of process ``root``, whatever its session (the client's view of
    a worker it is about to kill: orphans a program left are the worker's children)."""
    children: dict[int, list[int]] = {}
    for pid, parent, _ in _process_table():
        children.setdefault(parent, []).append(pid)
    found, todo = [], list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def end_descendants() -> None:
    """Kill every process the last job left running (cheap when it started none)."""
    if not _has_children() or not os.path.isdir("/proc"):
        return
    me, group = os.getpid(), os.getpgrp()
    deadline = time.monotonic() + END_SECONDS
    while _has_children() and time.monotonic() < deadline:
        for pid in _members(me, group):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)


def _mapped_bytes() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


@contextlib.contextmanager
def memory_limited(limit: int | None):
    """Within the block, this process may map at most ``limit`` bytes more than it does now."""
    try:
        import resource
    except ImportError:  # not a POSIX system: not enforced
        resource = None
    base = _mapped_bytes() if limit is not None and resource is not None else None
    if base is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    bound = base + limit
    if hard != resource.RLIM_INFINITY:
        bound = min(bound, hard)
    resource.setrlimit(resource.RLIMIT_AS, (bound, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
