"""In-process publish/subscribe for job events.

The scheduler produces events on its own threads; subscribers (``stream_results``
callbacks, ``run(callback=...)``, the monitor layer behind the widgets) must never
run on those threads, or one slow callback would stall every job's store writes.
So events go through one queue to one delivery thread, which calls subscribers
in order. A callback that raises is logged and the others still run.

A program may publish thousands of interim results a second, and every Python call
per result made on this thread competes for the GIL with the scheduler's drain,
which records them (issue 17). So the thread takes whatever has queued up at once,
decodes the interim results in one pass (:func:`.codec.decode_many`), and a
subscriber that can take a run of events (one with an ``on_events(events)`` method,
see :class:`EventHub`) gets them in one call, consecutive interim results of a job
folded into one ``"interims"`` event. Plain callbacks still get one event at a time.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..status import FINAL_STATUSES  # noqa: F401  (importable from here as before)
from . import codec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEvent:
    """One thing that happened to a job (see docs/internals.md, "Events").

    ``kind`` is ``"status"`` (data: status name), ``"interim"`` (data: the decoded
    interim result, ``index`` its position), ``"log"`` (data: a text chunk),
    ``"queue"`` (data: queue position or None) or, with an empty ``job_id``,
    ``"backends"`` (data: ``{backend_name: pending_jobs}``). Subscribers that take
    runs of events (``on_events``) get ``"interims"`` instead of ``"interim"``: data is
    the list of consecutive decoded interim results, ``index`` the first one's position.
    """

    job_id: str
    kind: str
    data: Any
    time: float = field(default_factory=time.time)
    index: int = 0


Callback = Callable[[JobEvent], None]

DELIVERY_BATCH = 5000
"""Queued items the delivery thread takes at once at most (the drain's batch size)."""

_Entry = tuple  # (job_id, kind, data, time, index, the JobEvent if one was emitted)


def _fold(entries: list[_Entry]) -> list[JobEvent]:
    """Events for an ``on_events`` subscriber: runs of consecutive interim results of
    one job become one ``"interims"`` event, everything else stays as it came."""
    out: list[JobEvent] = []
    run: list[Any] = []
    head: _Entry | None = None
    for entry in entries:
        if entry[1] == "interim" and head is not None and entry[0] == head[0] \
                and entry[4] == head[4] + len(run):
            run.append(entry[2])
            continue
        if head is not None:
            out.append(JobEvent(head[0], "interims", run, head[3], head[4]))
            head, run = None, []
        if entry[1] == "interim":
            head, run = entry, [entry[2]]
        else:
            out.append(entry[5] if entry[5] is not None else JobEvent(*entry[:5]))
    if head is not None:
        out.append(JobEvent(head[0], "interims", run, head[3], head[4]))
    return out


def take_waiting(source: "queue.SimpleQueue", most: int) -> list:
    """The next item of ``source`` (waiting for it), and up to ``most`` in all of what is
    already queued behind it: a consumer thread's batch (the hub's delivery, the drain)."""
    items = [source.get()]
    try:
        while len(items) < most:
            items.append(source.get_nowait())
    except queue.Empty:
        pass
    return items


class EventHub:
    """Fan events out to subscribers from a single daemon delivery thread.

    A subscriber is a callable taking one :class:`JobEvent`; if it also has an
    ``on_events(events)`` method, that is called instead with every event of the
    subscribed job(s) that was waiting, in order (interim results folded, see
    :func:`_fold`). Either way each subscriber sees its events in order, and
    :meth:`call_soon` functions run after everything emitted before them.
    """

    def __init__(self, name: str = "qrt-events"):
        self._queue: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._by_job: dict[str, list[Callback]] = {}
        self._global: list[Callback] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # -- subscription -------------------------------------------------------
    def subscribe(self, callback: Callback, job_id: str | None = None) -> Callable[[], None]:
        """Call ``callback(event)`` for events of ``job_id`` (or of every job)."""
        with self._lock:
            if job_id is None:
                self._global = self._global + [callback]
            else:
                self._by_job[job_id] = self._by_job.get(job_id, []) + [callback]

        def unsubscribe() -> None:
            with self._lock:
                if job_id is None:
                    self._global = [c for c in self._global if c is not callback]
                else:
                    rest = [c for c in self._by_job.get(job_id, []) if c is not callback]
                    if rest:
                        self._by_job[job_id] = rest
                    else:
                        self._by_job.pop(job_id, None)

        return unsubscribe

    def has_subscribers(self, job_id: str) -> bool:
        return bool(self._global) or job_id in self._by_job

    # -- producing ----------------------------------------------------------
    def emit(self, event: JobEvent) -> None:
        self._queue.put(("event", event))

    def emit_encoded(self, job_id: str, kind: str, text: str, time: float, index: int,
                     decode: Callable[[str], Any]) -> None:
        """Emit an event whose data is still JSON text; it is decoded on the delivery thread.

        The scheduler's drain thread records a running program's messages; decoding
        them there would slow the recording (and so the program, whose messages back
        up) for the sake of subscribers, who are served on this hub's own thread anyway.
        """
        self._queue.put(("encoded", (job_id, kind, text, time, index, decode)))

    def emit_batch(self, events: list, decode: Callable[[str], Any]) -> None:
        """Emit many events as one queue item: :class:`JobEvent` objects, and ``(job_id,
        kind, text, time, index)`` tuples as :meth:`emit_encoded` takes them, decoded by
        ``decode``.

        The scheduler's drain records a running program's messages in batches; putting
        each event on the queue alone woke this thread once per interim result, to take
        the GIL from the drain each time (issue 17).
        """
        if events:
            self._queue.put(("batch", (events, decode)))

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the delivery thread, ordered with the events around it."""
        self._queue.put(("call", fn))

    def flush(self, timeout: float = 10.0) -> None:
        """Block until everything emitted so far has been delivered (tests, shutdown)."""
        done = threading.Event()
        self.call_soon(done.set)
        done.wait(timeout)

    # -- delivery thread ----------------------------------------------------
    def _run(self) -> None:
        while True:
            items = take_waiting(self._queue, DELIVERY_BATCH)
            try:
                self._deliver(items)
            except Exception:  # a bug here must not end delivery for the process
                logger.exception("qrt_jupyter event delivery failed for %d item(s)", len(items))

    def _deliver(self, items: list[tuple]) -> None:
        """Deliver events in runs; a ``call`` item runs once the events before it are out."""
        run: list[tuple] = []
        for item in items:
            if item[0] == "call":
                if run:
                    self._deliver_run(run)
                    run = []
                self._safe(item[1])
            elif item[0] == "batch":
                events, decode = item[1]
                run.extend(("encoded", (*event, decode)) if type(event) is tuple else ("event", event)
                           for event in events)
            else:
                run.append(item)
        if run:
            self._deliver_run(run)

    def _deliver_run(self, run: list[tuple]) -> None:
        if self._deliver_burst(run):
            return
        entries = self._entries(run)
        with self._lock:
            by_job, everyone = self._by_job, self._global
            targets = {job_id: by_job.get(job_id, []) + everyone for job_id in {e[0] for e in entries}}
        plans: dict[str, tuple[list[Callback], list[int]]] = {}  # job id -> (one by one, in runs)
        runs: dict[int, tuple[Callable[[list[JobEvent]], None], list[_Entry]]] = {}
        for job_id, callbacks in targets.items():
            singles, batched = [], []
            for callback in callbacks:
                on_events = getattr(callback, "on_events", None)
                if on_events is None:
                    singles.append(callback)
                else:
                    batched.append(id(callback))
                    runs.setdefault(id(callback), (on_events, []))
            plans[job_id] = singles, batched
        for entry in entries:
            singles, batched = plans[entry[0]]
            for key in batched:
                runs[key][1].append(entry)
            if singles:
                event = entry[5] if entry[5] is not None else JobEvent(*entry[:5])
                for callback in singles:
                    self._safe(callback, event)
        for on_events, mine in runs.values():
            self._safe(on_events, _fold(mine))

    def _deliver_burst(self, run: list[tuple]) -> bool:
        """The common run while a program publishes: one job's consecutive interim results,
        followed only by subscribers that take runs. Delivered as one ``"interims"`` event,
        checked and decoded by comprehensions instead of a Python loop per result. False
        (nothing delivered) for any other run."""
        head = run[0][1]
        if run[0][0] != "encoded" or head[1] != "interim" or head[5] is not codec.decode:
            return False
        job_id, first = head[0], head[4]
        if {kind for kind, _ in run} != {"encoded"} \
                or {(item[0], item[1], item[5]) for _, item in run} != {(job_id, "interim", codec.decode)} \
                or [item[4] for _, item in run] != list(range(first, first + len(run))):
            return False
        with self._lock:
            callbacks = self._by_job.get(job_id, []) + self._global
        takers = [getattr(callback, "on_events", None) for callback in callbacks]
        if None in takers or not takers:
            return False
        try:
            values = codec.decode_many([item[2] for _, item in run])
        except Exception:  # one bad text: the general path skips just that one
            return False
        event = JobEvent(job_id, "interims", values, head[3], first)
        for on_events in dict.fromkeys(takers):
            self._safe(on_events, [event])
        return True

    @staticmethod
    def _entries(run: list[tuple]) -> list[_Entry]:
        """The run's events as entries, encoded interim results decoded in one pass."""
        together = [item[1][2] for item in run if item[0] == "encoded" and item[1][5] is codec.decode]
        try:
            values = codec.decode_many(together) if together else []
        except Exception:  # one bad text: decode one by one below, skipping only that one
            values = None
        decoded = iter(values or ())
        entries: list[_Entry] = []
        for kind, item in run:
            if kind == "event":
                entries.append((item.job_id, item.kind, item.data, item.time, item.index, item))
                continue
            job_id, event_kind, text, when, index, decode = item
            if values is not None and decode is codec.decode:
                data = next(decoded)
            else:
                try:
                    data = decode(text)
                except Exception:  # written by RuntimeEncoder in the worker: a bug if it fails
                    logger.exception("qrt_jupyter could not decode a %s message of job %s", event_kind, job_id)
                    continue
            entries.append((job_id, event_kind, data, when, index, None))
        return entries

    @staticmethod
    def _safe(fn, *args) -> None:
        try:
            fn(*args)
        except Exception:  # a subscriber's bug must not stop delivery to the others
            logger.exception("qrt_jupyter event subscriber %r raised", fn)
