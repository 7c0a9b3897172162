"""SQLite persistence for programs, jobs, interim results, logs and sessions.

One file per runtime home, shared by every kernel that opens that home: WAL
mode lets readers run while a writer commits, and a busy timeout makes two
writers wait for each other instead of failing. A job is never deleted when it
runs; it only changes status, so a crash loses nothing that was recorded.

Everything is stored as text produced by ``RuntimeEncoder``; this module never
decodes it, so it imports no qiskit.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..status import CANCELLED, FINAL_STATUSES, PENDING_STATUSES, QUEUED, RUNNING
from .schema import MIGRATIONS, SCHEMA_VERSION
from .store_failures import RESERVE_BYTES, Reserve, StoreError, StoreFull, is_write_failure, write_failed

__all__ = ["JOB_COLUMNS", "RESERVE_BYTES", "SCHEMA_VERSION", "Store", "StoreError", "StoreFull"]

JOB_COLUMNS = (
    "id", "program_id", "backend", "status", "options", "session_id", "max_execution_time",
    "log_level", "owner", "created", "started", "finished", "updated", "error", "reason",
    "cancel_requested", "worker",
)
_JOB_SELECT = ", ".join(JOB_COLUMNS)


def _sql_set(statuses) -> str:
    """A status group of :mod:`qrt_jupyter.status` as an SQL ``IN`` list (constant names only)."""
    return "(" + ",".join(f"'{name}'" for name in sorted(statuses)) + ")"


_PENDING = _sql_set(PENDING_STATUSES)
_FINAL = _sql_set(FINAL_STATUSES)

_QUEUED_IN_ORDER = """
    SELECT j.id, j.backend, j.owner, j.session_id,
           CASE WHEN s.state = 'open' AND (s.max_time IS NULL OR s.created + s.max_time > ?)
                THEN 0 ELSE 1 END AS prio
    FROM jobs j LEFT JOIN sessions s ON s.id = j.session_id
    WHERE j.status = ?
    ORDER BY prio, j.rowid
"""
"""Queued jobs in scheduling order: jobs of open, unexpired sessions first, then first come first
served. Parameters: now, the QUEUED status."""


_ROWS_PER_STATEMENT = 200
"""Rows per multi-row INSERT: 1,000 parameters at most, under every SQLite's limit."""


def _insert_rows(conn: sqlite3.Connection, head: str, width: int, rows: list) -> None:
    """``executemany`` as a few multi-row INSERTs.

    The sqlite3 module lets go of the GIL around every statement step, so
    ``executemany`` gives it up once per row; while other threads of the
    kernel are busy (a widget drawing 10,000 interim results) taking it back
    each time made recording a fast publisher several times slower. Full
    chunks share one SQL text, so the statement cache serves them.
    """
    group = "(" + ",".join("?" * width) + ")"
    full = head + ",".join([group] * _ROWS_PER_STATEMENT)
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start:start + _ROWS_PER_STATEMENT]
        sql = full if len(chunk) == _ROWS_PER_STATEMENT else head + ",".join([group] * len(chunk))
        conn.execute(sql, [value for row in chunk for value in row])


