"""Checks of the plain arguments people pass to the service: counts, seconds, names.

Each check raises the client's ``IBMInputValueError`` with one line naming the
argument and what it accepts, before anything is recorded, so a wrong type never
surfaces later as a raw ``TypeError`` from SQLite or a comparison, and a value
that merely looks usable (``True`` as seconds, ``nan``, ``-1`` as a limit) is
refused rather than quietly reinterpreted.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def input_error(message: str) -> Exception:
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    return IBMInputValueError(message)


def count(name: str, value: Any, allow_none: bool = False) -> int | None:
    """A whole number of 0 or more (``None`` too if ``allow_none``: no limit)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        accepts = "a whole number of 0 or more" + (" or None" if allow_none else "")
        raise input_error(f"{name} must be {accepts}, not {value!r}.")
    return int(value)


def seconds(name: str, value: Any) -> float:
    """A finite positive number of seconds (not a bool, not text)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise input_error(f"{name} must be a positive number of seconds, not {value!r}.")
    return float(value)


def wait_seconds(name: str, value: Any) -> float | None:
    """How long to wait: ``None`` (for ever), or seconds of 0 or more (0: do not wait)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                              or math.isnan(value) or value < 0):
        raise input_error(f"{name} must be a number of seconds of 0 or more, or None, not {value!r}.")
    return value


def text(name: str, value: Any, accepts: str) -> str | None:
    """``None`` or a string; ``accepts`` says what the string names (e.g. "a backend name")."""
    if value is not None and not isinstance(value, str):
        raise input_error(f"{name} must be {accepts}, not {value!r}.")
    return value


def identifier(name: str, value: Any, accepts: str) -> str:
    """A non-empty string naming something (a program, a job); ``accepts`` says what."""
    if not isinstance(value, str) or not value:
        raise input_error(f"{name} must be {accepts} (a non-empty string), not {_short(value)}.")
    return value


def _short(value: Any) -> str:
    """``repr`` cut to one short line: a 5,000-character id is not echoed back whole."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def log_level(value: Any) -> str | None:
    """A ``logging`` level name, any case."""
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in LOG_LEVELS:
        raise input_error(f"log_level must be one of {', '.join(LOG_LEVELS)}, not {value!r}.")
    return value.upper()
