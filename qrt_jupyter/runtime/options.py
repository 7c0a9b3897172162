"""Run options, as the old runtime service took them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class RuntimeOptions:
    """Options for :meth:`LocalRuntimeService.run`.

    ``backend_name``: the backend to run on (``None``: the least busy one that fits).
    ``log_level``: level of the program's ``logging`` output captured in ``job.logs()``.
    ``max_execution_time``: seconds; the smaller of this and the program's limit applies.
    ``session_id``: run inside an open :class:`~qrt_jupyter.Session`.
    """

    backend_name: str | None = None
    log_level: str | None = None
    max_execution_time: float | None = None
    session_id: str | None = None

    @classmethod
    def coerce(cls, options: "RuntimeOptions | dict | None") -> "RuntimeOptions":
        """Accept a ``RuntimeOptions``, a dict (``backend_name`` or ``backend``) or None."""
        from qiskit_ibm_runtime.exceptions import IBMInputValueError

        if options is None:
            return cls()
        if isinstance(options, cls):
            return cls(**asdict(options))
        if not isinstance(options, dict):
            # qiskit_ibm_runtime's own RuntimeOptions and friends
            options = {k: getattr(options, k) for k in ("backend", "backend_name", "log_level",
                                                       "max_execution_time", "session_id")
                       if getattr(options, k, None) is not None}
        options = dict(options)
        backend = options.pop("backend", None)
        if backend is not None and options.get("backend_name") is None:
            options["backend_name"] = backend if isinstance(backend, str) else getattr(backend, "name", None)
        options.pop("instance", None)
        options.pop("job_tags", None)
        unknown = sorted(set(options) - {"backend_name", "log_level", "max_execution_time", "session_id"})
        if unknown:
            raise IBMInputValueError(
                f"Unknown run option(s) {', '.join(map(repr, unknown))}; "
                "use backend_name, log_level, max_execution_time or session_id."
            )
        return cls(**options)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