class Store(Reserve):
    """Typed access to the runtime's SQLite file; one connection per thread."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._create_if_missing()
            self._refuse_empty_file()
            self._check_pages()
            self._migrate()
            self.ensure_reserve()
        except sqlite3.DatabaseError as exc:
            self.close()
            if not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc):
                raise self._damaged(str(exc)) from None
            raise self._unusable(str(exc)) from None
        except OSError as exc:
            self.close()
            raise self._unusable(exc.strerror or str(exc)) from None

    def _unusable(self, reason: str) -> StoreError:
        return StoreError(f"The runtime home {self.path.parent} cannot be used ({reason}); give a "
                          "directory you can write: home=... or $QRT_HOME.")

    def _damaged(self, reason: str) -> StoreError:
        return StoreError(
            f"The job store {self.path} is damaged ({reason}); nothing was written to it. Move it "
            f"aside (mv {self.path} {self.path}.damaged, with its -wal and -shm files) to start a "
            "new store there, or use another home; the runtime never deletes a store itself."
        )

    def _create_if_missing(self) -> None:
        """A new store appears whole: built under a private name, then hard-linked into place.

        SQLite creates its file empty and writes the first page only later, so two
        processes opening one new home at once saw each other's 0-byte file and refused
        it as truncated (or hit "database is locked" switching it to WAL). ``link`` never
        replaces a file, so of two builders exactly one store is put in place, and the
        other opens it. Where hard links are not supported SQLite creates the file itself.
        """
        if self.path.exists():
            return
        building = self.path.with_name(f"{self.path.name}.new-{os.getpid()}-{threading.get_ident()}")
        try:
            conn = sqlite3.connect(building, timeout=30.0, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("BEGIN IMMEDIATE")
                for step in range(SCHEMA_VERSION):
                    for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                conn.execute("COMMIT")
            finally:
                conn.close()  # the last connection: its write-ahead log is folded in and removed
            with contextlib.suppress(FileExistsError):
                os.link(building, self.path)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
        finally:
            for leftover in (building, building.with_name(building.name + "-wal"),
                             building.with_name(building.name + "-shm")):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _refuse_empty_file(self) -> None:
        """A 0-byte file is not a new store: SQLite would silently start one over what was
        there (a history truncated by a failed copy, a full disk). A write-ahead log with
        content means the file is merely not checkpointed yet, which is fine."""
        wal = self.path.with_name(self.path.name + "-wal")
        if (self.path.exists() and self.path.stat().st_size == 0
                and not (wal.exists() and wal.stat().st_size > 0)):
            raise StoreError(
                f"The job store {self.path} is empty (0 bytes), not a store the runtime wrote; move "
                f"it aside (mv {self.path} {self.path}.empty) to start a new store there, or use "
                "another home."
            )

    def _check_pages(self) -> None:
        """``PRAGMA quick_check`` before anything is written: a file with damaged pages is
        refused, not written into (writing could spread the damage)."""
        problems = [row[0] for row in self._read("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            lines = [line.strip() for text in problems for line in text.splitlines()
                     if line.strip() and not line.startswith("***")]
            raise self._damaged(lines[0] if lines else "quick_check failed")

    # -- connections and transactions ---------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA foreign_keys=ON")
            except BaseException:
                conn.close()  # a traceback must not keep the file open (a home on a mount, say)
                raise
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``) that rolls back on error."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and is_write_failure(exc):
                raise write_failed(self.path, exc) from None
            raise

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._conn().execute(sql, tuple(args)).fetchall()

    def _migrate(self) -> None:
        conn = self._conn()
        with self.tx():
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"The job store {self.path} was written by a newer qrt_jupyter "
                    f"(schema {version} > {SCHEMA_VERSION}); upgrade qrt_jupyter or use another home."
                )
            for step in range(version, SCHEMA_VERSION):
                # statement by statement: executescript() would COMMIT mid-transaction
                for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- programs -----------------------------------------------------------
    def insert_program(self, program_id: str, name: str, data: str, metadata: str) -> bool:
        """Store a new program; False if the name is taken (checked and inserted in one
        transaction, so of two processes uploading one name at once exactly one wins)."""
        now = time.time()
        with self.tx() as c:
            if c.execute("SELECT 1 FROM programs WHERE name=?", (name,)).fetchone():
                return False
            c.execute(
                "INSERT INTO programs (id, name, data, metadata, created, updated) VALUES (?,?,?,?,?,?)",
                (program_id, name, data, metadata, now, now),
            )
        return True

    def update_program(self, program_id: str, name: str, data: str, metadata: str) -> bool:
        """Change a program; False if another program has ``name`` by now."""
        with self.tx() as c:
            if c.execute("SELECT 1 FROM programs WHERE name=? AND id<>?", (name, program_id)).fetchone():
                return False
            c.execute(
                "UPDATE programs SET name=?, data=?, metadata=?, updated=? WHERE id=?",
                (name, data, metadata, time.time(), program_id),
            )
        return True

    def delete_program(self, program_id: str) -> bool:
        with self.tx() as c:
            return c.execute("DELETE FROM programs WHERE id=?", (program_id,)).rowcount > 0

    def get_program(self, id_or_name: str) -> sqlite3.Row | None:
        """The program with this id, else the one with this name (an exact id wins)."""
        rows = self._read("SELECT * FROM programs WHERE id=? OR name=? ORDER BY id=? DESC",
                          (id_or_name, id_or_name, id_or_name))
        return rows[0] if rows else None

    def list_programs(self) -> list[sqlite3.Row]:
        return self._read("SELECT * FROM programs ORDER BY created")

    # -- jobs ---------------------------------------------------------------
    def insert_job(self, start_below: int | None = None, **fields: Any) -> dict[str, Any]:
        """Record a new job, QUEUED; the fields written (a row's keys).

        With ``start_below``, the job is recorded RUNNING (claimed by its ``owner``) when its
        backend has no queued job and fewer than ``start_below`` running ones: what
        :meth:`claim_queued` would decide on its next pass, in the same transaction as the
        insert, so a job that nothing waits before does not wait for that pass.
        """
        now = time.time()
        fields.setdefault("created", now)
        fields.setdefault("updated", now)
        fields.setdefault("status", QUEUED)
        with self.tx() as c:
            if start_below is not None and fields["status"] == QUEUED:
                queued, running = c.execute(
                    "SELECT (SELECT count(*) FROM jobs WHERE status=? AND backend=?),"
                    " (SELECT count(*) FROM jobs WHERE status=? AND backend=?)",
                    (QUEUED, fields["backend"], RUNNING, fields["backend"])).fetchone()
                if queued == 0 and running < start_below:
                    fields.update(status=RUNNING, started=now)
            names = ", ".join(fields)
            marks = ", ".join("?" for _ in fields)
            c.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", tuple(fields.values()))
        return fields

    def get_job(self, job_id: str) -> sqlite3.Row | None:
        rows = self._read(f"SELECT {_JOB_SELECT} FROM jobs WHERE id=?", (job_id,))
        return rows[0] if rows else None

    def job_status(self, job_id: str) -> str | None:
        rows = self._read("SELECT status FROM jobs WHERE id=?", (job_id,))
        return rows[0][0] if rows else None

    def job_outcome(self, job_id: str) -> sqlite3.Row | None:
        """status, reason, error and result of a job in one read: what ``result()`` needs."""
        rows = self._read("SELECT status, reason, error, result FROM jobs WHERE id=?", (job_id,))
        return rows[0] if rows else None

    def job_blob(self, job_id: str, column: str) -> str | None:
        if column not in ("inputs", "result", "program_data", "error"):
            raise ValueError(column)
        rows = self._read(f"SELECT {column} FROM jobs WHERE id=?", (job_id,))
        return rows[0][0] if rows else None

    def list_jobs(
        self,
        limit: int | None = 10,
        skip: int = 0,
        program_id: str | None = None,
        pending: bool | None = None,
        backend_name: str | None = None,
        session_id: str | None = None,
        status: str | None = None,
    ) -> list[sqlite3.Row]:
        given = (("program_id", program_id), ("backend", backend_name), ("session_id", session_id),
                 ("status", status))
        where = [f"{column}=?" for column, value in given if value is not None]
        args: list[Any] = [value for _, value in given if value is not None]
        if pending is True:
            where.append(f"status IN {_PENDING}")
        elif pending is False:
            where.append(f"status IN {_FINAL}")
        sql = f"SELECT {_JOB_SELECT} FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?"
        args += [-1 if limit is None else int(limit), int(skip)]
        return self._read(sql, args)

    def delete_job(self, job_id: str) -> bool:
        with self.tx() as c:
            c.execute("DELETE FROM interim WHERE job_id=?", (job_id,))
            c.execute("DELETE FROM logs WHERE job_id=?", (job_id,))
            return c.execute("DELETE FROM jobs WHERE id=?", (job_id,)).rowcount > 0

    def set_status(self, job_id: str, status: str, *, only_if: Iterable[str] = (), **fields: Any) -> bool:
        """Move a job to ``status`` if it is in one of ``only_if`` (any status if empty).

        Conditional updates are how races settle: a cancel and a result arriving
        together cannot both win.
        """
        fields["status"] = status
        fields["updated"] = time.time()
        sets = ", ".join(f"{k}=?" for k in fields)
        sql = f"UPDATE jobs SET {sets} WHERE id=?"
        args = list(fields.values()) + [job_id]
        only_if = tuple(only_if)
        if only_if:
            sql += f" AND status IN ({','.join('?' for _ in only_if)})"
            args += only_if
        try:
            with self.tx() as c:
                return c.execute(sql, args).rowcount > 0
        except StoreFull:
            if not self._release_reserve():
                raise
            with self.tx() as c:  # the reserve's room: a job's end is always recorded
                return c.execute(sql, args).rowcount > 0

    def set_worker(self, job_id: str, where: str) -> None:
        """Record where a job runs (``job.metrics()["worker"]``); its status is untouched."""
        with self.tx() as c:
            c.execute("UPDATE jobs SET worker=? WHERE id=?", (where, job_id))

    # -- the queues: cancelling, claiming, counting -------------------------------
    def cancel_queued(self, job_id: str) -> bool:
        """Cancel a job that has not started; False if it is running or final already."""
        return self.set_status(job_id, CANCELLED, only_if=(QUEUED,), reason="cancelled", finished=time.time())

    def request_cancel(self, job_id: str) -> None:
        """Ask the process that runs the job to stop it (it reads :meth:`cancel_requests`)."""
        with self.tx() as c:
            c.execute("UPDATE jobs SET cancel_requested=1, updated=? WHERE id=?", (time.time(), job_id))

    def cancel_requests(self, owner: str) -> list[str]:
        """Running jobs of ``owner`` that another process asked to cancel."""
        rows = self._read("SELECT id FROM jobs WHERE status=? AND cancel_requested=1 AND owner=?",
                          (RUNNING, owner))
        return [row["id"] for row in rows]

    def queued_jobs(self) -> list[sqlite3.Row]:
        """Every queued job in scheduling order: open sessions first, then FIFO."""
        return self._read(_QUEUED_IN_ORDER, (time.time(), QUEUED))

    def claim_queued(self, owner: str, capacity: Callable[[str], int], most: int) -> list[str]:
        """Move up to ``most`` queued jobs to RUNNING for ``owner``, in scheduling order; their ids.

        One transaction, so two processes sharing the home never claim the same job
        or overfill a backend: a backend whose running jobs reach ``capacity(backend)``
        takes no more, and a backend whose next job belongs to another live owner is
        left to that owner (it runs its own jobs; jobs of dead owners are anyone's).
        """
        if most <= 0:
            return []
        claimed: list[str] = []
        if not self._read("SELECT 1 FROM jobs WHERE status=? LIMIT 1", (QUEUED,)):
            return claimed  # nothing to claim: no write lock taken (most passes)
        with self.tx() as c:
            queued = c.execute(_QUEUED_IN_ORDER, (time.time(), QUEUED)).fetchall()
            if not queued:
                return claimed
            running = dict(c.execute(
                "SELECT backend, count(*) FROM jobs WHERE status=? GROUP BY backend", (RUNNING,)).fetchall())
            live = {row[0] for row in c.execute("SELECT token FROM owners").fetchall()}
            blocked: set[str] = set()
            now = time.time()
            for row in queued:
                backend = row["backend"]
                if backend in blocked:
                    continue
                if running.get(backend, 0) >= capacity(backend):
                    blocked.add(backend)
                    continue
                if row["owner"] != owner and row["owner"] in live:
                    blocked.add(backend)  # another process's job is next here; it will run it
                    continue
                c.execute("UPDATE jobs SET status=?, owner=?, started=?, updated=? WHERE id=? AND status=?",
                          (RUNNING, owner, now, now, row["id"], QUEUED))
                running[backend] = running.get(backend, 0) + 1
                claimed.append(row["id"])
                if len(claimed) >= most:
                    break
        return claimed

    def running_jobs(self) -> list[sqlite3.Row]:
        return self._read(f"SELECT {_JOB_SELECT} FROM jobs WHERE status=?", (RUNNING,))

    def pending_counts(self) -> dict[str, int]:
        """Queued and running jobs per backend: what a backend's ``status().pending_jobs`` says."""
        rows = self._read(f"SELECT backend, count(*) FROM jobs WHERE status IN {_PENDING} GROUP BY backend")
        return {backend: n for backend, n in rows}

    def jobs_updated_since(self, since: float) -> list[sqlite3.Row]:
        return self._read(
            "SELECT id, status, owner, updated FROM jobs WHERE updated > ? ORDER BY updated", (since,)
        )

    # -- interim results and logs -------------------------------------------
    def interim(self, job_id: str, start: int = 0) -> list[sqlite3.Row]:
        return self._read(
            "SELECT idx, data, time FROM interim WHERE job_id=? AND idx>=? ORDER BY idx", (job_id, start)
        )

    def interim_count(self, job_id: str) -> int:
        return self._read("SELECT count(*) FROM interim WHERE job_id=?", (job_id,))[0][0]

    def logs(self, job_id: str, start: int = 0) -> list[sqlite3.Row]:
        return self._read(
            "SELECT idx, stream, text, time FROM logs WHERE job_id=? AND idx>=? ORDER BY idx", (job_id, start)
        )

    def log_count(self, job_id: str) -> int:
        return self._read("SELECT count(*) FROM logs WHERE job_id=?", (job_id,))[0][0]

    def next_indexes(self, job_id: str) -> tuple[int, int]:
        """The first unused interim and log index of a job: one past the highest recorded,
        so an index is never given twice even if rows were ever missing in between."""
        row = self._read(
            "SELECT (SELECT coalesce(max(idx) + 1, 0) FROM interim WHERE job_id=?),"
            " (SELECT coalesce(max(idx) + 1, 0) FROM logs WHERE job_id=?)", (job_id, job_id))[0]
        return row[0], row[1]

    def write_batch(self, interim_rows: list, log_rows: list) -> set[str]:
        """Interim results and log lines of many jobs in one transaction (the hot path).

        Only rows of jobs that are RUNNING when the transaction holds the write lock
        are recorded: once a job is final nothing more is added to it (a killed
        worker's last messages, a thread its program left running). Plain INSERTs:
        an index already taken is an error, never an overwrite. Returns the ids of
        the jobs whose rows were refused.
        """
        if not interim_rows and not log_rows:
            return set()
        job_ids = {row[0] for row in interim_rows} | {row[0] for row in log_rows}
        with self.tx() as c:
            marks = ",".join("?" * len(job_ids))
            running = {row[0] for row in c.execute(
                f"SELECT id FROM jobs WHERE status=? AND id IN ({marks})", (RUNNING, *job_ids))}
            refused = job_ids - running
            if refused:
                interim_rows = [row for row in interim_rows if row[0] in running]
                log_rows = [row for row in log_rows if row[0] in running]
            if interim_rows:
                _insert_rows(c, "INSERT INTO interim (job_id, idx, data, time) VALUES ", 4, interim_rows)
            if log_rows:
                _insert_rows(c, "INSERT INTO logs (job_id, idx, stream, text, time) VALUES ", 5, log_rows)
        return refused

    # -- sessions -----------------------------------------------------------
    def insert_session(self, session_id: str, backend: str | None, max_time: float | None) -> None:
        with self.tx() as c:
            c.execute(
                "INSERT INTO sessions (id, backend, max_time, created, state) VALUES (?,?,?,?, 'open')",
                (session_id, backend, max_time, time.time()),
            )

    def get_session(self, session_id: str) -> sqlite3.Row | None:
        rows = self._read("SELECT * FROM sessions WHERE id=?", (session_id,))
        return rows[0] if rows else None

    def set_session_backend(self, session_id: str, backend: str) -> None:
        with self.tx() as c:
            c.execute("UPDATE sessions SET backend=? WHERE id=? AND backend IS NULL", (backend, session_id))

    def close_session(self, session_id: str, state: str = "closed") -> None:
        with self.tx() as c:
            c.execute(
                "UPDATE sessions SET state=?, closed=? WHERE id=? AND state='open'",
                (state, time.time(), session_id),
            )

    def list_sessions(self, limit: int = 20, skip: int = 0) -> list[sqlite3.Row]:
        return self._read("SELECT * FROM sessions ORDER BY created DESC LIMIT ? OFFSET ?", (limit, skip))

    def session_job_ids(self, session_id: str) -> list[str]:
        return [r[0] for r in self._read("SELECT id FROM jobs WHERE session_id=? ORDER BY rowid", (session_id,))]

    # -- owners (which process runs which jobs) -------------------------------
    def heartbeat(self, token: str, pid: int, host: str) -> None:
        self.ensure_reserve()  # given back when the disk was full; taken again once there is room
        with self.tx() as c:
            c.execute(
                "INSERT INTO owners (token, pid, host, heartbeat) VALUES (?,?,?,?) "
                "ON CONFLICT(token) DO UPDATE SET heartbeat=excluded.heartbeat",
                (token, pid, host, time.time()),
            )

    def owners(self) -> list[sqlite3.Row]:
        return self._read("SELECT * FROM owners")

    def remove_owner(self, token: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM owners WHERE token=?", (token,))
