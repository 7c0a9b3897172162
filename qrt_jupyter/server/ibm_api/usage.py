"""``GET /api/v1/instances/usage``: IBM's client asks before every job; a local instance has no limit."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..http import endpoint


@endpoint("job.read")
async def instance_usage(request: Request) -> JSONResponse:
    return JSONResponse({"instance_id": request.headers.get("service-crn", "")[:300],
                         "plan_id": "local", "usage_consumed_seconds": 0, "usage_limit_reached": False,
                         "usage_limit_seconds": None, "usage_allocation_seconds": None})


ROUTES = [Route("/instances/usage", instance_usage, methods=["GET"])]
