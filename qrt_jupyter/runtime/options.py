"""Run options, as the old runtime service took them."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from typing import Any

from .job_limits import parse_memory_limit


@dataclass
class RuntimeOptions:
    """Options for :meth:`LocalRuntimeService.run`.

    ``backend_name``: the backend to run on (``None``: the least busy one that fits).
    ``log_level``: level of the program's ``logging`` output captured in ``job.logs()``.
    ``max_execution_time``: seconds; the smaller of this and the program's limit applies.
    ``session_id``: run inside an open :class:`~qrt_jupyter.Session`.
    ``memory_limit``: bytes (or a size such as ``"2GiB"``) the program may allocate in its worker;
    past it the job ends ERROR "memory limit ...". Default ``$QRT_MEMORY_LIMIT``, else none.
    What is and is not enforced: :mod:`.job_limits`.
    """

    backend_name: str | None = None
    log_level: str | None = None
    max_execution_time: float | None = None
    session_id: str | None = None
    memory_limit: int | str | None = None

    @classmethod
    def coerce(cls, options: "RuntimeOptions | dict | None") -> "RuntimeOptions":
        """Accept a ``RuntimeOptions``, a dict (``backend_name`` or ``backend``) or None."""
        from . import arguments

        if options is None:
            return cls()
        if isinstance(options, cls):
            options = asdict(options)
        elif not isinstance(options, dict):
            # qiskit_ibm_runtime's own RuntimeOptions and friends
            fields = ("backend", "backend_name", "log_level", "max_execution_time", "session_id", "memory_limit")
            if isinstance(options, (str, bytes, numbers.Number, list, tuple, set)) or not any(
                    hasattr(options, k) for k in fields):
                raise arguments.input_error(
                    f"options must be a RuntimeOptions or a dict such as {{'backend_name': 'fake_manila'}}, "
                    f"not {options!r}.")
            options = {k: getattr(options, k) for k in fields if getattr(options, k, None) is not None}
        options = dict(options)
        backend = options.pop("backend", None)
        if backend is not None and options.get("backend_name") is None:
            name = backend if isinstance(backend, str) else getattr(backend, "name", None)
            if not isinstance(name, str):
                raise arguments.input_error(f"backend must be a backend name or a backend, not {backend!r}.")
            options["backend_name"] = name
        options.pop("instance", None)
        options.pop("job_tags", None)
        unknown = sorted(set(options) - {"backend_name", "log_level", "max_execution_time", "session_id",
                                         "memory_limit"})
        if unknown:
            raise arguments.input_error(
                f"Unknown run option(s) {', '.join(map(repr, unknown))}; "
                "use backend_name, log_level, max_execution_time, session_id or memory_limit."
            )
        arguments.text("backend_name", options.get("backend_name"), "a backend name such as 'fake_manila'")
        arguments.text("session_id", options.get("session_id"), "a session id")
        options["log_level"] = arguments.log_level(options.get("log_level"))
        if options.get("max_execution_time") is not None:
            options["max_execution_time"] = arguments.seconds("max_execution_time", options["max_execution_time"])
        coerced = cls(**options)
        try:
            coerced.memory_limit = parse_memory_limit(coerced.memory_limit)
        except ValueError as exc:
            raise arguments.input_error(str(exc)) from None
        return coerced

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
