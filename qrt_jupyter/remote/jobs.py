"""``RemoteRuntimeJob``: the ``RuntimeJob`` API for a job that lives on a qrt-runtime server.

It quacks like :class:`qrt_jupyter.runtime.jobs.RuntimeJob` on purpose: the monitor
layer, the widgets, ``watch()`` and the dashboard read the same methods and get the
same :class:`~qrt_jupyter.runtime.events.JobEvent` objects from ``subscribe``, so they
work on remote jobs unchanged.

What the handle knows comes from the server's job object (``GET /jobs/{id}``). A
final job never changes again, so once final it is never asked again; a pending
job's facts are read again when older than ``FRESH_SECONDS`` (a table of ten jobs
just listed reads no job twice). Everything that happens to a job *after* the
call (status changes, interim results, logs, the end) is pushed over the job's
WebSocket (:mod:`.streams`): ``subscribe``, ``stream_results`` and
``wait_for_final_state``/``result`` never poll.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..runtime.events import JobEvent
from ..runtime import codec
from ..runtime.jobs import decoder_function, no_result_error, timeout_error
from ..status import FINAL_STATUSES, status_name
from .streams import StreamReader, stream_error

if TYPE_CHECKING:  # pragma: no cover
    from .service import RemoteRuntimeService

log = logging.getLogger(__name__)

FRESH_SECONDS = 0.5
"""How long a pending job's facts read from the server are used before they are read again."""


