"""Errors as data: one exception type, one mapping from the runtime's exceptions.

Handlers raise :class:`ApiError` (or let the runtime's own
``qiskit_ibm_runtime.exceptions`` through); the endpoint wrapper in
:mod:`.http` turns both into ``{"error": {"code", "message"}}``. Nothing else
formats an error, and an exception nobody expected becomes a 500 that names a
log id, never a traceback in the response.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3

logger = logging.getLogger("qrt_jupyter.server")


class ApiError(Exception):
    """An HTTP error answer: ``code`` (the status) and a one-line ``message`` that says what to do."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def did_you_mean(kind: str, name: str, choices: list[str], listing: str) -> ApiError:
    """404 for an unknown name, with the closest known names (the runtime's own wording)."""
    from ..runtime.names import unknown

    return ApiError(404, f"{unknown(kind, str(name)[:100], choices)} {listing} lists them.")


def from_exception(exc: BaseException) -> ApiError:
    """The answer for an exception raised by the runtime (or by something nobody expected)."""
    if isinstance(exc, ApiError):
        return exc
    from qiskit.providers.exceptions import QiskitBackendNotFoundError
    from qiskit_ibm_runtime import exceptions as ibm

    message = _one_line(str(exc))
    if isinstance(exc, QiskitBackendNotFoundError):
        return ApiError(404, message)
    if isinstance(exc, (ibm.RuntimeProgramNotFound, ibm.RuntimeJobNotFound)):
        return ApiError(404, message)
    if isinstance(exc, ibm.RuntimeInvalidStateError):
        return ApiError(409, message)
    if isinstance(exc, ibm.IBMNotAuthorizedError):
        return ApiError(403, message)
    if isinstance(exc, ibm.IBMInputValueError):
        return ApiError(400, message)
    if isinstance(exc, sqlite3.OperationalError):
        log_id = secrets.token_hex(4)
        logger.error("store unavailable (id %s): %s", log_id, exc)
        return ApiError(503, f"the runtime store is unavailable; try again (see the server log, id {log_id})")
    log_id = secrets.token_hex(4)
    logger.error("unexpected error (id %s)", log_id, exc_info=exc)
    return ApiError(500, f"internal error (see the server log, id {log_id})")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:1000] or "error"


def error_body(code: int, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
