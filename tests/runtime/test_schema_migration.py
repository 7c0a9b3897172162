"""Issue 13, item 11: logs and interim results in rowid tables (schema 2), and a home made
by schema 1 (``WITHOUT ROWID`` tables) still opens with everything in it readable.

The old home is built here from schema 1's own DDL, as a file an older qrt_jupyter left.
"""

import json
import sqlite3
import time

from qiskit.providers import JobStatus

from qrt_jupyter.runtime.schema import MIGRATIONS
from qrt_jupyter.runtime.store import SCHEMA_VERSION, Store
from support import runtime_on

from .programs import LOOP, LOOP_SCHEMA

OLD_DDL = MIGRATIONS[0]
"""Schema 1, as qrt_jupyter wrote it before logs and interim results got rowids (step 0 of the
migrations, which never changes: it is what files written then hold)."""


def _old_home(home):
    home.mkdir()
    conn = sqlite3.connect(home / "runtime.db")
    conn.executescript(OLD_DDL)
    now = time.time()
    meta = {"name": "old-loop", "description": "d", "max_execution_time": 60,
            "spec": {"parameters": LOOP_SCHEMA}}
    conn.execute("INSERT INTO programs VALUES (?,?,?,?,?,?)",
                 ("old-loop-abc", "old-loop", LOOP, json.dumps(meta), now, now))
    conn.execute(
        "INSERT INTO jobs (id, program_id, backend, status, inputs, options, created, started, finished,"
        " updated, result, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        ("oldjob", "old-loop-abc", "fake_lima", "DONE", '{"n": 2}', "{}", now, now, now, now,
         '{"n": 2, "backend": "fake_lima"}', "done"))
    conn.executemany("INSERT INTO interim VALUES (?,?,?,?)",
                     [("oldjob", i, json.dumps({"i": i}), now) for i in range(2)])
    conn.execute("INSERT INTO logs VALUES (?,?,?,?,?)", ("oldjob", 0, "stdout", "starting 2\n", now))
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()


def _without_rowid_tables(path):
    conn = sqlite3.connect(path)
    try:
        return [name for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'")
                if "WITHOUT ROWID" in sql.upper()]
    finally:
        conn.close()


def test_new_store_has_rowid_logs_and_interim(tmp_path):
    store = Store(tmp_path / "runtime.db")
    assert SCHEMA_VERSION == 3
    assert _without_rowid_tables(store.path) == []


def test_a_schema_1_home_opens_readable_and_keeps_working(tmp_path):
    home = tmp_path / "home"
    _old_home(home)
    assert _without_rowid_tables(home / "runtime.db") == ["interim", "logs"]
    with runtime_on(home) as service:
        old = service.job("oldjob")
        assert old.status() is JobStatus.DONE
        assert old.result() == {"n": 2, "backend": "fake_lima"}
        assert old.interim_results() == [{"i": 0}, {"i": 1}]
        assert old.logs() == "starting 2\n"
        assert _without_rowid_tables(home / "runtime.db") == []
        # and the migrated file takes new jobs of the old program
        new = service.run("old-loop", {"n": 3}, options={"backend_name": "fake_lima"})
        assert new.result() == {"n": 3, "backend": "fake_lima"}
        assert new.interim_results() == [{"i": 0}, {"i": 1}, {"i": 2}]
    conn = sqlite3.connect(home / "runtime.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