def _dt(text: str | None) -> datetime | None:
    """An ISO 8601 date of the server (``...Z``) as an aware datetime."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


class _JobStream:
    """One subscription to ``/stream/jobs/{id}``: the server's messages as ``JobEvent``s.

    ``decode`` turns an interim result's JSON text into what the event carries; None
    skips interim results (a wait wants only the end). ``deliver(event)`` runs on the
    reader thread. The final message settles the job handle before the final status
    event goes out, so a subscriber that reads ``job.result()`` on it gets it at once.
    """

    def __init__(self, job: "RemoteRuntimeJob", deliver: Callable[[JobEvent], None],
                 decode: Callable[[str], Any] | None = codec.decode_lenient,
                 on_end: Callable[[BaseException | None], None] = lambda error: None):
        self.job = job
        self.deliver = deliver
        self.decode = decode
        self.next_index = 0
        self.final = False
        self._on_end = on_end
        self.reader = StreamReader(job._client, self._path, self._on_message, self._ended,
                                   name=f"qrt-remote-job-{job.job_id()}")

    def start(self) -> "_JobStream":
        self.reader.start()
        return self

    def stop(self) -> None:
        self.reader.stop()

    def _path(self) -> str:
        return f"/stream/jobs/{self.job.job_id()}?since={self.next_index}"

    def _emit(self, kind: str, data: Any, index: int = 0) -> None:
        if self.reader.stopped:
            return
        try:
            self.deliver(JobEvent(self.job.job_id(), kind, data, time.time(), index))
        except Exception:  # a subscriber's bug must not stop the stream, nor replay it
            log.exception("qrt_jupyter subscriber of remote job %s raised", self.job.job_id())

    def _on_message(self, message: dict) -> bool:
        kind = message.get("type")
        if kind == "interim":
            index = int(message.get("index", self.next_index))
            if index < self.next_index:
                return False  # replayed after a reconnect: delivered already
            self.next_index = index + 1
            if self.decode is not None:
                self._emit("interim", self.decode(message.get("data")), index)
        elif kind in ("ack", "status"):
            name = status_name(message.get("status"))
            if name not in FINAL_STATUSES:  # the final message carries the end
                self.job._saw_status(name)
                self._emit("status", name)
        elif kind == "queue":
            self._emit("queue", message.get("position"))
        elif kind == "log":
            self._emit("log", str(message.get("data") or ""))
        elif kind == "final":
            name = self.job._settle(message)
            self.final = True
            self._emit("status", name)
            return True
        return False

    def _ended(self, error: BaseException | None) -> None:
        if self.final or self.reader.stopped:
            self._on_end(None)
        else:
            self._on_end(error or ConnectionError(f"the server closed job {self.job.job_id()}'s stream early"))


class _ResultStream:
    """``stream_results``/``run(callback=...)``: ``callback(job_id, interim)`` for every interim
    result, past and future, then ``callback(job_id, result)`` when the job is DONE."""

    def __init__(self, job: "RemoteRuntimeJob", callback: Callable[[str, Any], None], decoder=None):
        self.job = job
        self.callback = callback
        self.stream = _JobStream(job, self, decode=job._decoder_fn(decoder))

    def __call__(self, event: JobEvent) -> None:
        if event.kind == "interim":
            self.callback(self.job.job_id(), event.data)
        elif event.kind == "status" and event.data in FINAL_STATUSES:
            if event.data == "DONE":  # the old API hands the final result to the callback too
                self.callback(self.job.job_id(), self.job.result())


class RemoteRuntimeJob:
    """A job of a :class:`~qrt_jupyter.remote.RemoteRuntimeService` (the ``RuntimeJob`` API)."""

    def __init__(self, service: "RemoteRuntimeService", data: dict, result_decoder=None):
        self._service = service
        self._client = service._client
        self._job_id = str(data["id"])
        self._decoder = result_decoder
        self._data = data
        self._fetched = time.monotonic()
        self._result_text: str | None = None
        self._inputs = None
        self._lock = threading.Lock()
        self._streams: list[_ResultStream] = []

    # -- the server's job object --------------------------------------------
    def _info(self, fresh: bool = False) -> dict:
        with self._lock:
            data, age = self._data, time.monotonic() - self._fetched
        if status_name(data.get("status")) in FINAL_STATUSES and "ended" in data:
            return data
        if fresh or age > FRESH_SECONDS:
            data = self._client.request("GET", f"/jobs/{self._job_id}", "job")
            with self._lock:
                self._data, self._fetched = data, time.monotonic()
        return data

    def _saw_status(self, name: str) -> None:
        """A pushed status change: what we hold is out of date (its dates too)."""
        with self._lock:
            if status_name(self._data.get("status")) != name:
                self._fetched = float("-inf")

    def _settle(self, final: dict) -> str:
        """Record a job's final message (its result text travels with it); returns the status name."""
        name = status_name(final.get("status"))
        with self._lock:
            if final.get("result") is not None and name == "DONE":
                self._result_text = final["result"]
            data = dict(self._data)
            data["status"] = final.get("status")
            data.setdefault("state", {})
            if final.get("error") is not None:
                data["error"] = final["error"]
            data.pop("ended", None)  # dates and reason: read once more, then never again
            self._data, self._fetched = data, float("-inf")
        return name

    def _fact(self, key: str) -> Any:
        """A fact that never changes: from what we hold, else from the server."""
        data = self._data
        return data[key] if key in data else self._info().get(key)

    # -- identity --------------------------------------------------------------
    def job_id(self) -> str:
        return self._job_id

    @property
    def program_id(self) -> str:
        return (self._data.get("program") or {}).get("id")

    @property
    def backend_name(self) -> str:
        return self._fact("backend")

    def backend(self):
        return self._service.backend(self.backend_name)

    @property
    def session_id(self) -> str | None:
        return self._fact("session_id")

    @property
    def max_execution_time(self) -> float | None:
        return self._fact("max_execution_time")

    @property
    def creation_date(self) -> datetime | None:
        return _dt(self._fact("created"))

    @property
    def inputs(self) -> dict:
        """The inputs the job was submitted with, decoded (circuits as circuits)."""
        if self._inputs is None:
            from qiskit_ibm_runtime import RuntimeDecoder

            self._inputs = json.loads(json.dumps(self._data.get("params") or {}), cls=RuntimeDecoder)
        return self._inputs

    # -- state -----------------------------------------------------------------
    def status(self):
        """The job's status as a ``qiskit.providers.JobStatus``."""
        from qiskit.providers import JobStatus

        return JobStatus[status_name(self._info().get("status"))]

    def _status_name(self, fresh: bool = False) -> str:
        return status_name(self._info(fresh).get("status"))

    def done(self) -> bool:
        return self._status_name() == "DONE"

    def running(self) -> bool:
        return self._status_name() == "RUNNING"

    def in_final_state(self) -> bool:
        return self._status_name() in FINAL_STATUSES

    @property
    def start_date(self) -> datetime | None:
        return _dt(self._info().get("started"))

    @property
    def end_date(self) -> datetime | None:
        return _dt(self._info().get("ended"))

    @property
    def reason(self) -> str | None:
        """Why the job ended (the local runtime's words: done, program_error, cancelled, ...)."""
        return (self._info().get("state") or {}).get("reason")

    def error_message(self) -> str | None:
        data = self._info()
        if status_name(data.get("status")) == "CANCELLED":
            return f"Job {self._job_id} was cancelled."
        return data.get("error")

    def queue_position(self, refresh: bool = False) -> int | None:
        """1 for the next job to run on its backend; None once it is not queued."""
        return self._info(fresh=refresh).get("queue_position")

    def metrics(self) -> dict[str, Any]:
        metrics = self._client.request("GET", f"/jobs/{self._job_id}/metrics", "job") or {}
        stamps = metrics.get("timestamps")
        if isinstance(stamps, dict):
            metrics["timestamps"] = {k: _dt(v) if isinstance(v, str) else v for k, v in stamps.items()}
        return metrics

    # -- results ---------------------------------------------------------------
    def _decoder_fn(self, decoder=None) -> Callable[[str], Any]:
        return decoder_function(decoder or self._decoder)

    def wait_for_final_state(self, timeout: float | None = None) -> None:
        """Block until the job is final: the server pushes its end over the job's stream."""
        if status_name(self._data.get("status")) in FINAL_STATUSES:
            return  # (a stale "Queued" is fine: the stream's first messages say how it ended)
        done = threading.Event()
        ended: list[BaseException | None] = []

        def on_end(error):
            ended.append(error)
            done.set()

        stream = _JobStream(self, lambda event: None, decode=None, on_end=on_end).start()
        try:
            done.wait(timeout)
        finally:
            stream.stop()
        if stream.final:
            return
        if ended and ended[0] is not None:
            raise stream_error(ended[0], "job", self._client.url) from None
        raise timeout_error(self._job_id, timeout)

    def result(self, timeout: float | None = None, decoder=None) -> Any:
        """Wait for the job and return its decoded result; raise the client's errors otherwise."""
        self.wait_for_final_state(timeout)
        if self._result_text is not None:  # the final message brought it: DONE, nothing to ask
            return self._decoder_fn(decoder)(self._result_text)
        data = self._info()
        status = status_name(data.get("status"))
        if status == "DONE":
            text = self._result_text
            if text is None:
                text = self._client.request("GET", f"/jobs/{self._job_id}/results", "job", raw=True)
                self._result_text = text
            return self._decoder_fn(decoder)(text)
        raise no_result_error(self._job_id, status, (data.get("state") or {}).get("reason"), data.get("error"))

    def interim_results(self, decoder=None) -> list:
        answer = self._client.request("GET", f"/jobs/{self._job_id}/interim_results", "job") or {}
        decode = self._decoder_fn(decoder)
        return [decode(text) for text in answer.get("interim_results", [])]

    def logs(self) -> str:
        return self._client.request("GET", f"/jobs/{self._job_id}/logs", "job", raw=True) or ""

    # -- control ---------------------------------------------------------------
    def cancel(self) -> None:
        """Cancel: a queued job at once, a running one within a second or two."""
        try:
            self._client.request("POST", f"/jobs/{self._job_id}/cancel", "job")
        finally:
            with self._lock:
                self._fetched = float("-inf")

    # -- streaming -------------------------------------------------------------
    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Receive this job's :class:`JobEvent`s on a reader thread; returns ``unsubscribe``.

        The server replays the job's interim results from the first (each carries its
        index), then sends what happens, in order.
        """
        return _JobStream(self, callback).start().stop

    def stream_results(self, callback: Callable[[str, Any], None], decoder=None) -> None:
        """Call ``callback(job_id, interim_result)`` for every interim result, past and future,
        and finally with the job's result."""
        from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

        if self._status_name(fresh=True) in FINAL_STATUSES:
            raise RuntimeInvalidStateError(f"Job {self._job_id} has already finished; "
                                           "use job.interim_results() to read its interim results.")
        self._attach(callback, decoder)

    def _attach(self, callback, decoder=None) -> None:
        stream = _ResultStream(self, callback, decoder)
        with self._lock:
            self._streams.append(stream)
        stream.stream.start()

    def cancel_result_streaming(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.stream.stop()

    def __repr__(self) -> str:
        return f"<RemoteRuntimeJob('{self._job_id}', '{self.program_id}', backend='{self.backend_name}')>"
