"""``POST /identity/token``: IAM's API-key exchange, answered with a short-lived access token.

IBM's client (through ``ibm_cloud_sdk_core``'s ``IAMTokenManager``, pointed here by
``IAM_URL``) posts a form ``grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=KEY``;
the key is one of this server's tokens. The answer has IAM's fields, and IAM's error
shape (``errorCode``, ``errorMessage``), which is what that manager reads.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..tokens import ACCESS_TOKEN_SECONDS

_GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def _iam_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errorCode": code, "errorMessage": message, "context": {}}, status_code=status)


async def identity_token(request: Request) -> JSONResponse:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    grant = (form.get("grant_type") or [""])[0]
    apikey = (form.get("apikey") or [""])[0]
    if grant != _GRANT:
        return _iam_error(400, "BXNIM0109E", f"grant_type must be {_GRANT}; only API keys are exchanged here")
    if not apikey:
        return _iam_error(400, "BXNIM0109E", "missing apikey: pass a token of qrt-runtime token create")
    access = await run_in_threadpool(request.app.state.tokens.access_token, apikey)
    if access is None:
        return _iam_error(400, "BXNIM0415E", "invalid or revoked API key; ask the server's admin for a "
                                             "new token (qrt-runtime token create)")
    now = int(time.time())
    return JSONResponse({"access_token": access, "refresh_token": "not_supported", "token_type": "Bearer",
                         "expires_in": int(ACCESS_TOKEN_SECONDS), "expiration": now + int(ACCESS_TOKEN_SECONDS),
                         "scope": "ibm openid"})


identity_token.action = None  # the OpenAPI test: this route authenticates by its body, not a header

ROUTES = [Route("/identity/token", identity_token, methods=["POST"])]
