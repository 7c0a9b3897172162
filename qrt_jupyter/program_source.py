"""Reading a runtime program's source text: is it a program, and what does its docstring declare?

``%%qrt_program`` lets the metadata live next to the code, in the module
docstring, so a program cell is self-contained. The parsing lives here, not in
the magics, so Python users get the same thing::

    from qrt_jupyter.program_source import check_program_source, metadata_from_source
    check_program_source(source)
    service.upload_program(source, metadata=metadata_from_source(source))

Docstring format (chosen to read well as a docstring and to need no YAML
library):

* a docstring that is a JSON object (starts with ``{``) is the metadata, in
  the runtime program metadata format;
* otherwise ``key: value`` lines whose key is a metadata field
  (``name``, ``description``, ``max_execution_time``, ``version``,
  ``backend_requirements``, ``parameters``, ``return_values``,
  ``interim_results``, ``spec``; ``-`` or a space may stand for ``_``, any
  case). A value continues on the following lines that are indented. Names,
  descriptions and versions are text; ``max_execution_time`` is an integer
  (seconds); the schemas and ``backend_requirements`` are JSON objects.
* every other line is prose; without a ``description:`` field the prose is
  the description.

Pure Python, no import beyond the standard library.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Mapping

__all__ = [
    "ProgramSourceError",
    "check_program_source",
    "merge_metadata",
    "metadata_from_docstring",
    "metadata_from_source",
    "main_summary",
]

TEXT_FIELDS = ("name", "description", "version")
INT_FIELDS = ("max_execution_time",)
SPEC_FIELDS = ("backend_requirements", "parameters", "return_values", "interim_results")
FIELDS = TEXT_FIELDS + INT_FIELDS + SPEC_FIELDS + ("spec",)

_FIELD_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _-]*?)\s*:(?:\s+(?P<value>.*)|\s*)$")


class ProgramSourceError(ValueError):
    """The source is not a runtime program or its docstring metadata is malformed.

    The message is one line that says what is wrong and where.
    """


def check_program_source(source: str) -> ast.Module:
    """Parse ``source`` and make sure it defines a top-level ``main`` function.

    The runtime calls ``main(backend, user_messenger, **inputs)``; a program
    without it would only fail later, in a worker, with a worse message.
    Returns the parsed module so callers need not parse twice.
    """
    if not source.strip():
        raise ProgramSourceError("the program source is empty")
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        raise ProgramSourceError(f"the program source is not valid Python: line {exc.lineno}: {exc.msg}") from None
    if not any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main" for node in module.body
    ):
        raise ProgramSourceError(
            "the program defines no top-level main(backend, user_messenger, **kwargs) function"
        )
    return module


def metadata_from_source(source: str) -> dict[str, Any]:
    """The metadata declared in the module docstring of ``source`` (``{}`` if none)."""
    module = check_program_source(source)
    docstring = ast.get_docstring(module, clean=True)
    return metadata_from_docstring(docstring) if docstring else {}


def main_summary(module: ast.Module) -> str | None:
    """The first line of ``main``'s docstring: a description for a cell that has no other.

    A new user's first program is often just a ``def main`` with a docstring; that line
    says what the program does as well as any metadata would.
    """
    for node in module.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main":
            docstring = ast.get_docstring(node, clean=True)
            return docstring.strip().splitlines()[0].strip() if docstring and docstring.strip() else None
    return None


def metadata_from_docstring(docstring: str) -> dict[str, Any]:
    """Metadata (runtime program metadata format) from a docstring; see the module doc."""
    text = docstring.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProgramSourceError(f"docstring JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
        if not isinstance(value, dict):
            raise ProgramSourceError("docstring JSON must be an object of metadata fields")
        return merge_metadata({}, value)

    fields: dict[str, str] = {}
    prose: list[str] = []
    current: str | None = None
    for line in text.splitlines():
        indented = line[:1].isspace()
        if current is not None and indented and line.strip():
            fields[current] += "\n" + line.strip()
            continue
        current = None
        match = _FIELD_LINE.match(line)
        key = _field_name(match.group("key")) if match else None
        if key in FIELDS:
            if key in fields:
                raise ProgramSourceError(f"docstring field {key!r} is given twice")
            fields[key] = match.group("value") or ""
            current = key
        else:
            prose.append(line)

    metadata: dict[str, Any] = {}
    for key, raw in fields.items():
        metadata = merge_metadata(metadata, {key: _field_value(key, raw.strip())})
    description = "\n".join(prose).strip()
    if description and "description" not in metadata:
        metadata["description"] = description
    return metadata


def merge_metadata(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``override``, both in the runtime metadata format.

    ``spec`` is merged key by key, and the spec fields may also be given at
    the top level (as the upload keyword arguments are): they are moved into
    ``spec``. ``None`` values in ``override`` do not erase ``base``.
    """
    merged = {key: value for key, value in base.items() if key != "spec"}
    spec = dict(base.get("spec") or {})
    for key, value in override.items():
        if value is None:
            continue
        if key == "spec":
            if not isinstance(value, Mapping):
                raise ProgramSourceError("metadata 'spec' must be an object")
            spec.update({k: v for k, v in value.items() if v is not None})
        elif key in SPEC_FIELDS:
            spec[key] = value
        else:
            merged[key] = value
    for key in SPEC_FIELDS:  # older metadata files put them at the top level
        if key in merged:
            spec.setdefault(key, merged.pop(key))
    if spec:
        merged["spec"] = spec
    return merged


def _field_name(key: str) -> str:
    return re.sub(r"[\s-]+", "_", key.strip().lower())


def _field_value(key: str, raw: str) -> Any:
    if key in TEXT_FIELDS:
        return raw
    if key in INT_FIELDS:
        try:
            value = int(raw)
        except ValueError:
            raise ProgramSourceError(f"docstring field {key}: expected whole seconds, got {raw!r}") from None
        if value <= 0:
            raise ProgramSourceError(f"docstring field {key}: must be positive, got {value}")
        return value
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProgramSourceError(f"docstring field {key}: not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ProgramSourceError(f"docstring field {key}: expected a JSON object")
    return value
