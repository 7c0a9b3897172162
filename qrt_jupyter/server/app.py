"""The ASGI application: routes, the body-size limit, errors as JSON for whatever no route catches.

Starlette rather than FastAPI: the wire contract is the old runtime API's, not
what pydantic models produce -- bodies that are either an object or a list of
JSON strings, error bodies of IBM's shape rather than FastAPI's 422, and the
413 checked while the body streams in -- so the request handling is ours
either way, and Starlette adds nothing we would have to undo. The OpenAPI
document is written out in :mod:`.openapi` and checked against the routes by a
test.
"""

from __future__ import annotations

import contextlib
from typing import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .._version import __version__
from .errors import ApiError, error_body, from_exception
from .tokens import TokenFile

DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


class BodyLimit:
    """413 for a body over ``limit`` bytes: from Content-Length at once, else while it streams in."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return await self._answer(scope, send, 400, "the Content-Length header is not a number")
            if int(declared) > self.limit:
                return await self._answer(scope, send, 413, self._message())
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise ApiError(413, self._message())
            return message

        await self.app(scope, limited, send)

    def _message(self) -> str:
        return (f"request body larger than {self.limit} bytes; send less "
                "(the server's limit is set with qrt-runtime serve --max-body-bytes)")

    @staticmethod
    async def _answer(scope, send, code: int, message: str) -> None:
        await JSONResponse(error_body(code, message), status_code=code)(scope, None, send)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


async def openapi(request: Request) -> JSONResponse:
    from .openapi import document

    return JSONResponse(document())


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    messages = {404: f"no route {request.method} {request.url.path[:200]}; GET /openapi.json lists the routes",
                405: f"{request.method} is not allowed on {request.url.path[:200]}; GET /openapi.json lists the routes"}
    message = messages.get(exc.status_code, str(exc.detail))
    return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _any_error(request: Request, exc: Exception) -> JSONResponse:
    err = from_exception(exc)
    return JSONResponse(error_body(err.code, err.message), status_code=err.code)


def create_app(service, tokens: TokenFile, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               on_shutdown: Callable[[], None] | None = None):
    """The server's ASGI app over a ``LocalRuntimeService`` and its home's tokens."""
    from .ibm_api import ROUTES as IBM_ROUTES
    from .routes import ROUTES

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        if on_shutdown is not None:
            on_shutdown()

    app = Starlette(
        routes=[Route("/health", health, methods=["GET"]),
                Route("/openapi.json", openapi, methods=["GET"]), *ROUTES,
                *IBM_ROUTES],
        exception_handlers={HTTPException: _http_error, ApiError: _any_error, Exception: _any_error},
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.tokens = tokens
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    return app
