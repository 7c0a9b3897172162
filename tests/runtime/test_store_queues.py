"""The store's queue SQL: claiming with capacity, owners and session priority; cancels."""

import time

import pytest

from qrt_jupyter.runtime.store import Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "runtime.db")


def add_job(store, job_id, backend="dev", owner=None, session_id=None):
    store.insert_job(id=job_id, program_id="p", backend=backend, inputs="{}", options="{}", owner=owner,
                     session_id=session_id)


def one_slot(backend):
    return 1


def test_claims_in_order_up_to_each_backends_capacity(store):
    for job_id in ("a1", "a2", "a3"):
        add_job(store, job_id, backend="dev")
    add_job(store, "s1", backend="sim")
    add_job(store, "s2", backend="sim")
    capacity = {"dev": 1, "sim": 2}.get
    assert store.claim_queued("me", capacity, most=10) == ["a1", "s1", "s2"]
    assert store.get_job("a1")["status"] == "RUNNING" and store.get_job("a1")["owner"] == "me"
    assert store.get_job("a1")["started"] is not None
    assert store.claim_queued("me", capacity, most=10) == []  # both backends are full
    store.set_status("a1", "DONE", only_if=("RUNNING",))
    assert store.claim_queued("me", capacity, most=10) == ["a2"]


def test_claims_no_more_than_asked(store):
    for i in range(4):
        add_job(store, f"j{i}", backend=f"dev{i}")
    assert store.claim_queued("me", one_slot, most=2) == ["j0", "j1"]
    assert store.claim_queued("me", one_slot, most=0) == []
    assert [row["id"] for row in store.queued_jobs()] == ["j2", "j3"]


def test_a_live_owners_next_job_blocks_its_backend_a_dead_owners_does_not(store):
    store.heartbeat("other", 1, "host")
    add_job(store, "theirs", backend="dev", owner="other")
    add_job(store, "mine", backend="dev", owner="me")
    add_job(store, "orphan", backend="dev2", owner="gone")  # no such owner any more: anyone's
    assert store.claim_queued("me", one_slot, most=10) == ["orphan"]
    store.remove_owner("other")
    assert store.claim_queued("me", one_slot, most=10) == ["theirs"]  # adopted, still in order
    assert store.get_job("theirs")["owner"] == "me"


def test_jobs_of_open_sessions_go_first_until_the_session_closes(store):
    add_job(store, "plain", backend="dev")
    store.insert_session("s", "dev", None)
    add_job(store, "in-session", backend="dev", session_id="s")
    assert [row["id"] for row in store.queued_jobs()] == ["in-session", "plain"]
    store.close_session("s")
    assert [row["id"] for row in store.queued_jobs()] == ["plain", "in-session"]
    store.insert_session("old", "dev", 0.001)  # its max_time is over at once
    add_job(store, "expired-session", backend="dev", session_id="old")
    store.insert_session("open", "dev", None)
    add_job(store, "open-session", backend="dev", session_id="open")
    time.sleep(0.01)  # not a timing check: "old" is only more expired on a slow machine
    assert [row["id"] for row in store.queued_jobs()] == ["open-session", "plain", "in-session", "expired-session"]
    assert store.claim_queued("me", one_slot, most=1) == ["open-session"]


def test_cancel_queued_and_cancel_requests(store):
    add_job(store, "q")
    add_job(store, "r")
    assert store.claim_queued("me", {"dev": 1}.get, most=1) == ["q"]
    assert not store.cancel_queued("q")  # running: only its owner can stop it
    assert store.cancel_queued("r") and store.get_job("r")["status"] == "CANCELLED"
    assert store.get_job("r")["reason"] == "cancelled" and store.get_job("r")["finished"] is not None
    assert store.cancel_requests("me") == []
    store.request_cancel("q")
    assert store.cancel_requests("me") == ["q"] and store.cancel_requests("someone") == []


def test_pending_counts_per_backend(store):
    add_job(store, "a", backend="dev")
    add_job(store, "b", backend="dev")
    add_job(store, "c", backend="sim")
    store.claim_queued("me", one_slot, most=1)
    store.set_status("c", "DONE")
    assert store.pending_counts() == {"dev": 2}
