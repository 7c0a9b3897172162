"""``/api/v1/backends``: the fake devices as IBM's service lists and describes its devices.

Configuration and properties are the fake devices' own IBM documents, so the
client's ``Target`` (basis gates, coupling map, errors) is the one the device's
noise model was built from; status carries our real queue length. The ideal
simulator has no such documents and is not listed here.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ...runtime.backends import device_json
from ..http import call, endpoint, service
from ..routes import backends as old_api
from ..routes.jobs import find_backend


def ibm_backends(svc) -> list:
    """The backends IBM's client can use: those with IBM configuration documents."""
    return [b for b in svc.backends() if not b.simulator]


def _device(backend) -> dict:
    status = backend.status()
    return {"name": backend.name, "backend_name": backend.name, "qubits": backend.num_qubits,
            "status": {"name": "online" if status.operational else "offline", "reason": ""},
            "queue_length": status.pending_jobs, "processor_type": {}, "wait_time_seconds": None}


@endpoint("job.read")
async def list_backends(request: Request) -> JSONResponse:
    return JSONResponse({"devices": await call(lambda: [_device(b) for b in ibm_backends(service(request))])})


def _document(request: Request, kind: str) -> dict:
    backend = find_backend(service(request), request.path_params["name"])
    document = device_json(backend.name, kind)
    if document is None:
        from ..errors import ApiError

        raise ApiError(404, f"backend {backend.name} has no IBM {'configuration' if kind == 'conf' else 'properties'}"
                            " document (the ideal simulator is served by the old API only)")
    return document


@endpoint("job.read")
async def configuration(request: Request) -> JSONResponse:
    return JSONResponse(await call(_document, request, "conf"))


@endpoint("job.read")
async def properties(request: Request) -> JSONResponse:
    return JSONResponse(await call(_document, request, "props"))


ROUTES = [
    Route("/backends", list_backends, methods=["GET"]),
    Route("/backends/{name}/configuration", configuration, methods=["GET"]),
    Route("/backends/{name}/properties", properties, methods=["GET"]),
    Route("/backends/{name}/status", old_api.backend_status, methods=["GET"]),  # the same shape
]
