"""The few things every handler shares: the endpoint wrapper, bodies, query parameters.

``@endpoint("job.read")`` is the one place where a request is authorized and
where any exception becomes a JSON error, so handlers are plain translations
from HTTP to the runtime's Python API. Runtime calls touch SQLite (and
sometimes qiskit), so handlers run them in the thread pool with :func:`call`.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import authorized
from .errors import ApiError, error_body, from_exception

Handler = Callable[[Request], Awaitable[Response]]


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(error_body(err.code, err.message), status_code=err.code)


def endpoint(action: str) -> Callable[[Handler], Handler]:
    """Authorize ``action``, run the handler, answer errors as data."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            try:
                request.state.principal = await authorized(request.app.state.tokens, request.headers, action)
                return await handler(request)
            except Exception as exc:  # every error leaves as JSON, a surprise as a 500 with a log id
                return error_response(from_exception(exc))

        run.action = action  # read by the OpenAPI test: every route names its action
        return run

    return wrap


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking runtime call in the thread pool."""
    return await run_in_threadpool(fn, *args, **kwargs)


def service(request: Request):
    return request.app.state.service


async def json_body(request: Request, required: bool = True) -> dict:
    """The body as a JSON object; 400 naming what is wrong (413 comes from the size limit)."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ApiError(400, "the request needs a JSON object body")
        return {}
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed JSON body: it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON body: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(value, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(value).__name__}")
    return value


def text_body(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, f"{what} must be UTF-8 text") from None


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"query parameter {name} must be an integer, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise ApiError(400, f"query parameter {name} must be between {low} and {high}, not {value}")
    return value


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ApiError(400, f"query parameter {name} must be true or false, not {raw[:40]!r}")


def field(body: dict, name: str, kinds: tuple, required: bool = False, alias: str | None = None) -> Any:
    """``body[name]`` (or ``body[alias]``) checked to be one of ``kinds``; 400 naming the field."""
    value = body.get(name)
    if value is None and alias is not None:
        value = body.get(alias)
    if value is None:
        if required:
            raise ApiError(400, f"missing field {name}")
        return None
    if isinstance(value, bool) and bool not in kinds:
        raise ApiError(400, f"field {name} must be {_kinds(kinds)}, not a boolean")
    if not isinstance(value, kinds):
        raise ApiError(400, f"field {name} must be {_kinds(kinds)}, not {type(value).__name__}")
    return value


def _kinds(kinds: tuple) -> str:
    names = {str: "a string", int: "a number", float: "a number", dict: "an object", list: "a list",
             bool: "a boolean"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def positive_number(body: dict, name: str) -> float | None:
    value = field(body, name, (int, float))
    if value is not None and not (0 < value < 10**9):
        raise ApiError(400, f"field {name} must be a positive number of seconds, not {value}")
    return value


def no_content() -> Response:
    return Response(status_code=204)
