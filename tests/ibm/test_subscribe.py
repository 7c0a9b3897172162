"""IBMService.subscribe: the dashboard's event stream, made by polling the service."""

from __future__ import annotations

import threading
import time


from qrt_jupyter.runtime.events import JobEvent
from support import bell


class Recorder:
    def __init__(self):
        self.events: list[JobEvent] = []
        self.threads: set[str] = set()
        self.changed = threading.Condition()

    def __call__(self, event):
        with self.changed:
            self.events.append(event)
            self.threads.add(threading.current_thread().name)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout=20.0):
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.events), timeout), self.events

    def statuses(self, job_id):
        return [e.data for e in self.events if e.kind == "status" and e.job_id == job_id]


def test_status_changes_and_backend_queues_arrive_as_events(ibm, fake_cloud):
    ibm.poll_interval = 0.05
    recorder = Recorder()
    job = ibm.run("sampler", {"circuits": bell()}, options={"backend_name": "ibm_manila"})
    unsubscribe = ibm.subscribe(recorder)
    try:
        recorder.wait_for(lambda evs: recorder.statuses(job.job_id()) == ["QUEUED"])
        recorder.wait_for(lambda evs: any(e.kind == "backends" for e in evs))
        queues = next(e.data for e in recorder.events if e.kind == "backends")
        assert queues == {"ibm_manila": 3, "ibm_nairobi": 1, "ibm_quito": 0}

        fake_cloud.advance(job.job_id())
        recorder.wait_for(lambda evs: recorder.statuses(job.job_id())[-1:] == ["RUNNING"])
        fake_cloud.devices["ibm_nairobi"].queue_length = 9
        recorder.wait_for(lambda evs: [e.data for e in evs if e.kind == "backends"][-1]["ibm_nairobi"] == 9)
        fake_cloud.advance(job.job_id())
        recorder.wait_for(lambda evs: recorder.statuses(job.job_id())[-1:] == ["DONE"])
    finally:
        unsubscribe()
    assert recorder.statuses(job.job_id()) == ["QUEUED", "RUNNING", "DONE"]  # each change once
    assert all(e.job_id == "" for e in recorder.events if e.kind == "backends")
    assert recorder.threads == {"qrt-ibm-poller"}  # never the caller's thread


def test_polling_stops_with_the_last_subscriber(ibm, fake_cloud):
    ibm.poll_interval = 0.05
    first, second = Recorder(), Recorder()
    stop_first = ibm.subscribe(first)
    stop_second = ibm.subscribe(second)
    first.wait_for(lambda evs: evs)
    stop_first()
    before = len(fake_cloud.requests)
    time.sleep(0.3)
    assert len(fake_cloud.requests) > before  # still polling for the second subscriber
    stop_second()
    time.sleep(0.3)
    settled = len(fake_cloud.requests)
    time.sleep(0.5)
    assert len(fake_cloud.requests) == settled
    assert not [t for t in threading.enumerate() if t.name == "qrt-ibm-poller"]


def test_a_broken_subscriber_does_not_stop_the_others(ibm, fake_cloud):
    ibm.poll_interval = 0.05

    def broken(event):
        raise RuntimeError("subscriber bug")

    recorder = Recorder()
    stop_broken = ibm.subscribe(broken)
    stop = ibm.subscribe(recorder)
    try:
        recorder.wait_for(lambda evs: any(e.kind == "backends" for e in evs))
    finally:
        stop_broken()
        stop()


def test_polling_survives_a_network_blip(ibm, fake_cloud, caplog):
    ibm.poll_interval = 0.05
    recorder = Recorder()
    job = ibm.run("sampler", {"circuits": bell()}, options={"backend_name": "ibm_manila"})
    stop = ibm.subscribe(recorder)
    try:
        recorder.wait_for(lambda evs: recorder.statuses(job.job_id()) == ["QUEUED"])
        token_before = set(fake_cloud.tokens)
        fake_cloud.tokens.clear()  # every request is refused for a while
        time.sleep(0.3)
        fake_cloud.tokens |= token_before
        fake_cloud.set_status(job.job_id(), "DONE")
        recorder.wait_for(lambda evs: recorder.statuses(job.job_id())[-1:] == ["DONE"])
    finally:
        stop()
    assert any("polling IBM Quantum failed" in r.getMessage() for r in caplog.records)
