"""Datetimes in one convention, so that facts read from different jobs can be subtracted.

Our runtime stores naive local times and epoch seconds, qiskit-ibm-runtime
gives timezone-aware datetimes or ISO strings with a ``Z``; a snapshot holds
timezone-aware local datetimes only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["aware", "from_timestamp", "now"]


def aware(value: Any) -> datetime | None:
    """A datetime or ISO string as a timezone-aware datetime; anything else gives None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.astimezone() if value.tzinfo is None else value


def from_timestamp(t: float) -> datetime:
    return datetime.fromtimestamp(t).astimezone()


def now() -> datetime:
    return datetime.now().astimezone()
