"""``/backends``: the local devices and their queues."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..http import call, endpoint, service
from ..wire import backend_json, backend_status_json
from .jobs import find_backend


@endpoint("job.read")
async def list_backends(request: Request) -> JSONResponse:
    backends = await call(lambda: [backend_json(b) for b in service(request).backends()])
    return JSONResponse({"devices": [b["name"] for b in backends], "backends": backends})


@endpoint("job.read")
async def backend_status(request: Request) -> JSONResponse:
    svc = service(request)
    return JSONResponse(await call(lambda: backend_status_json(find_backend(svc, request.path_params["name"]))))


ROUTES = [
    Route("/backends", list_backends, methods=["GET"]),
    Route("/backends/{name}/status", backend_status, methods=["GET"]),
]
