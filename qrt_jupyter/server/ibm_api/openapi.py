"""The OpenAPI paths of IBM's routes (``/api/v1/...``, ``/identity/token``), merged into the server's document.

Bodies are IBM's; only what the client sends and reads is described, the rest
is left open (``additionalProperties``), as IBM's own documents do.
"""

from __future__ import annotations

from . import PREFIX

_STR = {"type": "string"}
_OBJ = {"type": "object", "additionalProperties": True}


def ibm_paths(op, json, param, no_content, limit, offset) -> dict:
    """The paths, built with the server document's own helpers (``_op``, ``_json``, ``_param``...)."""
    jid = param("id", "path", _STR, "job id")
    sid = param("id", "path", _STR, "session id")
    name = param("name", "path", _STR, "backend name")
    job_create = {"type": "object", "required": ["program_id", "backend", "params"], "properties": {
        "program_id": {"type": "string", "enum": ["sampler", "estimator"]}, "backend": _STR,
        "params": {**_OBJ, "description": "pubs (RuntimeEncoder JSON), options, version 2"},
        "log_level": _STR, "session_id": _STR, "runtime": _STR, "tags": {"type": "array", "items": _STR},
        "cost": {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": 1e9},
        "private": {"type": "boolean"}}, "additionalProperties": False}
    token_form = {"type": "object", "required": ["grant_type", "apikey"], "properties": {
        "grant_type": {"type": "string", "enum": ["urn:ibm:params:oauth:grant-type:apikey"]}, "apikey": _STR}}
    iam = {"type": "object", "properties": {"access_token": _STR, "token_type": _STR,
                                            "expires_in": {"type": "integer"}, "expiration": {"type": "integer"}}}
    iam_error = {"description": "IAM's error shape", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"errorCode": _STR, "errorMessage": _STR}}}}}
    token_op = op("IAM's API-key exchange (IBM's client): a short-lived access token", None, json(iam),
                  body=token_form, body_type="application/x-www-form-urlencoded")
    token_op["responses"]["400"] = iam_error
    p = PREFIX
    return {
        "/identity/token": {"post": token_op},
        f"{p}/backends": {"get": op("IBM's device list", "job.read", json(_OBJ),
                                    params=[param("include_mocks", "query", {"type": "boolean"})])},
        f"{p}/backends/{{name}}/configuration": {"get": op("a device's IBM configuration", "job.read", json(_OBJ),
                                                           params=[name], not_found=True)},
        f"{p}/backends/{{name}}/properties": {"get": op("a device's IBM properties", "job.read", json(_OBJ),
                                                        params=[name], not_found=True)},
        f"{p}/backends/{{name}}/status": {"get": op("a device's status and queue", "job.read", json(_OBJ),
                                                    params=[name], not_found=True)},
        f"{p}/instances/usage": {"get": op("the instance's usage (no limit)", "job.read", json(_OBJ))},
        f"{p}/jobs": {
            "get": op("jobs, newest first", "job.read", json(_OBJ), params=[
                limit, offset, param("pending", "query", {"type": "boolean"}), param("program", "query", _STR),
                param("backend", "query", _STR), param("session_id", "query", _STR),
                param("exclude_params", "query", {"type": "boolean"})], not_found=True),
            "post": op("submit a V2 primitive job", "job.create", json(_OBJ), body=job_create,
                       not_found=True, conflict=True),
        },
        f"{p}/jobs/{{id}}": {
            "get": op("a job", "job.read", json(_OBJ), params=[
                jid, param("exclude_params", "query", {"type": "boolean"})], not_found=True),
            "delete": op("delete a job", "job.delete", no_content, params=[jid], not_found=True, ok_code="204"),
        },
        f"{p}/jobs/{{id}}/cancel": {"post": op("cancel a job", "job.delete", no_content, params=[jid],
                                               not_found=True, conflict=True, ok_code="204")},
        f"{p}/jobs/{{id}}/results": {"get": op("the PrimitiveResult (RuntimeEncoder JSON)", "job.read", json(_OBJ),
                                               params=[jid], not_found=True, conflict=True)},
        f"{p}/jobs/{{id}}/logs": {"get": op("the job's logs", "job.read", {
            "description": "OK", "content": {"text/plain": {"schema": _STR}}}, params=[jid], not_found=True)},
        f"{p}/jobs/{{id}}/metrics": {"get": op("timestamps and usage", "job.read", json(_OBJ), params=[jid],
                                               not_found=True)},
        f"{p}/sessions": {"post": op("open a session or batch", "job.create", json(_OBJ), body={
            "type": "object", "properties": {"mode": {"type": "string", "enum": ["dedicated", "batch"]},
                                             "backend": _STR, "instance": _STR,
                                             "max_ttl": {"type": "number", "exclusiveMinimum": True,
                                                         "minimum": 0, "maximum": 1e9}}},
            not_found=True)},
        f"{p}/sessions/{{id}}": {
            "get": op("a session's details (IBM's shape)", "job.read", json(_OBJ), params=[sid], not_found=True),
            "patch": op("stop accepting jobs (close)", "job.create", no_content, params=[sid], body={
                "type": "object", "required": ["accepting_jobs"],
                "properties": {"accepting_jobs": {"type": "boolean", "enum": [False]}}},
                not_found=True, ok_code="204"),
        },
        f"{p}/sessions/{{id}}/close": {"delete": op("cancel a session and its unfinished jobs", "job.delete",
                                                    no_content, params=[sid], not_found=True, ok_code="204")},
    }
