"""``RemoteRuntimeService``: the ``LocalRuntimeService`` API, answered by a qrt-runtime server.

A lab shares one server (one store, one scheduler, the same fake devices); each
person's notebook holds one of these. Every method is one or a few requests of
the server's REST API (docs/server.md), and what comes back is the same kind of
object the local service returns: ``RuntimeProgram``, backends with ``status()``,
session dicts, and :class:`~qrt_jupyter.remote.jobs.RemoteRuntimeJob` handles whose
events are pushed over WebSockets.

Checks the server makes (program schemas, roles, names) are not repeated here: the
server's one-line message arrives as the same ``qiskit_ibm_runtime.exceptions``
class the local service raises (:mod:`.http`).
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

from ..runtime.events import JobEvent
from ..runtime.service import LocalRuntimeService
from .http import RestClient
from .jobs import RemoteRuntimeJob, _dt


_PAGE = 200  # jobs per GET /jobs when more are wanted than one answer holds (the server allows 1000)


def _input_error(message: str) -> Exception:
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    return IBMInputValueError(message)


def _timestamp(text: str | None) -> float | None:
    value = _dt(text)
    return None if value is None else value.timestamp()


class RemoteRuntimeService:
    """A qrt-runtime server's runtime. ``RemoteRuntimeService(url=None, token=None)``.

    ``url`` defaults to ``$QRT_URL``, ``token`` to ``$QRT_TOKEN`` (``qrt-runtime token
    create`` prints one). ``verify``: as in ``requests``: ``False`` or the path of the
    server's certificate for a self-signed TLS server.
    """

    def __init__(self, url: str | None = None, token: str | None = None, verify: Any = True):
        url = url or os.environ.get("QRT_URL")
        if not url:
            raise _input_error("No server URL: pass RemoteRuntimeService(url=...) or set QRT_URL.")
        if not url.startswith(("http://", "https://")):
            raise _input_error(f"The server URL must start with http:// or https://, got '{url}'.")
        if token is None:
            token = os.environ.get("QRT_TOKEN") or None
        self._client = RestClient(url, token, verify)

    @property
    def url(self) -> str:
        return self._client.url

    @property
    def channel(self) -> str:
        return "remote"

    @property
    def description(self) -> str:
        """What ``qrt_jupyter.active.describe`` and the dashboard's header say: which server."""
        return f"qrt-runtime server {self._client.url}"

    def __repr__(self) -> str:
        return f"<RemoteRuntimeService(url='{self._client.url}')>"

    def close(self) -> None:
        """Close the HTTP connections (jobs' streams close themselves when they end)."""
        self._client.close()

    def health(self) -> dict:
        """The server's ``GET /health`` (``{"status": "ok", "version"}``); raises if none answers."""
        return self._get("/health")

    def same_server(self, other: Any) -> bool:
        """Whether ``other`` talks to the same server with the same token."""
        return isinstance(other, RemoteRuntimeService) and self._client.same_as(other._client)

    def _get(self, path: str, resource: str = "", **params) -> Any:
        return self._client.request("GET", path, resource, params=params)

    # -- programs ------------------------------------------------------------------
    def programs(self, refresh: bool = False, limit: int | None = None, skip: int = 0) -> list:
        """Built-in programs first, then uploaded ones, oldest first."""
        answer = self._get("/programs", "program", limit=limit, offset=skip or None)
        return [_program(item) for item in answer.get("programs", [])]

    def program(self, program_id: str, refresh: bool = False):
        """A program by id (or by name)."""
        return _program(self._get(f"/programs/{_path(program_id)}", "program"))

    pprint_programs = LocalRuntimeService.pprint_programs  # it only reads self.programs()

    def upload_program(self, data: str, metadata: dict | str | None = None, name: str | None = None,
                       max_execution_time: float | None = None, description: str | None = None,
                       version: str | None = None, backend_requirements: dict | None = None,
                       parameters: dict | None = None, return_values: dict | None = None,
                       interim_results: dict | None = None) -> str:
        """Send a program to the server; return its id. The same checks as locally, made here first."""
        from ..runtime.programs import registry

        source, meta = registry.prepare_upload(
            data, metadata, name=name, max_execution_time=max_execution_time,
            description=description, version=version, backend_requirements=backend_requirements,
            parameters=parameters, return_values=return_values, interim_results=interim_results,
        )
        body = {key: value for key, value in meta.items() if value is not None}
        body["data"] = source
        return self._client.request("POST", "/programs", "program", body=body)["id"]

    def update_program(self, program_id: str, data: str | None = None, metadata: dict | str | None = None,
                       name: str | None = None, description: str | None = None,
                       max_execution_time: float | None = None, version: str | None = None,
                       backend_requirements: dict | None = None, parameters: dict | None = None,
                       return_values: dict | None = None, interim_results: dict | None = None,
                       spec: dict | None = None) -> None:
        """Change an uploaded program: its metadata (``PATCH``), then its source (``PUT .../data``)."""
        from ..runtime.programs import registry

        fields = dict(registry.load_metadata(metadata)) if metadata is not None else {}
        spec = dict(fields.pop("spec", None) or {}, **(spec or {}))
        for key, value in (("backend_requirements", backend_requirements), ("parameters", parameters),
                           ("return_values", return_values), ("interim_results", interim_results)):
            if value is not None:
                spec[key] = value
        for key, value in (("name", name), ("description", description),
                           ("max_execution_time", max_execution_time), ("version", version)):
            if value is not None:
                fields[key] = value
        if spec:
            fields["spec"] = spec
        source = None
        if data is not None:
            source = registry.read_source(data)
            registry.check_source(source)
        path = f"/programs/{_path(program_id)}"
        if fields:
            self._client.request("PATCH", path, "program", body=fields)
        if source is not None:  # a renamed program keeps its id
            self._client.request("PUT", path + "/data", "program", text=source)
        if not fields and source is None:
            self.program(program_id)  # nothing to change: still say if it does not exist

    def upload_or_update_program(self, data: str, metadata: dict | str | None = None, **fields) -> str:
        """Upload a program, or update the uploaded program of that name; return its id."""
        from qiskit_ibm_runtime.exceptions import RuntimeProgramNotFound

        from ..runtime.programs import registry

        name = fields.get("name") or registry.load_metadata(metadata).get("name")
        if name:
            try:
                program = self.program(name)
            except RuntimeProgramNotFound:
                pass
            else:
                self.update_program(program.program_id, data=data, metadata=metadata, **fields)
                return program.program_id
        return self.upload_program(data, metadata=metadata, **fields)

    def delete_program(self, program_id: str) -> None:
        self._client.request("DELETE", f"/programs/{_path(program_id)}", "program")

    # -- backends ------------------------------------------------------------------
    def backends(self, name: str | None = None, min_num_qubits: int | None = None,
                 simulator: bool | None = None, operational: bool | None = None) -> list:
        found = []
        for item in self._get("/backends", "backend").get("backends", []):
            if name is not None and item["name"] != name:
                continue
            if min_num_qubits is not None and item.get("num_qubits", 0) < min_num_qubits:
                continue
            if simulator is not None and bool(item.get("simulator")) != simulator:
                continue
            if operational is not None and bool(item.get("operational", True)) != operational:
                continue
            found.append(self._backend(item))
        return found

    def backend(self, name: str | None = None):
        """A backend by name; no name: the least busy."""
        if name is None:
            return self.least_busy()
        for item in self._get("/backends", "backend").get("backends", []):
            if item["name"] == name:
                return self._backend(item)
        self._get(f"/backends/{_path(name)}/status", "backend")  # the server's 404 names close ones
        raise _input_error(f"Unknown backend '{name}'.")  # pragma: no cover - the server said 404

    def least_busy(self, min_num_qubits: int | None = None, filters: Callable | None = None):
        """The backend with the fewest pending jobs per slot (ties: simulator, then smallest), as locally."""
        candidates = self.backends(min_num_qubits=min_num_qubits)
        if filters is not None:
            candidates = [b for b in candidates if filters(b)]
        if not candidates:
            from ..runtime.service import _unknown_backend_error

            raise _unknown_backend_error()(f"No backend has {min_num_qubits} or more qubits.")
        return min(candidates, key=lambda b: (b.status().pending_jobs / max(b.max_concurrency, 1),
                                              not b.simulator, b.num_qubits, b.name))

    def _backend(self, item: dict):
        """A :class:`LocalBackend` whose queue length is the one the server just reported."""
        from ..runtime.backends import BackendInfo, LocalBackend

        info = BackendInfo(name=item["name"], num_qubits=int(item.get("num_qubits") or 0),
                           simulator=bool(item.get("simulator")),
                           max_concurrency=int(item.get("max_concurrency") or 1))
        pending = int(item.get("pending_jobs") or 0)
        return LocalBackend(info, lambda: pending, self)

    # -- jobs ---------------------------------------------------------------------
    def run(self, program_id: str, inputs: dict | Any, options: Any = None,
            callback: Callable[[str, Any], None] | None = None, result_decoder=None,
            session_id: str | None = None) -> RemoteRuntimeJob:
        """Submit a job (``POST /jobs``); return its handle at once."""
        from qiskit_ibm_runtime import RuntimeEncoder

        from ..runtime.options import RuntimeOptions

        opts = RuntimeOptions.coerce(options)
        if session_id is not None:
            opts.session_id = session_id
        inputs = LocalRuntimeService._inputs_dict(inputs)
        try:
            params = json.loads(json.dumps(inputs, cls=RuntimeEncoder))
        except (TypeError, ValueError) as exc:
            raise _input_error(f"Inputs of program '{program_id}' cannot be serialized: {exc}.") from None
        body = {
            "program_id": program_id, "params": params, "backend": opts.backend_name,
            "log_level": opts.log_level, "max_execution_time": opts.max_execution_time,
            "session_id": opts.session_id,
        }
        answer = self._client.request("POST", "/jobs", "submit", body={k: v for k, v in body.items()
                                                                          if v is not None})
        # what the server just accepted, read in full on first need (no second round trip now)
        data = {"id": answer["id"], "backend": answer.get("backend"), "status": "Queued",
                "program": {"id": program_id}, "params": params, "session_id": opts.session_id}
        job = self._job(data, result_decoder)
        job._fetched = float("-inf")
        if callback is not None:
            job._attach(callback)
        return job

    def job(self, job_id: str, result_decoder=None) -> RemoteRuntimeJob:
        return self._job(self._get(f"/jobs/{_path(job_id)}", "job"), result_decoder)

    def _job(self, data: dict, result_decoder=None) -> RemoteRuntimeJob:
        from ..runtime.programs import registry

        program_id = (data.get("program") or {}).get("id") or ""
        decoder = result_decoder or registry.builtin_decoder(program_id)
        return RemoteRuntimeJob(self, data, result_decoder=decoder)

    def jobs(self, limit: int | None = 10, skip: int = 0, program_id: str | None = None,
             pending: bool | None = None, backend_name: str | None = None,
             session_id: str | None = None, status: str | None = None) -> list:
        """Jobs newest first, as the server lists them (every client's jobs); ``limit=None``: all.

        ``session_id`` and ``status`` (``"DONE"``, ... or a ``JobStatus``) narrow the list too;
        the server's ``GET /jobs`` filters neither, so they are applied here (a session's
        jobs come from its details, a status by reading pages until ``limit`` match).
        """
        from itertools import islice

        from ..status import status_name

        wanted = None if status is None else status_name(status)
        query = dict(program=program_id, pending=pending, backend=backend_name)
        if session_id is None and wanted is None:
            if limit is not None and limit <= _PAGE:
                answer = self._get("/jobs", "job", limit=limit, offset=skip or None, **query)
                return [self._job(item) for item in answer.get("jobs", [])]
            found, skip = self._scan(offset=skip, **query), 0
        elif session_id is not None:
            ids = reversed(self.session_details(session_id).get("jobs", []))
            found = (j for j in map(self.job, ids) if _matches(j, wanted, **query))
        else:
            found = (j for j in self._scan(**query) if _matches(j, wanted))
        return list(islice(found, skip, None if limit is None else skip + limit))

    def _scan(self, offset: int = 0, **query):
        """Every job the server lists for ``query`` from ``offset`` on, newest first, a page at a time."""
        while True:
            items = self._get("/jobs", "job", limit=_PAGE, offset=offset or None, **query).get("jobs", [])
            yield from (self._job(item) for item in items)
            if len(items) < _PAGE:
                return
            offset += len(items)

    def delete_job(self, job_id: str) -> None:
        self._client.request("DELETE", f"/jobs/{_path(job_id)}", "job")

    # -- sessions -------------------------------------------------------------------
    def open_session(self, backend_name: str | None = None, max_time: float | None = None) -> str:
        body = {"backend": backend_name, "max_time": max_time}
        return self._client.request("POST", "/sessions", "backend", body=body)["id"]

    def close_session(self, session_id: str) -> None:
        self._client.request("DELETE", f"/sessions/{_path(session_id)}", "session")

    def session_details(self, session_id: str) -> dict:
        return _session(self._get(f"/sessions/{_path(session_id)}", "session"))

    def sessions(self, limit: int = 20, skip: int = 0) -> list[dict]:
        answer = self._get("/sessions", "session", limit=limit, offset=skip or None)
        return [_session(item) for item in answer.get("sessions", [])]

    # -- events -----------------------------------------------------------------------
    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Every job's status and queue events, and backend queue lengths, pushed by the server
        (``/stream/events``); returns ``unsubscribe``. The dashboard uses it."""
        from .events import ServiceEvents

        return ServiceEvents(self._client, callback).start().stop


def _matches(job: RemoteRuntimeJob, status: str | None = None, program: str | None = None,
             pending: bool | None = None, backend: str | None = None) -> bool:
    """Whether ``job`` passes the filters that ``jobs()`` applies on this side."""
    from ..status import is_pending

    name = job._status_name()
    return ((status is None or name == status)
            and (program is None or job.program_id == program)
            and (pending is None or is_pending(name) == pending)
            and (backend is None or job.backend_name == backend))


def _path(part: str) -> str:
    from urllib.parse import quote

    return quote(str(part), safe="")


def _program(item: dict):
    """The server's program object as the local service's ``RuntimeProgram``."""
    from ..runtime.programs.registry import RuntimeProgram

    metadata = {key: item[key] for key in ("name", "description", "max_execution_time", "version", "spec")
                if key in item}
    metadata.setdefault("name", item.get("id"))
    return RuntimeProgram(item["id"], metadata, data=item.get("data"),
                          created=_timestamp(item.get("creation_date")),
                          updated=_timestamp(item.get("update_date")),
                          builtin=bool(item.get("is_public")))


def _session(item: dict) -> dict:
    """The server's session details with datetimes, as ``LocalRuntimeService.session_details``."""
    details = dict(item)
    for key in ("created", "closed"):
        if isinstance(details.get(key), str):
            details[key] = _dt(details[key])
    details.setdefault("jobs", [])
    return details
