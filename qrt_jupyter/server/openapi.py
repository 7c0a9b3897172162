"""The OpenAPI 3 document of every route: what clients read and what the fuzz tests generate from.

Written out by hand next to the routes (a test checks that the two list the
same paths and methods), because the bodies follow the old runtime API rather
than models a framework could derive them from.
"""

from __future__ import annotations

import functools

from .._version import __version__

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_DATE = {"type": "string", "format": "date-time", "nullable": True}
_SECONDS = {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 1e9}
_OBJ = {"type": "object", "additionalProperties": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "message": _STR}}}},
    "Health": {"type": "object", "required": ["status", "version"],
               "properties": {"status": {"type": "string", "enum": ["ok"]}, "version": _STR}},
    "Spec": {"type": "object", "additionalProperties": False, "properties": {
        "backend_requirements": _OBJ, "parameters": _OBJ, "return_values": _OBJ, "interim_results": _OBJ}},
    "Program": {"type": "object", "required": ["id", "name", "is_public", "spec"], "properties": {
        "id": _STR, "name": _STR, "description": _STR, "max_execution_time": {"type": "number", "nullable": True},
        "version": _STR, "is_public": {"type": "boolean"}, "creation_date": _DATE, "update_date": _DATE,
        "spec": _ref("Spec"), "data": {"type": "string", "description": "source text (uploaded programs)"}}},
    "ProgramList": {"type": "object", "required": ["programs", "count"], "properties": {
        "programs": {"type": "array", "items": _ref("Program")}, "count": {"type": "integer"}}},
    "ProgramCreate": {"type": "object", "additionalProperties": False,
                      "required": ["name", "data", "description", "max_execution_time"], "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"},
        "data": {"type": "string", "description": "program source text with def main(backend, user_messenger, ...)"},
        "description": _STR, "max_execution_time": _SECONDS, "version": _STR, "spec": _ref("Spec")}},
    "ProgramPatch": {"type": "object", "additionalProperties": False, "properties": {
        "name": _STR, "description": _STR, "max_execution_time": _SECONDS, "version": _STR,
        "spec": _ref("Spec")}},
    "Created": {"type": "object", "required": ["id"], "properties": {"id": _STR}},
    "JobCreate": {"type": "object", "additionalProperties": False, "properties": {
        "program_id": _STR, "programId": {"type": "string", "description": "the old API's spelling"},
        "params": {"oneOf": [_OBJ, {"type": "array", "items": {"oneOf": [_STR, _OBJ]}}],
                   "description": "inputs (RuntimeEncoder JSON), or a list of JSON strings/objects merged in order"},
        "backend": _STR, "log_level": {"type": "string", "enum": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]},
        "max_execution_time": _SECONDS, "session_id": _STR, "runtime": _STR,
        "hub": _STR, "group": _STR, "project": _STR}},
    "JobCreated": {"type": "object", "required": ["id", "backend"], "properties": {"id": _STR, "backend": _STR}},
    "Job": {"type": "object", "required": ["id", "backend", "status", "state", "params", "program", "created"],
            "properties": {
        "id": _STR, "backend": _STR,
        "status": {"type": "string", "enum": ["Queued", "Running", "Completed", "Failed", "Cancelled"]},
        "state": {"type": "object", "properties": {"status": _STR, "reason": _NSTR}},
        "params": _OBJ, "program": {"type": "object", "properties": {"id": _STR}},
        "created": _DATE, "started": _DATE, "ended": _DATE, "runtime": _STR, "session_id": _NSTR,
        "log_level": _NSTR, "max_execution_time": {"type": "number", "nullable": True},
        "queue_position": {"type": "integer", "nullable": True}, "error": _NSTR}},
    "JobList": {"type": "object", "required": ["jobs", "count", "limit", "offset"], "properties": {
        "jobs": {"type": "array", "items": _ref("Job")}, "count": {"type": "integer"},
        "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
    "InterimResults": {"type": "object", "required": ["interim_results"], "properties": {
        "interim_results": {"type": "array", "items": {"type": "string", "description": "RuntimeEncoder JSON"}}}},
    "Metrics": {"type": "object", "properties": {"timestamps": _OBJ, "usage": _OBJ}, "additionalProperties": True},
    "Backend": {"type": "object", "required": ["name", "num_qubits", "simulator", "pending_jobs", "operational"],
                "properties": {"name": _STR, "num_qubits": {"type": "integer"}, "simulator": {"type": "boolean"},
                               "max_concurrency": {"type": "integer"}, "pending_jobs": {"type": "integer"},
                               "operational": {"type": "boolean"}}},
    "BackendList": {"type": "object", "required": ["devices", "backends"], "properties": {
        "devices": {"type": "array", "items": _STR}, "backends": {"type": "array", "items": _ref("Backend")}}},
    "BackendStatus": {"type": "object", "required": ["backend_name", "state", "status", "length_queue"],
                      "properties": {"backend_name": _STR, "state": {"type": "boolean"}, "status": _STR,
                                     "message": _STR, "length_queue": {"type": "integer"},
                                     "backend_version": _STR}},
    "SessionCreate": {"type": "object", "additionalProperties": False, "properties": {
        "backend": _NSTR, "max_time": {**_SECONDS, "nullable": True}, "mode": _STR, "instance": _STR}},
    "Session": {"type": "object", "required": ["id", "state"], "properties": {
        "id": _STR, "backend_name": _NSTR, "state": {"type": "string", "enum": ["open", "closed", "expired"]},
        "created": _DATE, "closed": _DATE, "max_time": {"type": "number", "nullable": True},
        "jobs": {"type": "array", "items": _STR}}},
    "SessionList": {"type": "object", "required": ["sessions"], "properties": {
        "sessions": {"type": "array", "items": _ref("Session")}}},
}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_ERRORS = {"400": _error("bad request: malformed JSON, a bad field, inputs failing the program's schema"),
           "401": _error("no token, or an unknown or revoked one"),
           "403": _error("the token's roles lack the action this route needs"),
           "413": _error("request body over the server's limit"),
           "503": _error("the runtime store is unavailable")}


def _param(name: str, where: str, schema: dict, description: str = "", required: bool | None = None) -> dict:
    return {"name": name, "in": where, "required": where == "path" if required is None else required,
            "schema": schema, "description": description}


_LIMIT = _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000})
_OFFSET = _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 1000000000})


