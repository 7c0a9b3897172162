"""The EventHub's delivery: runs of events for subscribers that take them, one at a time for
the rest, interim results decoded in one pass with the same values as one by one (issue 17)."""

from __future__ import annotations

import threading

import numpy as np

from qrt_jupyter.runtime import codec
from qrt_jupyter.runtime.events import EventHub, JobEvent


class Runs:
    """A subscriber that takes runs of events (``on_events``), kept as they came."""

    def __init__(self):
        self.calls: list[list[JobEvent]] = []

    def __call__(self, event: JobEvent) -> None:
        self.calls.append([event])

    def on_events(self, events: list[JobEvent]) -> None:
        self.calls.append(list(events))


def _interims_of(calls: list[list[JobEvent]]) -> list:
    """Every interim result a ``Runs`` subscriber received, unfolded, with its index."""
    out = []
    for events in calls:
        for event in events:
            if event.kind == "interims":
                out.extend((event.index + i, value) for i, value in enumerate(event.data))
            elif event.kind == "interim":
                out.append((event.index, event.data))
    return out


def _hold(hub: EventHub) -> threading.Event:
    """Block the delivery thread until the returned event is set, so what is emitted
    meanwhile queues up and is delivered as one run."""
    release, blocked = threading.Event(), threading.Event()

    def wait() -> None:
        blocked.set()
        release.wait(30)

    hub.call_soon(wait)
    assert blocked.wait(30)
    return release


def test_decode_many_gives_what_decode_gives_one_by_one():
    texts = [
        codec.encode({"iteration": 1, "value": 0.5}),
        codec.encode({"array": np.arange(3)}),  # {"__type__": "ndarray", ...}
        codec.encode(2 + 3j),
        codec.encode({"program": {"id": "executor"}, "params": {}}),
        codec.encode(float("nan")),
        codec.encode([1, "two", None]),
        '"a string with __type__ in it"',
    ]
    one_by_one = [codec.decode(text) for text in texts]
    together = codec.decode_many(texts)
    assert len(together) == len(texts)
    assert isinstance(together[1]["array"], np.ndarray) and list(together[1]["array"]) == [0, 1, 2]
    assert together[2] == 2 + 3j and np.isnan(together[4])
    for mine, theirs in zip(together, one_by_one):
        if isinstance(theirs, dict) and "array" in theirs:
            continue
        if isinstance(theirs, float) and np.isnan(theirs):
            continue
        assert mine == theirs and type(mine) is type(theirs)


def test_a_burst_reaches_a_run_subscriber_folded_and_a_plain_one_event_by_event():
    hub = EventHub(name="test-hub-burst")
    runs, plain = Runs(), []
    hub.subscribe(runs, "j1")
    hub.subscribe(plain.append, "j1")
    release = _hold(hub)
    hub.emit(JobEvent("j1", "status", "RUNNING"))
    for i in range(500):
        hub.emit_encoded("j1", "interim", codec.encode({"iteration": i}), 1.0, i, codec.decode)
    hub.emit(JobEvent("j1", "log", "half way\n"))
    for i in range(500, 800):
        hub.emit_encoded("j1", "interim", codec.encode({"iteration": i}), 1.0, i, codec.decode)
    hub.emit(JobEvent("j1", "status", "DONE"))
    release.set()
    hub.flush()

    assert [(e.kind, e.index) for e in plain if e.kind != "interim"] == [("status", 0), ("log", 0), ("status", 0)]
    assert [(e.index, e.data) for e in plain if e.kind == "interim"] == [(i, {"iteration": i}) for i in range(800)]
    # one call for the whole run: status, 500 interim results as one event, the log, 300, status
    assert len(runs.calls) == 1
    assert [(e.kind, e.index) for e in runs.calls[0]] == [
        ("status", 0), ("interims", 0), ("log", 0), ("interims", 500), ("status", 0)]
    assert _interims_of(runs.calls) == [(i, {"iteration": i}) for i in range(800)]


def test_a_run_subscriber_gets_only_its_jobs_events_and_calls_keep_their_place():
    hub = EventHub(name="test-hub-order")
    runs, everything = Runs(), Runs()
    hub.subscribe(runs, "mine")
    hub.subscribe(everything)
    seen_at_call: list[int] = []
    release = _hold(hub)
    for i in range(3):
        hub.emit_encoded("mine", "interim", codec.encode(i), 1.0, i, codec.decode)
        hub.emit_encoded("other", "interim", codec.encode(-i), 1.0, i, codec.decode)
    hub.call_soon(lambda: seen_at_call.append(len(_interims_of(runs.calls))))
    hub.emit_encoded("mine", "interim", codec.encode(3), 1.0, 3, codec.decode)
    release.set()
    hub.flush()

    assert seen_at_call == [3]  # the call ran after the events emitted before it, before the rest
    assert _interims_of(runs.calls) == [(0, 0), (1, 1), (2, 2), (3, 3)]
    # the global subscriber saw both jobs, in the order they were emitted, never folded across jobs
    order = [(e.job_id, e.index) for events in everything.calls for e in events]
    assert order == [("mine", 0), ("other", 0), ("mine", 1), ("other", 1), ("mine", 2), ("other", 2), ("mine", 3)]


def test_a_text_that_is_not_json_is_skipped_and_the_rest_still_arrive(caplog):
    hub = EventHub(name="test-hub-bad")
    runs = Runs()
    hub.subscribe(runs, "j1")
    release = _hold(hub)
    hub.emit_encoded("j1", "interim", codec.encode({"i": 0}), 1.0, 0, codec.decode)
    hub.emit_encoded("j1", "interim", "{not json", 1.0, 1, codec.decode)
    hub.emit_encoded("j1", "interim", codec.encode({"i": 2}), 1.0, 2, codec.decode)
    release.set()
    hub.flush()

    assert _interims_of(runs.calls) == [(0, {"i": 0}), (2, {"i": 2})]
    assert "could not decode a interim message of job j1" in caplog.text


def test_a_raising_run_subscriber_does_not_stop_the_others(caplog):
    hub = EventHub(name="test-hub-raise")

    class Broken(Runs):
        def on_events(self, events):
            raise RuntimeError("subscriber bug")

    good = Runs()
    hub.subscribe(Broken(), "j1")
    hub.subscribe(good, "j1")
    hub.emit_encoded("j1", "interim", codec.encode(1), 1.0, 0, codec.decode)
    hub.flush()
    assert _interims_of(good.calls) == [(0, 1)]
    assert "subscriber bug" in caplog.text


def test_a_pure_burst_reaches_a_run_subscriber_as_one_event():
    """One job's consecutive interim results and nothing else: one call, one event."""
    hub = EventHub(name="test-hub-pure")
    runs = Runs()
    hub.subscribe(runs, "j1")
    release = _hold(hub)
    for i in range(10, 1010):
        hub.emit_encoded("j1", "interim", codec.encode({"iteration": i, "value": i / 3}), float(i), i, codec.decode)
    release.set()
    hub.flush()

    assert [[(e.kind, e.index, e.time) for e in events] for events in runs.calls] == [[("interims", 10, 10.0)]]
    assert _interims_of(runs.calls) == [(i, {"iteration": i, "value": i / 3}) for i in range(10, 1010)]
