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

The checks of the source and the merging of metadata are the runtime's own
(``qrt_jupyter.runtime.programs.registry``), so a cell is refused for the same
reasons an upload would be. Nothing here imports qiskit.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from .runtime.programs.registry import SPEC_KEYS as SPEC_FIELDS
from .runtime.programs.registry import ProgramSourceError, merge_metadata, parse_source

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
FIELDS = TEXT_FIELDS + INT_FIELDS + SPEC_FIELDS + ("spec",)

_FIELD_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _-]*?)\s*:(?:\s+(?P<value>.*)|\s*)$")


def check_program_source(source: str) -> ast.Module:
    """Parse ``source`` and make sure it is a runtime program (the runtime's own check:
    ``runtime.programs.registry.parse_source``); returns the parsed module."""
    return parse_source(source)


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
