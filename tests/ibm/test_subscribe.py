"""IBMService.subscribe: the dashboard's event stream, made by polling the service."""

from __future__ import annotations

import threading

from qrt_jupyter.runtime.events import JobEvent
from support import bell, wait_until


class Recorder:
    def __init__(self):
        self.events: list[JobEvent] = []
        self.threads: set[str] = set()

    def __call__(self, event):
        self.threads.add(threading.current_thread().name)
        self.events.append(event)  # appends are atomic: the poller's thread writes, the test reads

    def statuses(self, job_id):
        return [e.data for e in list(self.events) if e.kind == "status" and e.job_id == job_id]

    def backends(self):
        """The queue lengths of every backends event so far, oldest first."""
        return [e.data for e in list(self.events) if e.kind == "backends"]


def test_status_changes_and_backend_queues_arrive_as_events(ibm, fake_cloud):
    ibm.poll_interval = 0.05
    recorder = Recorder()
    job = ibm.run("sampler", {"circuits": bell()}, options={"backend_name": "ibm_manila"})
    unsubscribe = ibm.subscribe(recorder)
    try:
        wait_until(lambda: recorder.statuses(job.job_id()) == ["QUEUED"], "the job's QUEUED event")
        wait_until(lambda: recorder.backends(), "a backends event")
        queues = recorder.backends()[0]
        assert queues == {"ibm_manila": 3, "ibm_nairobi": 1, "ibm_quito": 0}

        fake_cloud.advance(job.job_id())
        wait_until(lambda: recorder.statuses(job.job_id())[-1:] == ["RUNNING"], "the job's RUNNING event")
        fake_cloud.devices["ibm_nairobi"].queue_length = 9
        wait_until(lambda: recorder.backends()[-1]["ibm_nairobi"] == 9, "ibm_nairobi's new queue length")
        fake_cloud.advance(job.job_id())
        wait_until(lambda: recorder.statuses(job.job_id())[-1:] == ["DONE"], "the job's DONE event")
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
    wait_until(lambda: first.events, "the first subscriber's first event")
    stop_first()
    before = len(fake_cloud.requests)
    wait_until(lambda: len(fake_cloud.requests) > before, "a poll for the second subscriber after the first left")
    stop_second()
    # the poller's thread ends: no thread, no more requests (no sleeping to watch for silence)
    wait_until(lambda: not [t for t in threading.enumerate() if t.name == "qrt-ibm-poller"],
               "the polling thread to end with the last subscriber")


def test_a_broken_subscriber_does_not_stop_the_others(ibm, fake_cloud):
    ibm.poll_interval = 0.05

    def broken(event):
        raise RuntimeError("subscriber bug")

    recorder = Recorder()
    stop_broken = ibm.subscribe(broken)
    stop = ibm.subscribe(recorder)
    try:
        wait_until(lambda: recorder.backends(), "a backends event despite the broken subscriber")
    finally:
        stop_broken()
        stop()


def test_polling_survives_a_network_blip(ibm, fake_cloud, caplog):
    ibm.poll_interval = 0.05
    recorder = Recorder()
    job = ibm.run("sampler", {"circuits": bell()}, options={"backend_name": "ibm_manila"})
    stop = ibm.subscribe(recorder)
    try:
        wait_until(lambda: recorder.statuses(job.job_id()) == ["QUEUED"], "the job's QUEUED event")
        token_before = set(fake_cloud.tokens)
        fake_cloud.tokens.clear()  # every request is refused until the poller has said so
        wait_until(lambda: any("polling IBM Quantum failed" in r.getMessage() for r in list(caplog.records)),
                   "the poller to log that its requests were refused")
        fake_cloud.tokens |= token_before
        fake_cloud.set_status(job.job_id(), "DONE")
        wait_until(lambda: recorder.statuses(job.job_id())[-1:] == ["DONE"], "the DONE event after the blip")
    finally:
        stop()
