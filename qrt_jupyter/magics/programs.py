"""``%%qrt_program`` (a cell becomes a runtime program) and ``%qrt_programs`` (the list)."""

from __future__ import annotations

import ast
import json
import os
from typing import Mapping

from IPython.core.error import UsageError
from IPython.core.magic import cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from . import args as qargs
from .base import MagicsBase
from .errors import usage_errors
from .lookup import existing_program
from .render import first_line

__all__ = ["ProgramMagics"]


@magics_class
class ProgramMagics(MagicsBase):
    @magic_arguments()
    @argument("name", nargs="?", metavar="NAME", help="the program's name (default: name: in the docstring)")
    @qargs.program_flags
    @cell_magic
    def qrt_program(self, line, cell):
        """Upload the cell as a runtime program and print its id; the cell is not run here.

        The cell must define ``main(backend, user_messenger, **kwargs)``. Its
        metadata comes from, weakest first: the cell's module docstring (a JSON
        object, or ``key: value`` lines such as ``max_execution_time: 300`` or
        ``parameters: {"properties": {...}}``, prose becoming the description),
        ``--metadata`` (a dict variable or a JSON file), then the flags.
        A cell that is just a ``def main`` uploads as it is: its description is
        the first line of ``main``'s docstring (else a plain default), its time
        limit ``QRTMagics.default_max_execution_time``; the upload line shows both.
        ``--update`` replaces the source and metadata of the program with that
        name (or id), and uploads it if there is none yet: a cell with
        ``--update`` can be re-run as often as it is edited.
        """
        args = self._parse(self.qrt_program, line)
        from ..program_source import ProgramSourceError, check_program_source, metadata_from_docstring

        try:
            module = check_program_source(cell)
            docstring = ast.get_docstring(module, clean=True)
            metadata = metadata_from_docstring(docstring) if docstring else {}
        except ProgramSourceError as exc:
            raise UsageError(f"%%qrt_program: {exc}") from None
        if args.metadata:
            metadata = _merge(metadata, self._metadata_argument(args.metadata))
        metadata = _merge(
            metadata,
            {
                "name": args.name,
                "description": args.description,
                "max_execution_time": args.max_execution_time,
                "version": args.version,
            },
        )
        name = metadata.get("name")
        if not name:
            raise UsageError("the program needs a name: %%qrt_program NAME, or a 'name:' line in its docstring")
        service = self._service()
        with usage_errors(f"program {name!r}"):
            existing = existing_program(service, name)
            detail = self._upload_defaults(name, module, metadata) if existing is None else ""
            if existing is not None and not args.update:
                raise UsageError(
                    f"a program named {name!r} exists already ({getattr(existing, 'program_id', name)}); "
                    "add --update to replace it, or choose another name"
                )
            if args.update:
                new_id = service.upload_or_update_program(data=cell, metadata=metadata)
            else:
                new_id = service.upload_program(data=cell, metadata=metadata)
        verb = "Uploaded" if existing is None else "Updated"
        print(f"{verb} program {name!r}: {new_id}{detail}")

    def _upload_defaults(self, name: str, module: ast.Module, metadata: dict) -> str:
        """Fill the metadata a bare ``def main`` cell leaves out, so the cell uploads as it is
        (the Python ``upload_program`` still wants them given, as the old API did); return
        the upload line's note of both values and where a default came from ("" when the
        cell or the flags gave both)."""
        from ..program_source import main_summary

        description_from = time_from = ""
        if not metadata.get("description"):
            summary = main_summary(module)
            metadata["description"] = summary or f"{name}, uploaded with %%qrt_program"
            description_from = ", from main's docstring" if summary else ", the default"
        if not metadata.get("max_execution_time"):
            metadata["max_execution_time"] = self.default_max_execution_time
            time_from = ", QRTMagics.default_max_execution_time"
        if not (description_from or time_from):
            return ""
        return (f" (description {first_line(metadata['description'], limit=80)!r}{description_from}; "
                f"max_execution_time {metadata['max_execution_time']} s{time_from})")

    def _metadata_argument(self, value: str) -> dict:
        """``--metadata``: a variable (dict, or a path) in the user namespace, else a JSON file."""
        if value.isidentifier() and value in self.shell.user_ns:
            found = self.shell.user_ns[value]
            if isinstance(found, Mapping):
                return dict(found)
            if not isinstance(found, (str, os.PathLike)):
                raise UsageError(f"--metadata {value}: expected a dict or a JSON file path, got {type(found).__name__}")
            value = os.fspath(found)
        path = os.path.expanduser(value)
        if not os.path.isfile(path):
            raise UsageError(f"--metadata {value}: no such variable or file")
        try:
            with open(path, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--metadata {value}: cannot read it as JSON: {first_line(exc)}") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--metadata {value}: the JSON must be an object of metadata fields")
        return loaded

    @magic_arguments()
    @argument("--refresh", action="store_true", help="ask the service again instead of using its cache")
    @line_magic
    def qrt_programs(self, line):
        """List the runtime programs of the active service (built-in and uploaded)."""
        args = self._parse(self.qrt_programs, line)
        service = self._service()
        with usage_errors("%qrt_programs"):
            programs = service.programs(refresh=args.refresh)
            rows = [
                (
                    getattr(p, "program_id", ""),
                    getattr(p, "name", ""),
                    getattr(p, "version", "") or "",
                    getattr(p, "max_execution_time", "") or "",
                    first_line(getattr(p, "description", "") or "", limit=500),
                )
                for p in programs
            ]
        self._show_listing(
            "Programs", service, ("program", "name", "version", "max time (s)", "description"), rows, empty="No programs. %%qrt_program NAME uploads one."
        )


def _merge(base: Mapping, override: Mapping) -> dict:
    from ..program_source import ProgramSourceError, merge_metadata

    try:
        return merge_metadata(base, override)
    except ProgramSourceError as exc:
        raise UsageError(f"%%qrt_program: {exc}") from None