def _op(summary: str, action: str | None, ok: dict, *, params=(), body: dict | None = None,
        body_type: str = "application/json", not_found: bool = False, conflict: bool = False,
        ok_code: str = "200") -> dict:
    op: dict = {"summary": summary, "parameters": list(params), "responses": {ok_code: ok}}
    if action is not None:
        op["description"] = f"Needs the permission {action}."
        op["x-qrt-action"] = action
        op["responses"].update(_ERRORS)
        op["security"] = [{"bearer": []}, {"apikey": []}, {"accessToken": []}]
    else:
        op["security"] = []
    if not_found:
        op["responses"]["404"] = _error("unknown program, job, backend or session (with 'did you mean' names)")
    if conflict:
        op["responses"]["409"] = _error("conflicts with the current state")
    if body is not None:
        op["requestBody"] = {"required": True, "content": {body_type: {"schema": body}}}
    return op


_NO_CONTENT = {"description": "done"}
_WS = {"description": "a WebSocket: plain HTTP requests get 426; see docs/server.md for the messages"}


def _paths() -> dict:
    pid = _param("id", "path", _STR, "program id (or name)")
    jid = _param("id", "path", _STR, "job id")
    sid = _param("id", "path", _STR, "session id")
    upgrade = {"426": _error("this route is a WebSocket: connect with ws:// or wss://")}
    return {
        "/health": {"get": _op("is the server up", None, _json(_ref("Health")))},
        "/openapi.json": {"get": _op("this document", None, _json(_OBJ))},
        "/programs": {
            "get": _op("list programs", "program.read", _json(_ref("ProgramList")), params=[_LIMIT, _OFFSET]),
            "post": _op("upload a program", "program.create", _json(_ref("Created"), "created"),
                        body=_ref("ProgramCreate"), conflict=True, ok_code="201"),
        },
        "/programs/{id}": {
            "get": _op("a program (with its source if uploaded)", "program.read", _json(_ref("Program")),
                       params=[pid], not_found=True),
            "patch": _op("change a program's metadata", "program.update", _NO_CONTENT, params=[pid],
                         body=_ref("ProgramPatch"), not_found=True, conflict=True, ok_code="204"),
            "delete": _op("delete an uploaded program", "program.delete", _NO_CONTENT, params=[pid],
                          not_found=True, ok_code="204"),
        },
        "/programs/{id}/data": {
            "put": _op("replace a program's source text", "program.update", _NO_CONTENT, params=[pid],
                       body={"type": "string"}, body_type="text/plain", not_found=True, ok_code="204"),
        },
        "/jobs": {
            "get": _op("jobs, newest first", "job.read", _json(_ref("JobList")), params=[
                _LIMIT, _OFFSET, _param("pending", "query", {"type": "boolean"}),
                _param("program", "query", _STR), _param("backend", "query", _STR)]),
            "post": _op("submit a job", "job.create", _json(_ref("JobCreated")), body=_ref("JobCreate"),
                        not_found=True, conflict=True),
        },
        "/jobs/{id}": {
            "get": _op("a job", "job.read", _json(_ref("Job")), params=[jid], not_found=True),
            "delete": _op("delete a job (cancelled first if pending)", "job.delete", _NO_CONTENT,
                          params=[jid], not_found=True, ok_code="204"),
        },
        "/jobs/{id}/cancel": {"post": _op("cancel a job", "job.delete", _NO_CONTENT, params=[jid],
                                          not_found=True, conflict=True, ok_code="204")},
        "/jobs/{id}/results": {"get": _op("the final result (RuntimeEncoder JSON)", "job.read", _json(_OBJ),
                                          params=[jid], not_found=True, conflict=True)},
        "/jobs/{id}/interim_results": {"get": _op("interim results in order", "job.read",
                                                  _json(_ref("InterimResults")), params=[jid], not_found=True)},
        "/jobs/{id}/logs": {"get": _op("the job's logs", "job.read", {
            "description": "OK", "content": {"text/plain": {"schema": _STR}}}, params=[jid], not_found=True)},
        "/jobs/{id}/metrics": {"get": _op("timestamps and usage", "job.read", _json(_ref("Metrics")),
                                          params=[jid], not_found=True)},
        "/backends": {"get": _op("backends and their queues", "job.read", _json(_ref("BackendList")))},
        "/backends/{name}/status": {"get": _op("a backend's status", "job.read", _json(_ref("BackendStatus")),
                                               params=[_param("name", "path", _STR)], not_found=True)},
        "/sessions": {
            "get": _op("sessions", "job.read", _json(_ref("SessionList")), params=[_LIMIT, _OFFSET]),
            "post": _op("open a session", "job.create", _json(_ref("Created")), body=_ref("SessionCreate"),
                        not_found=True),
        },
        "/sessions/{id}": {
            "get": _op("a session", "job.read", _json(_ref("Session")), params=[sid], not_found=True),
            "delete": _op("close a session", "job.create", _NO_CONTENT, params=[sid], not_found=True,
                          ok_code="204"),
        },
        "/stream/jobs/{id}": {"get": {**_op("a job's events (WebSocket)", "job.read", _WS, params=[
            jid, _param("since", "query", {"type": "integer", "minimum": 0},
                        "first interim result index wanted")], ok_code="101"),
            "responses": {"101": _WS, **upgrade}}},
        "/stream/events": {"get": {**_op("every job's status and queue events (WebSocket)", "job.read", _WS,
                                         ok_code="101"), "responses": {"101": _WS, **upgrade}}},
    }


def _ibm() -> dict:
    from .ibm_api.openapi import ibm_paths

    return ibm_paths(_op, _json, _param, _NO_CONTENT, _LIMIT, _OFFSET)


@functools.cache
def _document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "qrt-runtime", "version": __version__,
                 "description": "The qrt_jupyter runtime server: the old Qiskit Runtime REST API "
                                "over a local runtime, and IBM's current routes under /api/v1 for IBM's own client. "
                                "Errors are {\"error\": {\"code\", \"message\"}} (IAM's shape on /identity/token)."},
        "paths": {**_paths(), **_ibm()},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apikey": {"type": "apiKey", "in": "header", "name": "Authorization",
                           "description": "'apikey TOKEN', as IBM's clients send"},
                "accessToken": {"type": "apiKey", "in": "header", "name": "X-Access-Token"},
            },
        },
    }


def document() -> dict:
    """The OpenAPI document (built once)."""
    return _document()
