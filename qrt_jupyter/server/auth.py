"""Who may do what: the old runtime API's access-roles table, checked in one place.

A route names the action it needs (``job.read``); :func:`authorize` finds the
token in the request's headers (never the query string: query strings end up
in access logs), verifies it, and raises 401 or a 403 that names the missing
action and the roles the token has.
"""

from __future__ import annotations

from starlette.datastructures import Headers

from .errors import ApiError
from .tokens import Principal, TokenFile

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "manager": frozenset({"program.create", "program.update", "program.delete", "program.read",
                          "job.create", "job.delete", "job.read"}),
    "writer": frozenset({"program.create", "program.update", "program.delete", "job.create", "job.delete"}),
    "reader": frozenset({"program.read", "job.read"}),
}
ACTIONS = frozenset().union(*ROLE_ACTIONS.values())

#: close codes of a WebSocket refused for these reasons (HTTP status + 4000)
WS_CLOSE = {401: 4401, 403: 4403, 404: 4404, 400: 4400}


def credentials(headers: Headers) -> str | None:
    """The token of ``Authorization: Bearer T`` / ``apikey T`` or ``X-Access-Token: T``."""
    value = headers.get("authorization")
    if value:
        scheme, _, token = value.strip().partition(" ")
        if scheme.lower() in ("bearer", "apikey") and token.strip():
            return token.strip()
    value = headers.get("x-access-token")
    return value.strip() if value and value.strip() else None


def looks_like_jwt(token: str) -> bool:
    return token.startswith("eyJ") and token.count(".") == 2 and len(token) < 2000


def allowed(principal: Principal, action: str) -> bool:
    return any(action in ROLE_ACTIONS.get(role, ()) for role in principal.roles)


def authorize(tokens: TokenFile, headers: Headers, action: str, cached_only: bool = False) -> Principal | None:
    """The request's principal if it may do ``action``; ApiError 401/403 otherwise.

    ``cached_only``: answer only from tokens verified before (fast enough for the event loop);
    None means the token still needs its slow check.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a bug in a route table
    token = credentials(headers)
    if token is None:
        raise ApiError(401, "missing token: send 'Authorization: Bearer TOKEN' "
                            "(create one with: qrt-runtime token create NAME --role reader)")
    if looks_like_jwt(token):  # an access token of the IAM exchange (IBM's client)
        principal = tokens.from_access_token(token)
    else:
        principal = tokens.cached(token) if cached_only else tokens.verify(token)
    if principal is None and cached_only:
        return None
    if principal is None:
        raise ApiError(401, "invalid or revoked token; ask the server's admin for a new one "
                            "(qrt-runtime token create)")
    if not allowed(principal, action):
        raise ApiError(403, f"token {principal.name!r} lacks the permission {action} "
                            f"(roles: {', '.join(principal.roles)})")
    return principal


async def authorized(tokens: TokenFile, headers: Headers, action: str) -> Principal:
    """:func:`authorize`, from the cache on the event loop, else with the slow hash in the thread pool."""
    from starlette.concurrency import run_in_threadpool

    return (authorize(tokens, headers, action, cached_only=True)
            or await run_in_threadpool(authorize, tokens, headers, action))
