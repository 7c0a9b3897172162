"""``/programs``: list, upload, read, change and delete runtime programs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import ApiError, did_you_mean
from ..http import call, endpoint, field, json_body, no_content, positive_number, query_int, service, text_body
from ..wire import program_json

_METADATA_FIELDS = ("name", "description", "max_execution_time", "version", "spec")
_SPEC_KEYS = ("backend_requirements", "parameters", "return_values", "interim_results")


def find_program(svc, program_id: str):
    """The program, or 404 naming the closest ids."""
    from qiskit_ibm_runtime.exceptions import RuntimeProgramNotFound

    try:
        return svc.program(program_id)
    except RuntimeProgramNotFound:
        choices = [p.program_id for p in svc.programs()]
        raise did_you_mean("program", program_id, choices, "GET /programs") from None


def _metadata(body: dict, partial: bool) -> dict:
    """The metadata fields of a body, type-checked (the runtime checks the rest)."""
    unknown = sorted(set(body) - set(_METADATA_FIELDS) - {"data"})
    if unknown:
        raise ApiError(400, f"unknown field(s) {', '.join(unknown)}; "
                            f"programs take {', '.join(('data',) + _METADATA_FIELDS)}")
    meta = {}
    for name, kinds in (("name", (str,)), ("description", (str,)), ("version", (str, int, float))):
        value = field(body, name, kinds, required=not partial and name != "version")
        if value is not None:
            meta[name] = str(value)
    limit = positive_number(body, "max_execution_time")
    if limit is not None:
        meta["max_execution_time"] = limit
    elif not partial:
        raise ApiError(400, "missing field max_execution_time (seconds)")
    spec = field(body, "spec", (dict,))
    if spec is not None:
        bad = sorted(set(spec) - set(_SPEC_KEYS))
        if bad:
            raise ApiError(400, f"unknown spec field(s) {', '.join(bad)}; spec takes {', '.join(_SPEC_KEYS)}")
        for key in _SPEC_KEYS:
            if spec.get(key) is not None and not isinstance(spec[key], dict):
                raise ApiError(400, f"field spec.{key} must be an object (a JSON Schema)")
        meta["spec"] = spec
    return meta


@endpoint("program.read")
async def list_programs(request: Request) -> JSONResponse:
    limit = query_int(request, "limit", 1000, 1, 1000)
    offset = query_int(request, "offset", 0, 0, 10**9)
    programs = await call(service(request).programs, limit=limit, skip=offset)
    return JSONResponse({"programs": [program_json(p) for p in programs], "count": len(programs)})


@endpoint("program.create")
async def upload_program(request: Request) -> JSONResponse:
    body = await json_body(request)
    data = field(body, "data", (str,), required=True)
    meta = _metadata(body, partial=False)
    svc = service(request)

    def upload() -> str:
        from qiskit_ibm_runtime.exceptions import RuntimeProgramNotFound

        try:
            svc.program(meta["name"])
        except RuntimeProgramNotFound:
            return svc.upload_program(_source(data), metadata=meta)
        raise ApiError(409, f"a program named {meta['name']!r} exists; choose another name, "
                            f"or change it with PATCH /programs/{meta['name']}")

    return JSONResponse({"id": await call(upload)}, status_code=201)


def _source(data: str) -> str:
    """Program text only: a path would make the server read its own files."""
    if "def main(" not in data:
        raise ApiError(400, "field data must be the program's source text, with a def main(backend, "
                            "user_messenger, **kwargs)")
    return data


@endpoint("program.read")
async def get_program(request: Request) -> JSONResponse:
    program = await call(find_program, service(request), request.path_params["id"])
    return JSONResponse(program_json(program, with_data=True))


@endpoint("program.update")
async def update_program(request: Request):
    body = await json_body(request)
    meta = _metadata(body, partial=True)
    if "data" in body:
        raise ApiError(400, "change a program's source with PUT /programs/{id}/data, not PATCH")
    svc = service(request)

    def update() -> None:
        program = find_program(svc, request.path_params["id"])
        spec = meta.pop("spec", None) or {}
        svc.update_program(program.program_id, **meta, **spec)

    await call(update)
    return no_content()


@endpoint("program.update")
async def update_program_data(request: Request):
    source = _source(text_body(await request.body(), "the program's source"))
    svc = service(request)

    def update() -> None:
        program = find_program(svc, request.path_params["id"])
        svc.update_program(program.program_id, data=source)

    await call(update)
    return no_content()


@endpoint("program.delete")
async def delete_program(request: Request):
    svc = service(request)

    def delete() -> None:
        svc.delete_program(find_program(svc, request.path_params["id"]).program_id)

    await call(delete)
    return no_content()


ROUTES = [
    Route("/programs", list_programs, methods=["GET"]),
    Route("/programs", upload_program, methods=["POST"]),
    Route("/programs/{id}", get_program, methods=["GET"]),
    Route("/programs/{id}", update_program, methods=["PATCH"]),
    Route("/programs/{id}", delete_program, methods=["DELETE"]),
    Route("/programs/{id}/data", update_program_data, methods=["PUT"]),
]
