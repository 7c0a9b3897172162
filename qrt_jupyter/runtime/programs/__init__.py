"""Runtime programs: the built-ins and the registry of uploaded ones.

Also what every caller of a program needs to agree on: the number of shots when
none is given, and whether a program takes an input at all.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["DEFAULT_SHOTS", "declares_input"]

DEFAULT_SHOTS = 4000
"""Shots per circuit when a job does not say: the built-in ``sampler``, ``estimator`` and
``circuit-runner``, the primitives' ``Options.execution.shots`` and the magics all use it.
4000 is what the old ``IBMRuntimeService`` primitives used (their ``Options.execution.shots``),
so results of code written for that API come with the statistics it was written for."""


def declares_input(program: Any, key: str) -> bool:
    """Whether ``program``'s parameter schema names the input ``key``; unknown schema: False.

    Duck-typed, so it reads our ``RuntimeProgram``, IBM's program objects (whose
    ``parameters`` may be a method) and plain metadata dicts with a ``spec``.
    """
    schema = program.get("parameters") if isinstance(program, Mapping) else getattr(program, "parameters", None)
    if callable(schema):
        try:
            schema = schema()
        except Exception:  # a remote program object that cannot answer: treat as undeclared
            schema = None
    if schema is None:
        spec = program.get("spec") if isinstance(program, Mapping) else getattr(program, "spec", None)
        schema = spec.get("parameters") if isinstance(spec, Mapping) else None
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return isinstance(properties, Mapping) and key in properties
