"""Runtime programs: metadata, upload checks, input validation.

Every check here runs in the client, before anything is stored or queued, so a
mistake is reported at the line that made it (``upload_program`` or ``run``)
with a message that names the problem, instead of as a failed job later.

The checks of a program's source (:func:`parse_source`) and the merging of
metadata (:func:`merge_metadata`) are the only ones: ``%%qrt_program``
(through ``qrt_jupyter.program_source``) uses them too. They raise
:class:`ProgramSourceError`, a ``ValueError`` that needs no qiskit import; the
service turns it into the client's ``IBMInputValueError``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from importlib import import_module
from typing import Any, Mapping

from ..arguments import seconds
from .builtin import BUILTIN_PROGRAMS

REQUIRED_METADATA = ("name", "description", "max_execution_time")
SPEC_KEYS = ("backend_requirements", "parameters", "return_values", "interim_results")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class ProgramSourceError(ValueError):
    """A program's source or metadata is not acceptable; the message is one line saying why."""


def _input_error(message: str) -> Exception:
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    return IBMInputValueError(message)


class RuntimeProgram:
    """A program the runtime can run: its metadata, and for uploaded ones its source."""

    def __init__(self, program_id: str, metadata: dict, data: str | None = None,
                 created: float | None = None, updated: float | None = None, builtin: bool = False):
        spec = metadata.get("spec") or {}
        self.program_id = program_id
        self.name = metadata["name"]
        self.description = metadata.get("description", "")
        self.max_execution_time = metadata.get("max_execution_time")
        self.version = str(metadata.get("version", "1.0"))
        self.backend_requirements = spec.get("backend_requirements") or {}
        self.parameters = spec.get("parameters") or {}
        self.return_values = spec.get("return_values") or {}
        self.interim_results = spec.get("interim_results") or {}
        self.is_builtin = builtin
        self.data = data
        self._created = created
        self._updated = updated
        self.metadata = metadata

    @property
    def creation_date(self) -> datetime | None:
        return _datetime(self._created)

    @property
    def update_date(self) -> datetime | None:
        return _datetime(self._updated)

    @property
    def required_parameters(self) -> list[str]:
        return list(self.parameters.get("required", []))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.program_id, "builtin": self.is_builtin, **self.metadata}

    def __repr__(self) -> str:
        return f"<RuntimeProgram('{self.program_id}')>"

    def __str__(self) -> str:
        lines = [
            f"{self.program_id}:",
            f"  Name: {self.name}",
            f"  Description: {self.description}",
            f"  Version: {self.version}",
            f"  Max execution time: {self.max_execution_time}",
            f"  Built-in: {self.is_builtin}",
        ]
        if self.creation_date:
            lines.append(f"  Creation date: {self.creation_date:%Y-%m-%d %H:%M:%S}")
        if self.backend_requirements:
            lines.append(f"  Backend requirements: {self.backend_requirements}")
        lines.append("  Input parameters:")
        props = self.parameters.get("properties", {})
        if not props:
            lines.append("    none")
        for key, schema in props.items():
            required = key in self.required_parameters
            lines.append(f"    - {key}:")
            if schema.get("description"):
                lines.append(f"        Description: {schema['description']}")
            if schema.get("type"):
                lines.append(f"        Type: {schema['type']}")
            if "default" in schema:
                lines.append(f"        Default: {schema['default']}")
            lines.append(f"        Required: {required}")
        for title, schema in (("Interim results", self.interim_results), ("Returns", self.return_values)):
            lines.append(f"  {title}: {schema.get('description') or schema.get('type') or 'none'}")
        return "\n".join(lines)


def _datetime(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=timezone.utc)


# -- built-ins ------------------------------------------------------------------
def builtin_program(program_id: str) -> RuntimeProgram | None:
    module = BUILTIN_PROGRAMS.get(program_id)
    if module is None:
        return None
    return RuntimeProgram(program_id, import_module(module).METADATA, builtin=True)


def builtin_decoder(program_id: str) -> str | None:
    module = BUILTIN_PROGRAMS.get(program_id)
    return getattr(import_module(module), "RESULT_DECODER", None) if module else None


def from_row(row) -> RuntimeProgram:
    return RuntimeProgram(row["id"], json.loads(row["metadata"]), data=row["data"],
                          created=row["created"], updated=row["updated"])


