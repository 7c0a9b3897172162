"""What Sampler and Estimator share: where their jobs go and how options become program inputs."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from ..session import Session, _service_of, backend_name_of, current_session
from .inputs import _looks_like_pubs
from .options import Options, _coerce_options, _input_error

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..jobs import RuntimeJob
    from ..service import LocalRuntimeService


class _RuntimePrimitive:
    """What Sampler and Estimator share: where jobs go, and how options become inputs."""

    _program_id: ClassVar[str]
    _max_resilience: ClassVar[int]

    def __init__(
        self,
        backend: Any = None,
        session: Session | None = None,
        options: Options | dict | None = None,
        mode: Any = None,
    ):
        # V2 code writes ``Sampler(session)`` positionally; the V1 primitives' first argument was the backend.
        if isinstance(backend, Session) and session is None:
            backend, session = None, backend
        self._v2 = mode is not None
        if isinstance(mode, Session):
            if session is not None and session is not mode:
                raise _input_error("Give the session once, as session= or as mode=, not two different ones.")
            session = mode
        elif mode is not None:
            if backend is not None and backend_name_of(backend) != backend_name_of(mode):
                raise _input_error("Give the backend once, as backend= or as mode=, not two different ones.")
            backend = mode
        if session is None and backend is None:
            # The V1 primitives' ``with Session(...):`` block made primitives created inside it join it.
            session = current_session()
        if session is not None and backend is not None:
            session_backend = session.backend()
            if session_backend is not None and backend_name_of(backend) != session_backend:
                warnings.warn(
                    f"The session runs on {session_backend!r}; backend {backend_name_of(backend)!r} "
                    "is ignored.",
                    stacklevel=3,
                )
            backend = None
        self._session = session
        self._backend = backend
        self._backend_name = backend_name_of(backend)
        self._options = _coerce_options(options)
        self._service: LocalRuntimeService | None = session.service if session else _service_of(backend)

    # -- public attributes ------------------------------------------------
    @property
    def session(self) -> Session | None:
        """The session jobs are submitted in, if any."""
        return self._session

    @property
    def mode(self) -> Any:
        """The session or the backend this primitive runs on (V2's name for it)."""
        return self._session if self._session is not None else self._backend

    @property
    def options(self) -> Options:
        """This primitive's options; change them in place or with :meth:`set_options`."""
        return self._options

    def set_options(self, **fields: Any) -> None:
        """Update options, e.g. ``set_options(shots=100, optimization_level=0)``."""
        self._options.update(**fields)

    @property
    def service(self) -> "LocalRuntimeService":
        """The service jobs go to: the session's, the backend's, else the default service."""
        if self._service is None:
            from ..service import LocalRuntimeService

            self._service = LocalRuntimeService()
        return self._service

    # -- submission -------------------------------------------------------
    def _backend_target(self) -> str | None:
        return self._session.backend() if self._session is not None else self._backend_name

    def _resolved(self, overrides: dict[str, Any]) -> tuple[Options, dict[str, Any]]:
        options = self._options._copy()
        extra = options._apply(overrides)
        options._validate(self._max_resilience)
        return options, extra

    def _transpile_inputs(self, options: Options) -> dict[str, Any]:
        """Inputs common to both programs and both styles, with unset values left to the program."""
        inputs: dict[str, Any] = {}
        if options.optimization_level is not None:
            inputs["optimization_level"] = options.optimization_level
        resilience = options.resilience_level
        if resilience is None:
            resilience = _default_resilience(self._backend_target())
        if resilience is not None:
            inputs["resilience_level"] = resilience
        if options.transpilation.skip_transpilation:
            inputs["skip_transpilation"] = True
        return inputs

    def _submit(self, inputs: dict[str, Any], options: Options, callback: Callable | None) -> "RuntimeJob":
        runtime_options = {
            "max_execution_time": options.max_execution_time,
            "log_level": options.environment.log_level,
        }
        runtime_options = {k: v for k, v in runtime_options.items() if v is not None}
        callback = callback if callback is not None else options.environment.callback
        if self._session is not None:
            job = self._session.run(self._program_id, inputs, options=runtime_options)
        else:
            if self._backend_name is not None:
                runtime_options["backend_name"] = self._backend_name
            job = self.service.run(self._program_id, inputs, options=runtime_options)
        if callback is not None:  # this API's callback gets the final result too
            job._attach(callback, final_result=True)
        return job

    def _pick_style(self, positional: Any, kwargs: dict[str, Any], v1_args_given: bool) -> tuple[bool, Any]:
        """(is V2, the circuits or pubs) for one ``run`` call.

        ``pubs=`` means V2 and ``circuits=`` V1 style, whatever the
        constructor said; so do V1-only arguments (``parameter_values``,
        ``observables``). A bare positional argument follows the constructor
        (``mode=`` → V2), except that tuples can only be pubs.
        """
        pubs = kwargs.pop("pubs", None)
        circuits = kwargs.pop("circuits", None)
        given = [x for x in (positional, pubs, circuits) if x is not None]
        if len(given) > 1:
            raise _input_error("Give the circuits (or pubs) once.")
        if pubs is not None:
            return True, pubs
        if circuits is not None:
            return False, circuits
        if v1_args_given:
            return False, positional
        return self._v2 or _looks_like_pubs(positional), positional

    def __repr__(self) -> str:
        where = f"session={self._session.session_id}" if self._session else f"backend={self._backend_name!r}"
        return f"<{type(self).__name__} {where}>"


def _default_resilience(backend_name: str | None) -> int | None:
    """IBM's defaults: readout mitigation on devices, none on ideal simulators."""
    if backend_name is None:
        return None  # the service picks the backend; let the program decide
    from ..backends import catalog

    info = catalog().get(backend_name)
    if info is None:
        return None  # unknown name: the service will say so
    return 0 if info.simulator else 1
