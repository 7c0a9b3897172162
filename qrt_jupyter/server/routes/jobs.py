"""``/jobs``: submit (the old API's curl body and the snake form), list, read, cancel, delete."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ...status import CANCELLED, DONE, ERROR, is_final, status_name
from ..errors import ApiError, did_you_mean
from ..http import (
    call, endpoint, field, json_body, no_content, positive_number, query_bool, query_int, service,
)
from ..wire import job_json, metrics_json
from .programs import find_program

_JOB_FIELDS = {"program_id", "programId", "params", "backend", "log_level", "max_execution_time",
               "session_id", "runtime", "hub", "group", "project"}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def find_job(svc, job_id: str):
    from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

    try:
        return svc.job(job_id)
    except RuntimeJobNotFound:
        choices = [j.job_id() for j in svc.jobs(limit=200)]
        raise did_you_mean("job", job_id, choices, "GET /jobs") from None


def find_backend(svc, name: str):
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    try:
        return svc.backend(name)
    except QiskitBackendNotFoundError:
        raise did_you_mean("backend", name, [b.name for b in svc.backends()], "GET /backends") from None


def merged_params(raw) -> dict:
    """``params`` as an object, or the old API's list of JSON strings / objects merged in order,
    decoded with ``RuntimeDecoder`` (circuits become circuits)."""
    from qiskit_ibm_runtime import RuntimeDecoder

    if raw is None:
        return {}
    parts = raw if isinstance(raw, list) else [raw]
    merged: dict = {}
    for n, part in enumerate(parts):
        where = f"params[{n}]" if isinstance(raw, list) else "params"
        if isinstance(part, str):
            try:
                part = json.loads(part)
            except json.JSONDecodeError as exc:
                raise ApiError(400, f"{where} is not valid JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(part, dict):
            raise ApiError(400, f"{where} must be a JSON object of program inputs")
        merged.update(part)
    try:
        return json.loads(json.dumps(merged), cls=RuntimeDecoder)
    except Exception as exc:  # a malformed {"__type__": ...} value of any kind
        raise ApiError(400, f"params could not be decoded ({type(exc).__name__}: "
                            f"{' '.join(str(exc).split())[:200]}); encode them with RuntimeEncoder") from None


def level_and_limit(body: dict, limit_field: str) -> dict:
    """The ``log_level`` and time-limit run options of a job request of either API (IBM's
    names the limit ``cost``), checked; only those given."""
    options: dict = {}
    log_level = field(body, "log_level", (str,))
    if log_level:
        if log_level.upper() not in _LOG_LEVELS:
            raise ApiError(400, f"field log_level must be one of {', '.join(_LOG_LEVELS)}, not {log_level[:20]!r}")
        options["log_level"] = log_level.upper()
    limit = positive_number(body, limit_field)
    if limit is not None:
        options["max_execution_time"] = limit
    return options


def _submit(svc, body: dict) -> dict:
    unknown = sorted(set(body) - _JOB_FIELDS)
    if unknown:
        raise ApiError(400, f"unknown field(s) {', '.join(unknown)}; jobs take "
                            "program_id, params, backend, log_level, max_execution_time, session_id")
    program_id = field(body, "program_id", (str,), required=True, alias="programId")
    program = find_program(svc, program_id)
    options: dict = {}
    backend = field(body, "backend", (str,))
    if backend:
        options["backend_name"] = find_backend(svc, backend).name
    options.update(level_and_limit(body, "max_execution_time"))
    session_id = field(body, "session_id", (str,))
    if session_id:
        from .sessions import find_session

        find_session(svc, session_id)
        options["session_id"] = session_id
    field(body, "runtime", (str,))
    inputs = merged_params(field(body, "params", (dict, list)))
    job = svc.run(program.program_id, inputs, options=options)
    return {"id": job.job_id(), "backend": job.backend_name}


@endpoint("job.create")
async def submit_job(request: Request) -> JSONResponse:
    body = await json_body(request)
    return JSONResponse(await call(_submit, service(request), body))


async def job_listing(request: Request, to_json, ids_of=None) -> JSONResponse:
    """``GET /jobs`` of either API: the query parameters, the jobs newest first as ``to_json``
    makes them; ``ids_of(svc)`` restricts the listing to those job ids (a session's)."""
    limit = query_int(request, "limit", 10, 1, 1000)
    offset = query_int(request, "offset", 0, 0, 10**9)
    pending = query_bool(request, "pending")
    program = request.query_params.get("program") or None
    backend = request.query_params.get("backend") or None
    svc = service(request)

    def listing() -> list:
        from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

        if ids_of is not None:
            jobs = (svc.job(i) for i in ids_of(svc)[offset:offset + limit])
        else:
            jobs = svc.jobs(limit=limit, skip=offset, program_id=program, pending=pending, backend_name=backend)
        found = []
        try:
            for job in jobs:
                found.append(to_json(job))
        except RuntimeJobNotFound:  # deleted while we listed
            pass
        return found

    jobs = await call(listing)
    return JSONResponse({"jobs": jobs, "count": len(jobs), "limit": limit, "offset": offset})


@endpoint("job.read")
async def list_jobs(request: Request) -> JSONResponse:
    return await job_listing(request, job_json)


def _job_call(request: Request, fn):
    """Find the path's job, then ``fn(job)``, all in the thread pool."""
    svc = service(request)
    return call(lambda: fn(find_job(svc, request.path_params["id"])))


@endpoint("job.read")
async def get_job(request: Request) -> JSONResponse:
    return JSONResponse(await _job_call(request, job_json))


def _cancel(job) -> None:
    status = status_name(job.status())
    if is_final(status):
        raise ApiError(409, f"job {job.job_id()} is already {status} and cannot be cancelled")
    job.cancel()


@endpoint("job.delete")
async def cancel_job(request: Request) -> Response:
    await _job_call(request, _cancel)
    return no_content()


@endpoint("job.delete")
async def delete_job(request: Request) -> Response:
    svc = service(request)
    await _job_call(request, lambda job: svc.delete_job(job.job_id()))
    return no_content()


def _result(job) -> str:
    status = status_name(job.status())
    if status == DONE:
        return job.result_json() or "null"
    if status == ERROR:
        raise ApiError(409, f"job {job.job_id()} failed: {job.error_message()}")
    if status == CANCELLED:
        raise ApiError(409, f"job {job.job_id()} was cancelled; it has no result")
    raise ApiError(409, f"job {job.job_id()} is still {status}; wait for it (GET /jobs/{job.job_id()} "
                        "or the WebSocket /stream/jobs/{id})")


@endpoint("job.read")
async def job_results(request: Request) -> Response:
    return Response(await _job_call(request, _result), media_type="application/json")


@endpoint("job.read")
async def job_interim_results(request: Request) -> JSONResponse:
    rows = await _job_call(request, lambda job: job.interim_results_json())
    return JSONResponse({"interim_results": [text for _, text in rows]})


@endpoint("job.read")
async def job_logs(request: Request) -> PlainTextResponse:
    return PlainTextResponse(await _job_call(request, lambda job: job.logs()))


@endpoint("job.read")
async def job_metrics(request: Request) -> JSONResponse:
    return JSONResponse(await _job_call(request, lambda job: metrics_json(job.metrics())))


ROUTES = [
    Route("/jobs", submit_job, methods=["POST"]),
    Route("/jobs", list_jobs, methods=["GET"]),
    Route("/jobs/{id}", get_job, methods=["GET"]),
    Route("/jobs/{id}", delete_job, methods=["DELETE"]),
    Route("/jobs/{id}/cancel", cancel_job, methods=["POST"]),
    Route("/jobs/{id}/results", job_results, methods=["GET"]),
    Route("/jobs/{id}/interim_results", job_interim_results, methods=["GET"]),
    Route("/jobs/{id}/logs", job_logs, methods=["GET"]),
    Route("/jobs/{id}/metrics", job_metrics, methods=["GET"]),
]