# -- upload checks -------------------------------------------------------------
def read_source(data: str) -> str:
    """``data`` is program source (it defines ``main``) or a path to a file holding it."""
    if not isinstance(data, str):
        raise _input_error("Program data must be source text or the path of a .py file.")
    if "def main(" in data or "\n" in data:
        return data
    if os.path.isfile(data):
        with open(data, encoding="utf-8") as handle:
            return handle.read()
    raise _input_error(
        f"Program data {data[:60]!r} is neither program source (no 'def main(') nor an existing file."
    )


def parse_source(source: str) -> ast.Module:
    """Parse without running: the source must be Python with a top-level ``main`` that takes
    ``(backend, user_messenger, **kwargs)``; returns the module so callers need not parse twice.

    The runtime calls ``main(backend, user_messenger, **inputs)`` in a worker; a
    program without it would only fail there, later and with a worse message.
    """
    if not source.strip():
        raise ProgramSourceError("the program source is empty")
    try:
        tree = ast.parse(source, filename="<program>")
    except SyntaxError as exc:
        raise ProgramSourceError(
            f"the program source is not valid Python: line {exc.lineno}: {exc.msg}") from None
    mains = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "main"]
    if not mains:
        raise ProgramSourceError("the program defines no top-level main(backend, user_messenger, **kwargs) function")
    args = mains[0].args
    if len(args.posonlyargs) + len(args.args) < 2 and args.vararg is None:
        raise ProgramSourceError("the program's main() must accept (backend, user_messenger, **kwargs)")
    return tree


def check_source(source: str) -> None:
    """:func:`parse_source`, failing with the client's ``IBMInputValueError``."""
    try:
        parse_source(source)
    except ProgramSourceError as exc:
        raise _input_error(_sentence(exc)) from None


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _json_copy(metadata: Any) -> Any:
    """A private copy of ``metadata``, and proof that it is JSON data."""
    try:
        return json.loads(json.dumps(metadata))
    except (TypeError, ValueError, RecursionError) as exc:
        raise _input_error(f"Program metadata must be JSON data (objects, lists, text, numbers): "
                           f"{exc}.") from None


def load_metadata(metadata: dict | str | None) -> dict:
    if metadata is None:
        return {}
    if isinstance(metadata, dict):
        loaded = _json_copy(metadata)
    elif isinstance(metadata, str) and os.path.isfile(metadata):
        with open(metadata, encoding="utf-8") as handle:
            try:
                loaded = json.load(handle)
            except json.JSONDecodeError as exc:
                raise _input_error(f"Program metadata file {metadata} is not valid JSON: {exc}") from None
    else:
        raise _input_error("Program metadata must be a dict or the path of a JSON file.")
    if not isinstance(loaded, dict) or not isinstance(loaded.get("spec") or {}, dict):
        raise _input_error("Program metadata must be a JSON object, and its 'spec' an object.")
    return loaded


def merge_metadata(base: Mapping[str, Any], override: Mapping[str, Any] | None = None, /,
                   **fields: Any) -> dict[str, Any]:
    """``base`` updated by ``override`` and then by keyword ``fields``, all in the runtime
    program metadata format.

    ``spec`` is merged key by key, and the spec fields (``parameters``, ...) may also
    be given at the top level, as the upload keyword arguments are: they are moved
    into ``spec``. ``None`` values do not erase what ``base`` has.
    """
    merged = {key: value for key, value in base.items() if key != "spec"}
    spec = dict(base.get("spec") or {})
    for key, value in [*(override or {}).items(), *fields.items()]:
        if value is None:
            continue
        if key == "spec":
            if not isinstance(value, Mapping):
                raise ProgramSourceError("metadata 'spec' must be an object")
            spec.update({k: v for k, v in value.items() if v is not None})
        elif key in SPEC_KEYS:
            spec[key] = value
        else:
            merged[key] = value
    for key in SPEC_KEYS:  # older metadata files put them at the top level
        if key in merged:
            spec.setdefault(key, merged.pop(key))
    if spec:
        merged["spec"] = spec
    return merged


def import_jsonschema():
    """``jsonschema``, imported without its optional ``rfc3987_syntax`` format checker.

    ``import jsonschema`` imports every optional package that checks a string format, and
    ``rfc3987_syntax`` builds a grammar when imported: more than a second, most of a first
    ``run()`` (BENCHMARKS.md, issue 17). The runtime checks no formats, so it is kept out
    while jsonschema is first imported; the one thing lost is the "iri"/"iri-reference"
    checks of jsonschema's ``FormatChecker`` in this process, unless jsonschema was
    imported before us.
    """
    import sys

    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # makes its import fail, so jsonschema skips it
        try:
            import jsonschema  # noqa: F401
        finally:
            del sys.modules["rfc3987_syntax"]
    import jsonschema

    return jsonschema


