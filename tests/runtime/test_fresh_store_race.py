"""Issue 13: processes opening one new home at the same moment.

Real separate processes, started together at a gate, each open the same 30 new homes in
turn: every open gives a working store (no "empty (0 bytes)" refusal of the file another
process had just created, no "database is locked"), and every home ends with one store
of the current schema and no builder's files left next to it.
"""

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

from qrt_jupyter.runtime.schema import SCHEMA_VERSION
from support import WAIT

HOMES = 30
PROCESSES = 3

OPENER = textwrap.dedent(
    """
    import json, os, sys, time
    from qrt_jupyter.runtime.store import Store
    base, gate, homes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    while not os.path.exists(gate):
        time.sleep(0.0005)
    failures = []
    for i in range(homes):
        try:
            store = Store(os.path.join(base, f"home-{i}", "runtime.db"))
            store.insert_session(f"s-{os.getpid()}-{i}", None, None)  # a write, too
            store.close()
        except Exception as exc:
            failures.append(f"home-{i}: {type(exc).__name__}: {exc}")
    print(json.dumps(failures), flush=True)
    """
)


def test_processes_opening_one_new_home_at_once_all_get_the_store(tmp_path):
    gate = tmp_path / "gate"
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(tmp_path), str(gate), str(HOMES)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        gate.touch()
        failures = []
        for proc in procs:
            out, err = proc.communicate(timeout=WAIT)
            assert proc.returncode == 0, err
            failures += json.loads(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert failures == []
    for i in range(HOMES):
        home = tmp_path / f"home-{i}"
        assert sorted(p.name for p in home.iterdir() if ".new-" in p.name) == []
        conn = sqlite3.connect(home / "runtime.db")
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == PROCESSES
        finally:
            conn.close()
