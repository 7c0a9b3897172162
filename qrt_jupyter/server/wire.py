"""The JSON shapes of the wire contract (docs/server.md): programs, jobs, backends, sessions.

Dates are ISO 8601 UTC with ``Z``; statuses are IBM's REST words
(``qrt_jupyter.status.api_status``). Inputs and results stay the
``RuntimeEncoder`` JSON the store holds: the server passes them through
without decoding.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ..status import ERROR, QUEUED, api_status, status_name


def iso(value: datetime | float | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, tz=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def program_json(program, with_data: bool = False) -> dict[str, Any]:
    body = {
        "id": program.program_id,
        "name": program.name,
        "description": program.description,
        "max_execution_time": program.max_execution_time,
        "version": program.version,
        "is_public": bool(program.is_builtin),
        "creation_date": iso(program.creation_date),
        "update_date": iso(program.update_date),
        "spec": {
            "backend_requirements": program.backend_requirements,
            "parameters": program.parameters,
            "return_values": program.return_values,
            "interim_results": program.interim_results,
        },
    }
    if with_data and not program.is_builtin:
        body["data"] = program.data
    return body


def job_json(job) -> dict[str, Any]:
    """A job as the old API's ``GET /jobs/{id}`` answered it, plus our facts."""
    status = status_name(job.status())
    word = api_status(status)
    return {
        "id": job.job_id(),
        "backend": job.backend_name,
        "status": word,
        "state": {"status": word, "reason": job.reason},
        "params": json.loads(job.inputs_json() or "{}"),
        "program": {"id": job.program_id},
        "created": iso(job.creation_date),
        "started": iso(job.start_date),
        "ended": iso(job.end_date),
        "runtime": "",
        "session_id": job.session_id,
        "log_level": job.log_level,
        "max_execution_time": job.max_execution_time,
        "queue_position": job.queue_position() if status == QUEUED else None,
        "error": job.error_message() if status == ERROR else None,
    }


def backend_json(backend) -> dict[str, Any]:
    status = backend.status()
    return {
        "name": backend.name,
        "num_qubits": backend.num_qubits,
        "simulator": bool(backend.simulator),
        "max_concurrency": backend.max_concurrency,
        "pending_jobs": status.pending_jobs,
        "operational": bool(status.operational),
    }


def backend_status_json(backend) -> dict[str, Any]:
    status = backend.status()
    return {
        "backend_name": backend.name,
        "state": bool(status.operational),
        "status": status.status_msg,
        "message": "",
        "length_queue": status.pending_jobs,
        "backend_version": status.backend_version,
    }


def session_json(details: dict) -> dict[str, Any]:
    return {**details, "created": iso(details.get("created")), "closed": iso(details.get("closed"))}


def metrics_json(metrics: dict) -> dict[str, Any]:
    """``job.metrics()`` with its datetimes as ISO strings."""

    def plain(value):
        if isinstance(value, datetime):
            return iso(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(metrics)