def prepare_upload(data: str, metadata: dict | str | None = None, **fields: Any) -> tuple[str, dict]:
    """The checked source and metadata of ``upload_program(data, metadata, **fields)``."""
    source = read_source(data)
    check_source(source)
    meta = merge_metadata(load_metadata(metadata), **fields)
    check_metadata(meta)
    return source, meta


def check_metadata(meta: dict) -> None:
    jsonschema = import_jsonschema()
    Draft202012Validator, SchemaError = jsonschema.Draft202012Validator, jsonschema.SchemaError

    missing = [key for key in REQUIRED_METADATA if meta.get(key) in (None, "")]
    if missing:
        raise _input_error(f"Program metadata is missing {', '.join(missing)}; give them in metadata= "
                           "or as keyword arguments.")
    if not isinstance(meta["name"], str) or not _NAME.match(meta["name"]):
        raise _input_error(f"Program name {meta['name']!r} must be letters, digits, '-', '_' or '.', "
                           "starting with a letter or digit.")
    _json_copy(meta)  # keyword fields too (a set as description, say)
    seconds("max_execution_time", meta["max_execution_time"])
    for key in SPEC_KEYS[1:]:
        schema = (meta.get("spec") or {}).get(key)
        if schema is None:
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise _input_error(f"spec.{key} is not a valid JSON Schema: {exc.message}") from None


# -- input validation ------------------------------------------------------------
def unset_inputs(program: RuntimeProgram, inputs_json: dict) -> list[str]:
    """Optional parameters given as ``None`` where the schema wants a value: not given.

    IBM's service ran a job with ``x0=None`` for an optional array (the sample-VQE notebook
    does it); so the service drops them and the program's own default applies. ``None``
    stays where the schema accepts it (the estimator's ``shots=None`` means exact values)
    and for required parameters, whose check then names them.
    """
    schema = program.parameters
    required = set(schema.get("required", [])) if schema else set()
    given_none = {k: None for k, v in inputs_json.items() if v is None and k not in required}
    if not schema or not given_none:
        return []
    errors = import_jsonschema().Draft202012Validator(schema).iter_errors(given_none)
    return sorted({e.absolute_path[0] for e in errors if e.absolute_path} & set(given_none))


_VALID: "OrderedDict[tuple[int, str], dict]" = OrderedDict()
"""(id(schema), inputs text) -> schema, for inputs found valid: the same inputs sent again (a
cell re-run, a loop) are not checked again. The schema is held, so its id is not reused."""
_VALID_MAX = 256
_VALID_TEXT_MAX = 100_000
_VALID_LOCK = threading.Lock()


def validate_inputs(program: RuntimeProgram, inputs_json: dict, text: str | None = None) -> None:
    """Check JSON-form inputs against ``spec.parameters``; name the offending parameter.

    ``text``, the JSON text ``inputs_json`` was read from, lets inputs found valid before
    under the same schema pass without a second check (a check is a pure function of both).
    """
    schema = program.parameters
    if not schema:
        return
    key = None if text is None or len(text) > _VALID_TEXT_MAX else (id(schema), text)
    if key is not None:
        with _VALID_LOCK:
            if _VALID.get(key) is schema:
                _VALID.move_to_end(key)
                return
    jsonschema = import_jsonschema()
    Draft202012Validator, best_match = jsonschema.Draft202012Validator, jsonschema.exceptions.best_match

    error = best_match(Draft202012Validator(schema).iter_errors(inputs_json))
    if error is None:
        if key is not None:
            with _VALID_LOCK:
                _VALID[key] = schema
                while len(_VALID) > _VALID_MAX:
                    _VALID.popitem(last=False)
        return
    if error.validator == "required":
        missing = [name for name in schema.get("required", []) if name not in inputs_json]
        raise _input_error(
            f"Program '{program.program_id}' needs input parameter(s) {', '.join(map(repr, missing))}."
        )
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        raise _input_error(f"Program '{program.program_id}': {error.message}; "
                           f"its parameters are {', '.join(allowed)}.")
    path = list(error.absolute_path)
    where = f"input parameter '{path[0]}'" if path else "inputs"
    detail = error.message if len(error.message) < 200 else error.message[:200] + "…"
    raise _input_error(f"Program '{program.program_id}': invalid {where}: {detail}.")
