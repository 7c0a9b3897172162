"""Identifiers shaped like IBM's, so ids look familiar and sort nowhere in particular."""

import base64
import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuv"  # base32hex, as IBM's runtime job ids


def _token(length: int) -> str:
    """``length`` random base32hex characters, from one call to the system's random source
    (a call per character was a sixth of a small job's ``run()``)."""
    raw = secrets.token_bytes((length * 5 + 7) // 8)
    return base64.b32hexencode(raw).decode("ascii").lower()[:length]


def new_job_id() -> str:
    """A 20-character job id such as ``d1a2b3c4e5f6g7h8i9j0``."""
    return _token(20)


def new_session_id() -> str:
    return _token(20)


def new_program_id(name: str) -> str:
    """Uploaded programs get ``<name>-<suffix>``, like the old runtime service."""
    return f"{name}-{_token(7)}"


def new_owner_token() -> str:
    return _token(12)
