"""``/api/v1/jobs``: IBM's job routes over the local runtime's jobs.

Submission takes the body IBM's client posts (``program_id``, ``params`` with the
V2 primitives' ``pubs``/``options``/``version``, ``backend``, ``session_id``,
``cost`` = the time limit, ``tags``...); the jobs are the runtime's own, so they
show in ``%qrt_jobs``, the dashboard and the old API's ``GET /jobs``. Cancel,
delete, results, logs and metrics are the old API's handlers, mounted here too.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import ApiError
from ..http import call, endpoint, field, json_body, service
from ..routes import jobs as old_api
from ..wire import job_json

PROGRAMS = ("sampler", "estimator")
"""The programs IBM's client may submit here: the V2 primitives, on our built-in primitives."""

_FIELDS = {"program_id", "params", "backend", "log_level", "session_id", "runtime", "tags", "cost",
           "start_session", "session_time", "private", "calibration_id"}


NOT_APPLIED = ("twirling", "dynamical_decoupling", "resilience", "execution", "seed_estimator", "experimental")
"""V2 options IBM's client may send that the built-in primitives accept and do not apply (docs/ibm.md)."""


def primitive_inputs(params: dict) -> dict:
    """The built-in primitives' inputs for IBM's V2 ``params`` (``pubs``, ``options``, ``version``).

    ``options.default_shots`` becomes ``shots`` (the estimator's default precision is
    1/sqrt(shots), as IBM's), ``default_precision`` ``precision``, and
    ``simulator.seed_simulator`` the run option ``seed_simulator``; ``resilience_level``
    stays (level >= 1 is readout mitigation on a noisy device).
    """
    inputs = {k: v for k, v in params.items() if k not in ("options", "version", "support_qiskit")}
    options = params.get("options") or {}
    if not isinstance(options, dict):
        raise ApiError(400, "params.options must be an object of the V2 primitives' options")
    if options.get("default_shots") is not None:
        inputs.setdefault("shots", options["default_shots"])
    if options.get("default_precision") is not None:
        inputs.setdefault("precision", options["default_precision"])
    seed = (options.get("simulator") or {}).get("seed_simulator")
    if seed is not None:
        inputs["run_options"] = {**(inputs.get("run_options") or {}), "seed_simulator": seed}
    return inputs


def ibm_job_json(job) -> dict:
    """A job as IBM's ``GET /jobs/{id}`` answers it (the fields ``RuntimeJobV2`` reads)."""
    body = job_json(job)
    body.update({"tags": [], "private": False, "user_id": "local",
                 "estimated_running_time_seconds": None, "cost": job.max_execution_time})
    return body


def _submit(svc, body: dict) -> dict:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ApiError(400, f"unknown field(s) {', '.join(unknown)} in the job")
    program_id = field(body, "program_id", (str,), required=True)
    if program_id not in PROGRAMS:
        hint = (" qiskit-ibm-runtime's Executor (program executor, a quantum_program payload) is not served "
                "yet; use SamplerV2 or EstimatorV2" if program_id == "executor" else "")
        raise ApiError(400, f"program {program_id[:60]!r} is not served on /api/v1 (it serves "
                            f"{', '.join(PROGRAMS)}).{hint}")
    params = field(body, "params", (dict,), required=True)
    options: dict = {"backend_name": old_api.find_backend(svc, field(body, "backend", (str,), required=True)).name}
    options.update(old_api.level_and_limit(body, "cost"))
    session_id = field(body, "session_id", (str,))
    if session_id:
        from .sessions import open_session_for

        open_session_for(svc, session_id, options["backend_name"])
        options["session_id"] = session_id
    inputs = primitive_inputs(old_api.merged_params(params))
    job = svc.run(program_id, inputs, options=options)
    return {"id": job.job_id(), "backend": job.backend_name, "session_id": session_id}


@endpoint("job.create")
async def submit_job(request: Request) -> JSONResponse:
    body = await json_body(request)
    return JSONResponse(await call(_submit, service(request), body))


@endpoint("job.read")
async def list_jobs(request: Request) -> JSONResponse:
    session_id = request.query_params.get("session_id") or None
    if session_id is None:
        return await old_api.job_listing(request, ibm_job_json)
    from .sessions import find_session

    return await old_api.job_listing(request, ibm_job_json, lambda svc: find_session(svc, session_id)["jobs"])


@endpoint("job.read")
async def get_job(request: Request) -> JSONResponse:
    return JSONResponse(await old_api._job_call(request, ibm_job_json))


ROUTES = [
    Route("/jobs", submit_job, methods=["POST"]),
    Route("/jobs", list_jobs, methods=["GET"]),
    Route("/jobs/{id}", get_job, methods=["GET"]),
    Route("/jobs/{id}", old_api.delete_job, methods=["DELETE"]),
    Route("/jobs/{id}/cancel", old_api.cancel_job, methods=["POST"]),
    Route("/jobs/{id}/results", old_api.job_results, methods=["GET"]),
    Route("/jobs/{id}/logs", old_api.job_logs, methods=["GET"]),
    Route("/jobs/{id}/metrics", old_api.job_metrics, methods=["GET"]),
]
