"""``/api/v1/sessions``: IBM's sessions and batches as the local runtime's sessions.

A ``Session`` or ``Batch`` of IBM's client opens one (``POST``, ``mode`` dedicated
or batch), names it in each job's ``session_id`` -- so its jobs get the local
scheduler's session priority -- closes it with ``PATCH {"accepting_jobs": false}``
and cancels it with ``DELETE /sessions/{id}/close`` (its waiting jobs are
cancelled too). Details are answered in IBM's shape.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ...status import is_final, status_name
from ..errors import ApiError
from ..http import call, endpoint, field, json_body, no_content, service
from ..routes.sessions import closed, find_session, opened
from ..wire import iso

MODES = ("dedicated", "batch")


def open_session_for(svc, session_id: str, backend_name: str) -> dict:
    """The open session a job names, or 404/409 (closed, or another backend's)."""
    details = find_session(svc, session_id)
    if details["state"] != "open":
        raise ApiError(409, f"session {session_id} is {details['state']}; open a new Session to submit more jobs")
    if details["backend_name"] and details["backend_name"] != backend_name:
        raise ApiError(409, f"session {session_id} runs on {details['backend_name']}, not {backend_name}")
    return details


def ibm_session_json(details: dict, mode: str) -> dict:
    is_open = details["state"] == "open"
    return {
        "id": details["id"], "backend_name": details["backend_name"], "mode": mode,
        "state": "active" if is_open else "closed", "accepting_jobs": is_open,
        "max_ttl": details["max_time"], "active_ttl": details["max_time"], "interactive_timeout": None,
        "started_at": iso(details["created"]), "activated_at": iso(details["created"]),
        "closed_at": iso(details["closed"]), "last_job_started": None, "last_job_completed": None,
        "usage_time": None, "elapsed_time": None, "jobs": details["jobs"], "timestamps": [],
    }


def _modes(request: Request) -> dict:
    app_state = request.app.state
    if not hasattr(app_state, "ibm_session_modes"):
        app_state.ibm_session_modes = {}
    return app_state.ibm_session_modes


@endpoint("job.create")
async def create_session(request: Request) -> JSONResponse:
    body = await json_body(request, required=False)
    mode = field(body, "mode", (str,)) or "dedicated"
    if mode not in MODES:
        raise ApiError(400, f"field mode must be one of {', '.join(MODES)}, not {mode[:20]!r}")
    session_id = await opened(request, body, "max_ttl")
    _modes(request)[session_id] = mode
    return JSONResponse({"id": session_id, "mode": mode})


@endpoint("job.read")
async def session_details(request: Request) -> JSONResponse:
    details = await call(find_session, service(request), request.path_params["id"])
    return JSONResponse(ibm_session_json(details, _modes(request).get(details["id"], "dedicated")))


@endpoint("job.create")
async def update_session(request: Request):
    body = await json_body(request)
    if body.get("accepting_jobs") is not False:
        raise ApiError(400, 'a session is updated only to close it: send {"accepting_jobs": false}')
    return await closed(request)


@endpoint("job.delete")
async def cancel_session(request: Request):
    """Close the session and cancel its jobs that have not finished."""
    svc = service(request)

    def cancel() -> None:
        details = find_session(svc, request.path_params["id"])
        svc.close_session(details["id"])
        for job_id in details["jobs"]:
            job = svc.job(job_id)
            if not is_final(status_name(job.status())):
                job.cancel()

    await call(cancel)
    return no_content()


ROUTES = [
    Route("/sessions", create_session, methods=["POST"]),
    Route("/sessions/{id}", session_details, methods=["GET"]),
    Route("/sessions/{id}", update_session, methods=["PATCH"]),
    Route("/sessions/{id}/close", cancel_session, methods=["DELETE"]),
]
