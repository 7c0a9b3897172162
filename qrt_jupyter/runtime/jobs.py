"""``RuntimeJob``: a handle on one job of the local runtime.

The handle holds nothing but the job id and what never changes (program,
backend, creation time); everything else is read from the store when asked, so
a handle made in another kernel, or after a restart, tells the same truth.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from ..status import CANCELLED, DONE, FINAL_STATUSES
from . import arguments, codec
from .events import JobEvent

if TYPE_CHECKING:  # pragma: no cover
    from .service import LocalRuntimeService


def _dt(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=timezone.utc)


def _resolve_decoder(decoder):
    """A decoder class, or a ``"module:attr"`` string naming one."""
    if isinstance(decoder, str):
        from importlib import import_module

        module, _, attr = decoder.partition(":")
        decoder = getattr(import_module(module), attr)
    return decoder


class _Stream:
    """One ``stream_results`` subscription: stored results first, then live ones, none twice.

    ``final_result``: whether the callback also gets the job's result once it is done. The
    old ``IBMRuntimeService.run(callback=)`` and ``stream_results`` delivered interim
    results only (its tutorials count one callback per iteration); the primitives'
    ``run(callback=)`` of the newer API delivers interim results and the final result.
    """

    def __init__(self, job: "RuntimeJob", callback: Callable, decoder, final_result: bool = False):
        self.job = job
        self.callback = callback
        self.decoder = decoder
        self.final_result = final_result
        self.next_index = 0
        self.ended = False
        self.unsubscribe: Callable[[], None] = lambda: None

    def replay(self) -> None:  # on the delivery thread
        for row in self.job._store.interim(self.job.job_id(), self.next_index):
            self.next_index = row["idx"] + 1
            self.callback(self.job.job_id(), self.job._decode(row["data"], self.decoder))
        status = self.job._store.job_status(self.job.job_id())
        if status in FINAL_STATUSES:  # it ended before this subscription saw it end
            self._end(status)

    def __call__(self, event: JobEvent) -> None:
        if event.kind == "interim" and event.index >= self.next_index:
            self.next_index = event.index + 1
            data = event.data if self.decoder is None else self.job._decode(codec.encode(event.data), self.decoder)
            self.callback(self.job.job_id(), data)
        elif event.kind == "status" and event.data in FINAL_STATUSES:
            self._end(event.data)

    def _end(self, status: str) -> None:
        if self.ended:
            return
        self.ended = True
        if status == DONE and self.final_result:
            self.callback(self.job.job_id(), self.job.result())
        self.unsubscribe()


def decoder_function(decoder=None) -> Callable[[str], Any]:
    """The function that decodes a job's JSON text with ``decoder`` (a class or "module:attr").

    The plain ``ResultDecoder`` builds a new ``RuntimeDecoder`` per call, which is most
    of the cost of a small interim result; reading back thousands of them (a widget
    opening on a busy job) goes through the home's shared decoder instead, with the
    same result: plain text that is not JSON comes back as it is.
    """
    decoder = _resolve_decoder(decoder)
    from .results import ResultDecoder

    if decoder is None or decoder is ResultDecoder:
        return codec.decode_lenient
    return decoder.decode


def timeout_error(job_id: str, timeout: float | None) -> Exception:
    from qiskit_ibm_runtime.exceptions import RuntimeJobTimeoutError

    return RuntimeJobTimeoutError(f"Timed out waiting for job {job_id} after {timeout} seconds.")


def no_result_error(job_id: str, status: str, reason: str | None, error: str | None) -> Exception:
    """What ``result()`` raises for a job that ended CANCELLED or ERROR, as ``RuntimeJob`` does."""
    from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

    from .errors import RuntimeJobFailureError, RuntimeJobMaxTimeoutError

    if status == CANCELLED:
        return RuntimeInvalidStateError(f"Unable to retrieve result for job {job_id}. Job was cancelled.")
    if reason == "max_execution_time":
        return RuntimeJobMaxTimeoutError(error)
    return RuntimeJobFailureError(f"Unable to retrieve job result. {error}")


class RuntimeJob:
    """A job submitted to :class:`~qrt_jupyter.LocalRuntimeService` (the old ``IBMRuntimeService`` API's ``RuntimeJob``)."""

    def __init__(self, service: "LocalRuntimeService", row, result_decoder=None):
        self._service = service
        self._home = service.runtime_home
        self._store = self._home.store
        self._job_id = row["id"]
        self._program_id = row["program_id"]
        self._backend_name = row["backend"]
        self._created = row["created"]
        self._session_id = row["session_id"]
        self._max_execution_time = row["max_execution_time"]
        self._decoder = result_decoder
        self._streams: list[_Stream] = []
        self._inputs = None
        self._lock = threading.Lock()

    # -- identity --------------------------------------------------------------
    def job_id(self) -> str:
        return self._job_id

    @property
    def program_id(self) -> str:
        return self._program_id

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def max_execution_time(self) -> float | None:
        return self._max_execution_time

    @property
    def creation_date(self) -> datetime:
        return _dt(self._created)

    @property
    def inputs(self) -> dict:
        """The inputs the job was submitted with, decoded (circuits as circuits)."""
        if self._inputs is None:
            self._inputs = codec.decode(self._store.job_blob(self._job_id, "inputs") or "{}")
        return self._inputs

    def backend(self):
        return self._service.backend(self._backend_name)

    @property
    def backend_name(self) -> str:
        return self._backend_name

    def _row(self):
        row = self._store.get_job(self._job_id)
        if row is None:
            from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

            raise RuntimeJobNotFound(f"Job {self._job_id} was deleted.")
        return row

    # -- state -----------------------------------------------------------------
    def status(self):
        """The job's status as a ``qiskit.providers.JobStatus``."""
        from qiskit.providers import JobStatus

        return JobStatus[self._row()["status"]]

    def done(self) -> bool:
        return self._row()["status"] == DONE

    def in_final_state(self) -> bool:
        return self._row()["status"] in FINAL_STATUSES

    @property
    def start_date(self) -> datetime | None:
        return _dt(self._row()["started"])

    @property
    def end_date(self) -> datetime | None:
        return _dt(self._row()["finished"])

    @property
    def reason(self) -> str | None:
        """Why the job ended: done, program_error, cancelled, max_execution_time, interrupted, worker_died."""
        return self._row()["reason"]

    def error_message(self) -> str | None:
        row = self._row()
        if row["status"] == CANCELLED:
            return f"Job {self._job_id} was cancelled."
        return row["error"]

    def queue_position(self, refresh: bool = False) -> int | None:
        """1 for the next job to run on its backend; None once it is not queued."""
        for position, row in enumerate(
            (r for r in self._store.queued_jobs() if r["backend"] == self._backend_name), start=1
        ):
            if row["id"] == self._job_id:
                return position
        return None

    def metrics(self) -> dict[str, Any]:
        row = self._row()
        started, finished = row["started"], row["finished"]
        seconds = (finished - started) if started and finished else None
        return {
            "timestamps": {
                "created": _dt(row["created"]),
                "running": _dt(started),
                "finished": _dt(finished),
            },
            "usage": {"seconds": seconds, "quantum_seconds": seconds},
            "bss": {"seconds": seconds},
            "worker": row["worker"],
        }

    # -- results ---------------------------------------------------------------
    def _decode(self, raw: str, decoder=None):
        return self._decoder_fn(decoder)(raw)

    def _decoder_fn(self, decoder=None) -> Callable[[str], Any]:
        """The function that decodes this job's stored JSON with ``decoder`` (default: the job's)."""
        return decoder_function(decoder or self._decoder)

    def wait_for_final_state(self, timeout: float | None = None) -> None:
        arguments.wait_seconds("timeout", timeout)
        status = self._home.wait_final(self._job_id, timeout)
        if status is None:
            self._row()
        if status not in FINAL_STATUSES:
            raise timeout_error(self._job_id, timeout)

    def result(self, timeout: float | None = None, decoder=None) -> Any:
        """Wait for the job and return its decoded result; raise the client's errors otherwise."""
        self.wait_for_final_state(timeout)
        row = self._store.job_outcome(self._job_id)
        if row is None:
            row = self._row()  # deleted meanwhile: the client's "not found" error
        if row["status"] == DONE:
            return self._decode(row["result"], decoder)
        raise no_result_error(self._job_id, row["status"], row["reason"], row["error"])

    def interim_results(self, decoder=None) -> list:
        decode = self._decoder_fn(decoder)
        return [decode(row["data"]) for row in self._store.interim(self._job_id)]

    def logs(self) -> str:
        return "".join(row["text"] for row in self._store.logs(self._job_id))

    # -- control ---------------------------------------------------------------
    def cancel(self) -> None:
        """Cancel: a queued job at once, a running one within a second or two."""
        from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

        status = self._row()["status"]
        if status in FINAL_STATUSES:
            raise RuntimeInvalidStateError(f"Job {self._job_id} cannot be cancelled: it is already {status}.")
        self._home.cancel(self._job_id)

    # -- streaming -------------------------------------------------------------
    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Receive this job's :class:`JobEvent`s on the delivery thread (see docs/internals.md)."""
        return self._home.subscribe(callback, self._job_id)

    def stream_results(self, callback: Callable[[str, Any], None], decoder=None) -> None:
        """Call ``callback(job_id, interim_result)`` for every interim result, past and future
        (interim results only, as the old service did: ``job.result()`` gives the result)."""
        from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

        if self.in_final_state():
            raise RuntimeInvalidStateError(f"Job {self._job_id} has already finished; "
                                           "use job.interim_results() to read its interim results.")
        self._attach(callback, decoder)

    def _attach(self, callback, decoder=None, final_result: bool = False) -> None:
        stream = _Stream(self, callback, decoder, final_result)
        stream.unsubscribe = self.subscribe(stream)
        self._home.hub.call_soon(stream.replay)
        with self._lock:
            self._streams.append(stream)

    def cancel_result_streaming(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.unsubscribe()

    # -- stored JSON, as it is (for the runtime server, which passes it on undecoded) --------
    @property
    def log_level(self) -> str | None:
        return self._row()["log_level"]

    def inputs_json(self) -> str:
        """The inputs as the ``RuntimeEncoder`` JSON text they were stored as."""
        return self._store.job_blob(self._job_id, "inputs") or "{}"

    def result_json(self) -> str | None:
        """The final result's stored ``RuntimeEncoder`` JSON text (None until the job is DONE)."""
        return self._store.job_blob(self._job_id, "result")

    def interim_results_json(self, since: int = 0) -> list[tuple[int, str]]:
        """``(index, RuntimeEncoder JSON text)`` of each stored interim result from ``since`` on."""
        return [(row["idx"], row["data"]) for row in self._store.interim(self._job_id, since)]

    def __repr__(self) -> str:
        return f"<RuntimeJob('{self._job_id}', '{self._program_id}', backend='{self._backend_name}')>"
