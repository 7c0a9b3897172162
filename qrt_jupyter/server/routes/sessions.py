"""``/sessions``: open, read and close sessions, so ``Session``/``Sampler(session=...)`` work remotely."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import ApiError, did_you_mean
from ..http import call, endpoint, field, json_body, no_content, positive_number, query_int, service
from ..wire import session_json


def find_session(svc, session_id: str) -> dict:
    """The session's details, or 404 naming the closest ids."""
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    try:
        return svc.session_details(session_id)
    except IBMInputValueError:  # the runtime's "Session not found"
        choices = [s["id"] for s in svc.sessions(limit=200)]
        raise did_you_mean("session", session_id, choices, "GET /sessions") from None


@endpoint("job.create")
async def open_session(request: Request) -> JSONResponse:
    body = await json_body(request, required=False)
    unknown = sorted(set(body) - {"backend", "max_time", "mode", "instance"})
    if unknown:
        raise ApiError(400, f"unknown field(s) {', '.join(unknown)}; sessions take backend, max_time")
    return JSONResponse({"id": await opened(request, body, "max_time")})


async def opened(request: Request, body: dict, max_time_field: str) -> str:
    """Open a session on the body's ``backend`` (checked) for ``body[max_time_field]`` seconds."""
    backend = field(body, "backend", (str,))
    max_time = positive_number(body, max_time_field)
    svc = service(request)

    def open_() -> str:
        from .jobs import find_backend

        name = find_backend(svc, backend).name if backend else None
        return svc.open_session(backend_name=name, max_time=max_time)

    return await call(open_)


@endpoint("job.read")
async def list_sessions(request: Request) -> JSONResponse:
    limit = query_int(request, "limit", 20, 1, 1000)
    offset = query_int(request, "offset", 0, 0, 10**9)
    sessions = await call(service(request).sessions, limit, offset)
    return JSONResponse({"sessions": [session_json(s) for s in sessions]})


@endpoint("job.read")
async def get_session(request: Request) -> JSONResponse:
    details = await call(find_session, service(request), request.path_params["id"])
    return JSONResponse(session_json(details))


@endpoint("job.create")
async def close_session(request: Request):
    return await closed(request)


async def closed(request: Request):
    """Close the path's session (404 naming the closest ids); 204."""
    svc = service(request)

    def close() -> None:
        find_session(svc, request.path_params["id"])
        svc.close_session(request.path_params["id"])

    await call(close)
    return no_content()


ROUTES = [
    Route("/sessions", open_session, methods=["POST"]),
    Route("/sessions", list_sessions, methods=["GET"]),
    Route("/sessions/{id}", get_session, methods=["GET"]),
    Route("/sessions/{id}", close_session, methods=["DELETE"]),
]
