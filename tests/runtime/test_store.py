"""The SQLite store: schema versioning, ordering, and conditional status changes."""

import sqlite3

import pytest

from qrt_jupyter.runtime.store import SCHEMA_VERSION, Store, StoreError


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "runtime.db")


def add_job(store, job_id, backend="b", **fields):
    store.insert_job(id=job_id, program_id="p", backend=backend, inputs="{}", options="{}", **fields)


def test_new_file_is_wal_with_schema_version(store):
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_newer_schema_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "runtime.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer qrt_jupyter"):
        Store(path)


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "runtime.db"
    add_job(Store(path), "j1")
    assert Store(path).get_job("j1")["status"] == "QUEUED"


def test_jobs_newest_first_with_paging_and_filters(store):
    for i in range(5):
        add_job(store, f"j{i}", backend="a" if i % 2 else "b", created=100.0 + i)
    assert [r["id"] for r in store.list_jobs(limit=3)] == ["j4", "j3", "j2"]
    assert [r["id"] for r in store.list_jobs(limit=3, skip=3)] == ["j1", "j0"]
    assert [r["id"] for r in store.list_jobs(limit=None, backend_name="a")] == ["j3", "j1"]
    store.set_status("j4", "DONE")
    assert [r["id"] for r in store.list_jobs(limit=None, pending=False)] == ["j4"]
    assert "j4" not in [r["id"] for r in store.list_jobs(limit=None, pending=True)]


def test_conditional_status_change_settles_races(store):
    add_job(store, "j")
    assert store.set_status("j", "CANCELLED", only_if=("QUEUED",))
    assert not store.set_status("j", "RUNNING", only_if=("QUEUED",))
    assert store.get_job("j")["status"] == "CANCELLED"


def test_interim_and_logs_batch_in_order(store):
    add_job(store, "j", status="RUNNING")
    store.write_batch([("j", i, f'{{"i": {i}}}', 0.0) for i in range(100)], [("j", 0, "stdout", "hi\n", 0.0)])
    assert [r["idx"] for r in store.interim("j")] == list(range(100))
    assert store.interim_count("j") == 100
    assert store.logs("j")[0]["text"] == "hi\n"
    store.delete_job("j")
    assert store.interim_count("j") == 0 and store.get_job("j") is None


def test_a_final_job_takes_no_rows_and_an_index_is_never_overwritten(store):
    add_job(store, "run", status="RUNNING")
    add_job(store, "done", status="DONE")
    refused = store.write_batch([("run", 0, "{}", 0.0), ("done", 0, "{}", 0.0)],
                                [("done", 0, "stdout", "late\n", 0.0)])
    assert refused == {"done"}
    assert store.interim_count("done") == 0 and store.log_count("done") == 0
    assert store.next_indexes("run") == (1, 0)
    with pytest.raises(sqlite3.IntegrityError):
        store.write_batch([("run", 0, '{"again": 1}', 0.0)], [])
    assert [r["data"] for r in store.interim("run")] == ["{}"]


def test_queued_jobs_put_open_sessions_first(store):
    store.insert_session("s", "b", None)
    add_job(store, "plain1")
    add_job(store, "plain2")
    add_job(store, "in_session", session_id="s")
    assert [r["id"] for r in store.queued_jobs()] == ["in_session", "plain1", "plain2"]
    store.close_session("s")
    assert [r["id"] for r in store.queued_jobs()] == ["plain1", "plain2", "in_session"]
