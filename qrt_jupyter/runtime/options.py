"""Run options, as the old runtime service took them."""

from __future__ import annotations

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
        from qiskit_ibm_runtime.exceptions import IBMInputValueError

        if options is None:
            return cls()
        if isinstance(options, cls):
            options = asdict(options)
        if not isinstance(options, dict):
            # qiskit_ibm_runtime's own RuntimeOptions and friends
            options = {k: getattr(options, k) for k in ("backend", "backend_name", "log_level",
                                                       "max_execution_time", "session_id", "memory_limit")
                       if getattr(options, k, None) is not None}
        options = dict(options)
        backend = options.pop("backend", None)
        if backend is not None and options.get("backend_name") is None:
            options["backend_name"] = backend if isinstance(backend, str) else getattr(backend, "name", None)
        options.pop("instance", None)
        options.pop("job_tags", None)
        unknown = sorted(set(options) - {"backend_name", "log_level", "max_execution_time", "session_id",
                                         "memory_limit"})
        if unknown:
            raise IBMInputValueError(
                f"Unknown run option(s) {', '.join(map(repr, unknown))}; "
                "use backend_name, log_level, max_execution_time, session_id or memory_limit."
            )
        coerced = cls(**options)
        try:
            coerced.memory_limit = parse_memory_limit(coerced.memory_limit)
        except ValueError as exc:
            raise IBMInputValueError(str(exc)) from None
        return coerced

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
