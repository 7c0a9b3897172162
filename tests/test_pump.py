"""The update pump: throttling with a fake clock, batching, and its thread."""

from __future__ import annotations

import threading

import ipywidgets
import pytest
import traitlets

from qrt_jupyter.widgets.pump import UpdatePump


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Counter:
    """A flush target that copies a producer's value, the way widgets copy a snapshot."""

    def __init__(self, source=None):
        self.source = source if source is not None else {"value": 0}
        self.flushed: list[int] = []

    def flush(self) -> None:
        self.flushed.append(self.source["value"])


def test_ten_thousand_marks_yield_at_most_the_throttles_flushes():
    clock = FakeClock()
    pump = UpdatePump(min_interval=0.1, clock=clock, start=False)
    source = {"value": 0}
    target = Counter(source)
    for i in range(10_000):  # 10,000 updates over 10 s of fake time
        source["value"] = i
        pump.mark_dirty(target)
        pump.run_once()
        clock.advance(0.001)
    clock.advance(0.1)
    pump.run_once()
    assert len(target.flushed) <= 10 / 0.1 + 1
    assert len(target.flushed) >= 90  # throttled, not starved
    assert target.flushed[-1] == 9_999  # the last state always gets out
    assert pump.pending() == 0


def test_a_mark_inside_the_interval_is_delayed_not_lost():
    clock = FakeClock()
    pump = UpdatePump(min_interval=0.1, clock=clock, start=False)
    target = Counter()
    pump.mark_dirty(target)
    assert pump.run_once() is None and target.flushed == [0]
    target.source["value"] = 1
    pump.mark_dirty(target)
    due = pump.run_once()
    assert target.flushed == [0] and due == pytest.approx(clock.now + 0.1)
    clock.advance(0.05)
    pump.run_once()
    assert target.flushed == [0]
    clock.advance(0.06)
    pump.run_once()
    assert target.flushed == [0, 1]


def test_each_target_has_its_own_throttle():
    clock = FakeClock()
    pump = UpdatePump(min_interval=0.1, clock=clock, start=False)
    a, b = Counter(), Counter()
    pump.mark_dirty(a)
    pump.run_once()
    pump.mark_dirty(a)
    pump.mark_dirty(b)
    pump.run_once()
    assert len(a.flushed) == 1 and len(b.flushed) == 1


def test_a_failing_target_does_not_stop_the_others():
    class Broken:
        def flush(self):
            raise RuntimeError("boom")

    pump = UpdatePump(clock=FakeClock(), start=False)
    good = Counter()
    pump.mark_dirty(Broken())
    pump.mark_dirty(good)
    pump.run_once()
    assert good.flushed == [0]


def test_flush_now_and_forget():
    clock = FakeClock()
    pump = UpdatePump(clock=clock, start=False)
    target = Counter()
    pump.mark_dirty(target)
    pump.flush_now(target)
    assert target.flushed == [0] and pump.pending() == 0
    pump.mark_dirty(target)
    pump.forget(target)
    clock.advance(1)
    pump.run_once()
    assert target.flushed == [0]


def test_thread_applies_marks_from_other_threads_without_an_event_loop():
    pump = UpdatePump(min_interval=0.01)
    try:
        source = {"value": 0}
        target = Counter(source)
        done = threading.Event()

        def producer():
            for i in range(1, 2001):
                source["value"] = i
                pump.mark_dirty(target)
            done.set()

        threading.Thread(target=producer).start()
        assert done.wait(30)
        assert pump.drain(timeout=30)
        assert target.flushed[-1] == 2000
        assert len(target.flushed) < 2000
        assert pump.running
    finally:
        pump.stop()
    assert not pump.running


class Traits(ipywidgets.Widget):
    a = traitlets.Int(0).tag(sync=True)
    b = traitlets.Int(0).tag(sync=True)
    c = traitlets.Int(0).tag(sync=True)


class RecordingComm:
    """Stands in for the kernel's comm: keeps every message a widget sends."""

    comm_id = "recording"
    kernel = "a kernel"

    def __init__(self, **kwargs):
        self.messages: list[dict] = []

    def send(self, data=None, buffers=None, **kwargs):
        self.messages.append(data)

    def on_msg(self, callback):
        pass

    def close(self, *args, **kwargs):
        pass


def test_a_hold_sync_flush_sends_one_message(monkeypatch):
    import comm

    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))
    widget = Traits()

    class Target:
        value = 0

        def flush(self):
            with widget.hold_sync():
                widget.a = widget.b = widget.c = self.value

    target = Target()
    pump = UpdatePump(clock=FakeClock(), start=False)
    widget.comm.messages.clear()
    target.value = 5
    pump.mark_dirty(target)
    pump.run_once()
    updates = [m for m in widget.comm.messages if m.get("method") == "update"]
    assert len(updates) == 1
    assert updates[0]["state"] == {"a": 5, "b": 5, "c": 5}
    widget.close()
