"""Sampler, Estimator and Options as the seeds wrote them, running on the local runtime.

The primitives here are thin clients: they turn the user's call into the
inputs of the built-in ``sampler`` / ``estimator`` programs and submit them
with ``service.run`` (or ``session.run``). So every primitive call is an
ordinary :class:`~qrt_jupyter.runtime.jobs.RuntimeJob` — queued, visible in
``service.jobs()`` and the dashboard, with a queue position, interim results,
logs and history — rather than a computation hidden in the kernel.

Two call styles are understood, because users arrive with either:

- the seeds' (qiskit-ibm-runtime's first primitives)::

      Sampler(session=session, options=options).run(circuits=bell)
      Estimator(session=session).run(circuits=[psi], observables=[H1], parameter_values=[theta])

  whose jobs give a ``SamplerResult`` (``quasi_dists``) or an
  ``EstimatorResult`` (``values``, variances in ``metadata``);
- qiskit's V2 primitives::

      Sampler(mode=session).run([(circuit, values)], shots=1000)
      Estimator(mode=backend).run([(psi, H1, theta)])

  whose jobs give a ``PrimitiveResult``.

Which one a ``run`` call means is decided by how it is called (``pubs=``, or
``circuits=``/``observables=``), then by the constructor (``mode=`` means V2),
then by the items (tuples are pubs). ``Sampler(backend).run([circuit])`` is
therefore the seeds' style; write ``Sampler(mode=backend)`` for V2.

qiskit is imported inside the functions that need it, so
``from qrt_jupyter import Options`` stays cheap.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from .programs import DEFAULT_SHOTS
from .session import Session, _service_of, backend_name_of, current_session

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .jobs import RuntimeJob
    from .service import LocalRuntimeService


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def _input_error(message: str) -> Exception:
    # The client's own error class, so code written for IBM's service catches it unchanged.
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    return IBMInputValueError(message)


@dataclass(slots=True)
class ExecutionOptions:
    """How the circuits are executed.

    ``shots``: samples per circuit (for the estimator: per measured basis, and
    the V2 estimator's precision 1/sqrt(shots) when no precision is given).
    The default is :data:`qrt_jupyter.runtime.programs.DEFAULT_SHOTS`. ``None``
    leaves it to the program; the estimator then computes exact values on the
    ideal simulator.
    """

    shots: int | None = DEFAULT_SHOTS


@dataclass(slots=True)
class TranspilationOptions:
    """How circuits are mapped onto the backend.

    ``skip_transpilation``: send the circuits as they are (they must already
    fit the backend). Otherwise the program transpiles them at
    ``Options.optimization_level``.
    """

    skip_transpilation: bool = False


@dataclass(slots=True)
class EnvironmentOptions:
    """Where the job runs and what it reports.

    ``log_level``: level of the program's ``logging`` output kept in ``job.logs()``.
    ``callback``: ``callback(job_id, message)`` for the job's interim results,
    as the seeds passed it through options; a ``callback=`` given to ``run`` wins.
    """

    log_level: str | None = None
    callback: Callable | None = None


_SUBOPTIONS: dict[str, type] = {
    "execution": ExecutionOptions,
    "transpilation": TranspilationOptions,
    "environment": EnvironmentOptions,
}


def _to_suboptions(kind: type, value: Any, name: str) -> Any:
    if isinstance(value, kind):
        return value
    if isinstance(value, dict):
        known = {f.name for f in fields(kind)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise TypeError(
                f"Unknown {name} option(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(known))}."
            )
        return kind(**value)
    raise TypeError(f"Options.{name} must be a {kind.__name__} or a dict, not {type(value).__name__}.")


@dataclass(slots=True)
class Options:
    """Options of the seeds' primitives, grouped as qiskit-ibm-runtime grouped them.

    ``Options(optimization_level=3)``, ``Options(execution={"shots": 2000})`` and
    ``options.execution.shots = 2000`` all work. A misspelt name raises at
    once (``AttributeError`` / ``TypeError``) instead of being silently ignored.

    - ``optimization_level`` (0–3): how hard the program's transpiler works
      mapping circuits onto the backend. ``None``: the program's default (1).
    - ``resilience_level``: 0 no mitigation; 1 readout-error mitigation with
      mthree on noisy fake devices (the ideal simulator needs none). ``None``:
      1 on a noisy device, 0 on the ideal simulator — as IBM's service chose
      for real devices and simulators.
    - ``max_execution_time``: seconds; the job is stopped after that (the
      smaller of this and the program's own limit applies).
    - ``execution.shots``; ``transpilation.skip_transpilation``;
      ``environment.log_level`` and ``environment.callback``.

    Any of these can be overridden for one job as keywords of ``run``, e.g.
    ``sampler.run(bell, shots=100, optimization_level=0)``.
    """

    optimization_level: int | None = None
    resilience_level: int | None = None
    max_execution_time: int | float | None = None
    transpilation: TranspilationOptions = field(default_factory=TranspilationOptions)
    execution: ExecutionOptions = field(default_factory=ExecutionOptions)
    environment: EnvironmentOptions = field(default_factory=EnvironmentOptions)

    _MAX_OPTIMIZATION_LEVEL: ClassVar[int] = 3

    def __setattr__(self, name: str, value: Any) -> None:
        # Sub-option groups accept plain dicts, in the constructor and on assignment.
        kind = _SUBOPTIONS.get(name)
        if kind is not None:
            value = _to_suboptions(kind, value, name)
        object.__setattr__(self, name, value)

    def _copy(self) -> "Options":
        # Not deepcopy: a callback that is a bound method would drag a copy of its object along.
        return Options(
            optimization_level=self.optimization_level,
            resilience_level=self.resilience_level,
            max_execution_time=self.max_execution_time,
            transpilation=copy.copy(self.transpilation),
            execution=copy.copy(self.execution),
            environment=copy.copy(self.environment),
        )

    def update(self, **kwargs: Any) -> None:
        """Set several options at once; nested names (``shots``) find their group."""
        extra = self._apply(kwargs)
        if extra:
            raise TypeError(f"Unknown option(s) {', '.join(map(repr, sorted(extra)))}.")

    def _apply(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Apply overrides in place; return the ones that are not options.

        Like qiskit-ibm-runtime's ``Options._merge_options``: a top-level name
        sets that field, a group name takes a dict merged into the group, and
        any other name is looked up inside the groups (``shots`` →
        ``execution.shots``). Names that are none of these are returned so the
        primitive can pass them to the program as inputs.
        """
        extra: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in _SUBOPTIONS:
                group = getattr(self, key)
                if isinstance(value, dict):
                    for sub_key, sub_value in value.items():
                        if not hasattr(group, sub_key):
                            raise TypeError(f"Unknown {key} option {sub_key!r}.")
                        setattr(group, sub_key, sub_value)
                else:
                    setattr(self, key, value)
            elif key in {"optimization_level", "resilience_level", "max_execution_time"}:
                setattr(self, key, value)
            else:
                for group_name in _SUBOPTIONS:
                    group = getattr(self, group_name)
                    if key in {f.name for f in fields(group)}:
                        setattr(group, key, value)
                        break
                else:
                    extra[key] = value
        return extra

    def _validate(self, max_resilience: int) -> None:
        level = self.optimization_level
        if level is not None and (isinstance(level, bool) or level not in range(self._MAX_OPTIMIZATION_LEVEL + 1)):
            raise _input_error(
                f"optimization_level can only take the values 0, 1, 2, 3 (got {level!r})."
            )
        level = self.resilience_level
        if level is not None and (isinstance(level, bool) or level not in range(max_resilience + 1)):
            raise _input_error(
                f"resilience_level can only take the values "
                f"{', '.join(map(str, range(max_resilience + 1)))} here (got {level!r})."
            )
        shots = self.execution.shots
        if shots is not None and (
            isinstance(shots, bool) or not isinstance(shots, numbers.Integral) or shots < 1
        ):
            raise _input_error(f"shots must be a positive integer (got {shots!r}).")
        limit = self.max_execution_time
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, numbers.Real) or limit <= 0):
            raise _input_error(f"max_execution_time must be a positive number of seconds (got {limit!r}).")


def _coerce_options(options: Options | dict | None) -> Options:
    """A private copy, so changing the user's Options later does not change this primitive."""
    if options is None:
        return Options()
    if isinstance(options, Options):
        return options._copy()
    if isinstance(options, dict):
        opts = Options()
        opts.update(**options)
        return opts
    raise TypeError(f"options must be an Options or a dict, not {type(options).__name__}.")


# --------------------------------------------------------------------------
# Input normalisation (seeds' style)
# --------------------------------------------------------------------------


def _as_circuits(circuits: Any) -> list:
    from qiskit import QuantumCircuit

    if circuits is None:
        raise _input_error("No circuits given.")
    if isinstance(circuits, QuantumCircuit):
        return [circuits]
    circuits = list(circuits)
    if not circuits:
        raise _input_error("No circuits given.")
    for i, circuit in enumerate(circuits):
        if not isinstance(circuit, QuantumCircuit):
            raise _input_error(f"circuits[{i}] is a {type(circuit).__name__}, not a QuantumCircuit.")
    return circuits


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_parameter_values(values: Any, circuits: list) -> list[list[float]]:
    """One list of floats per circuit, accepting the shorthands qiskit's V1 primitives did.

    ``None`` (circuits without parameters), a flat list for a single circuit,
    or numpy arrays. The counts are checked here so a mistake is an error at
    ``run`` rather than a failed job later.
    """
    import numpy as np

    if values is None:
        values = [[] for _ in circuits]
    elif isinstance(values, np.ndarray):
        values = values.tolist()
    values = [v.tolist() if isinstance(v, np.ndarray) else v for v in values]
    if not values:
        values = [[] for _ in circuits]
    elif all(_is_number(v) for v in values):
        values = [values]  # a flat list: the values of one circuit
    if len(values) != len(circuits):
        raise _input_error(
            f"{len(circuits)} circuit(s) but {len(values)} set(s) of parameter_values; give one per circuit."
        )
    out = []
    for i, (circuit, vals) in enumerate(zip(circuits, values)):
        vals = list(vals)
        if not all(_is_number(v) for v in vals):
            raise _input_error(f"parameter_values[{i}] must be a list of numbers.")
        if len(vals) != circuit.num_parameters:
            raise _input_error(
                f"circuits[{i}] has {circuit.num_parameters} parameter(s) but "
                f"parameter_values[{i}] has {len(vals)} value(s)."
            )
        out.append([float(v) for v in vals])
    return out


def _has_measurements(circuit: Any) -> bool:
    from qiskit.circuit import ControlFlowOp

    for instruction in circuit.data:
        if instruction.operation.name == "measure" or isinstance(instruction.operation, ControlFlowOp):
            return True  # measurements inside control flow count; don't second-guess them
    return False


def _as_observables(observables: Any, circuits: list) -> list:
    from qiskit.quantum_info import SparsePauliOp

    if observables is None:
        raise _input_error("No observables given.")
    if isinstance(observables, (str, SparsePauliOp)) or not hasattr(observables, "__iter__"):
        observables = [observables]
    else:
        observables = list(observables)
    if len(observables) != len(circuits):
        raise _input_error(
            f"{len(circuits)} circuit(s) but {len(observables)} observable(s); give one per circuit."
        )
    out = []
    for i, (circuit, obs) in enumerate(zip(circuits, observables)):
        if not isinstance(obs, SparsePauliOp):
            try:
                obs = SparsePauliOp(obs)
            except Exception:  # noqa: BLE001 - not Pauli-like; try a matrix operator
                try:
                    obs = SparsePauliOp.from_operator(obs)
                except Exception as exc:  # noqa: BLE001
                    raise _input_error(
                        f"observables[{i}] ({type(obs).__name__}) cannot be read as a Pauli sum: {exc}"
                    ) from None
        if obs.num_qubits != circuit.num_qubits:
            raise _input_error(
                f"observables[{i}] acts on {obs.num_qubits} qubit(s) but circuits[{i}] has "
                f"{circuit.num_qubits}."
            )
        out.append(obs)
    return out


def _looks_like_pubs(items: Any) -> bool:
    """Tuples (or pub objects) are pubs; bare circuits may be either style."""
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    if items is None or not isinstance(items, (list, tuple)):
        return False
    return any(isinstance(item, (tuple, list, SamplerPub, EstimatorPub)) for item in items)


# --------------------------------------------------------------------------
# The primitives
# --------------------------------------------------------------------------


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
        # V2 code writes ``Sampler(session)`` positionally; the seeds' first argument was the backend.
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
            # The seeds' ``with Session(...):`` block made primitives created inside it join it.
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
            from .service import LocalRuntimeService

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
            return self._session.run(self._program_id, inputs, options=runtime_options, callback=callback)
        if self._backend_name is not None:
            runtime_options["backend_name"] = self._backend_name
        return self.service.run(self._program_id, inputs, options=runtime_options, callback=callback)

    def _pick_style(self, positional: Any, kwargs: dict[str, Any], seed_args_given: bool) -> tuple[bool, Any]:
        """(is V2, the circuits or pubs) for one ``run`` call.

        ``pubs=`` means V2 and ``circuits=`` the seeds' style, whatever the
        constructor said; so do seed-only arguments (``parameter_values``,
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
        if seed_args_given:
            return False, positional
        return self._v2 or _looks_like_pubs(positional), positional

    def __repr__(self) -> str:
        where = f"session={self._session.session_id}" if self._session else f"backend={self._backend_name!r}"
        return f"<{type(self).__name__} {where}>"


def _default_resilience(backend_name: str | None) -> int | None:
    """IBM's defaults: readout mitigation on devices, none on ideal simulators."""
    if backend_name is None:
        return None  # the service picks the backend; let the program decide
    from .backends import catalog

    info = catalog().get(backend_name)
    if info is None:
        return None  # unknown name: the service will say so
    return 0 if info.simulator else 1


class Sampler(_RuntimePrimitive):
    """Sample circuits on the local runtime; every call is a ``sampler`` program job.

    ``Sampler(backend=None, session=None, options=None, mode=None)``: give a
    session (its jobs get the session's priority), or a backend (a name, a
    backend from the service, or a qiskit fake backend), or neither — then the
    session of an enclosing ``with Session(...)`` block is used, else the
    default service's least busy backend.
    """

    _program_id = "sampler"
    _max_resilience = 1

    def run(
        self,
        circuits: Any = None,
        /,
        parameter_values: Any = None,
        *,
        shots: int | None = None,
        callback: Callable | None = None,
        **kwargs: Any,
    ) -> "RuntimeJob":
        """Submit a sampler job and return its :class:`RuntimeJob` at once.

        Seeds' style: ``run(circuits, parameter_values=None, callback=None, **options)``
        → ``job.result()`` is a ``SamplerResult`` with one quasi-distribution
        per circuit. Option overrides for this job go in ``**options``
        (``shots=``, ``optimization_level=``, ``skip_transpilation=``, …).

        V2 style: ``run(pubs, shots=None)`` → a ``PrimitiveResult`` with one
        pub result per pub (``result[0].data.meas.get_counts()``).

        The first argument may be given by keyword as ``circuits=`` (seeds'
        style) or ``pubs=`` (V2), which settles the style; given positionally it
        follows the constructor (``mode=`` → V2).

        ``callback(job_id, message)`` receives the job's interim results as
        they are published.
        """
        v2, items = self._pick_style(circuits, kwargs, parameter_values is not None)
        if v2:
            return self._run_pubs(items, shots, callback, kwargs)
        if shots is not None:
            kwargs["shots"] = shots
        options, extra = self._resolved(kwargs)
        circuits = _as_circuits(items)
        for i, circuit in enumerate(circuits):
            if not _has_measurements(circuit):
                raise _input_error(
                    f"circuits[{i}] has no measurements, so there is nothing to sample; "
                    "add measure_all()."
                )
        inputs = {
            "circuits": circuits,
            "parameter_values": _as_parameter_values(parameter_values, circuits),
            **self._transpile_inputs(options),
            **extra,
        }
        if options.execution.shots is not None:  # None: the program's default
            inputs["shots"] = options.execution.shots
        return self._submit(inputs, options, callback)

    def _run_pubs(self, pubs: Any, shots: int | None, callback: Callable | None, kwargs: dict) -> "RuntimeJob":
        from qiskit.primitives.containers.sampler_pub import SamplerPub

        options, extra = self._resolved(kwargs)
        if pubs is None:
            raise _input_error("No pubs given.")
        if shots is None:
            shots = options.execution.shots
        # Coerced here, in the kernel, so a malformed pub is an error now, not a failed job.
        coerced = [SamplerPub.coerce(pub, shots) for pub in _pub_list(pubs)]
        for i, pub in enumerate(coerced):
            if pub.circuit.num_clbits == 0:  # as qiskit-ibm-runtime's SamplerV2 checks
                raise _input_error(
                    f"pubs[{i}]'s circuit has no classical bits, so there is nothing to sample; "
                    "add measure_all()."
                )
        inputs = {"pubs": coerced, **self._transpile_inputs(options), **extra}
        if shots is not None:  # pubs without shots of their own get these
            inputs["shots"] = shots
        inputs.pop("resilience_level", None)  # V2 Sampler has no resilience levels
        return self._submit(inputs, options, callback)


class Estimator(_RuntimePrimitive):
    """Estimate expectation values on the local runtime; every call is an ``estimator`` program job.

    Constructed like :class:`Sampler`.
    """

    _program_id = "estimator"
    _max_resilience = 1

    def run(
        self,
        circuits: Any = None,
        /,
        observables: Any = None,
        parameter_values: Any = None,
        *,
        precision: float | None = None,
        callback: Callable | None = None,
        **kwargs: Any,
    ) -> "RuntimeJob":
        """Submit an estimator job and return its :class:`RuntimeJob` at once.

        Seeds' style: ``run(circuits, observables, parameter_values=None, **options)``
        → an ``EstimatorResult`` with one value per (circuit, observable) pair
        and its variance and shots in ``metadata``.

        V2 style: ``run(pubs, precision=None)`` with pubs ``(circuit, observables[, values[, precision]])``
        → a ``PrimitiveResult`` (``result[0].data.evs``, ``.stds``).

        ``circuits=`` / ``pubs=`` by keyword settle the style as for :meth:`Sampler.run`.
        """
        v2, items = self._pick_style(
            circuits, kwargs, observables is not None or parameter_values is not None
        )
        if v2:
            return self._run_pubs(items, precision, callback, kwargs)
        options, extra = self._resolved(kwargs)
        circuits = _as_circuits(items)
        inputs = {
            "circuits": circuits,
            "observables": _as_observables(observables, circuits),
            "parameter_values": _as_parameter_values(parameter_values, circuits),
            "shots": options.execution.shots,
            **self._transpile_inputs(options),
            **extra,
        }
        return self._submit(inputs, options, callback)

    def _run_pubs(self, pubs: Any, precision: float | None, callback: Callable | None, kwargs: dict) -> "RuntimeJob":
        from qiskit.primitives.containers.estimator_pub import EstimatorPub

        options, extra = self._resolved(kwargs)
        if pubs is None:
            raise _input_error("No pubs given.")
        coerced = [EstimatorPub.coerce(pub, precision) for pub in _pub_list(pubs)]
        inputs = {"pubs": coerced, **self._transpile_inputs(options), **extra}
        if precision is not None:
            inputs["precision"] = precision
        elif options.execution.shots is not None:
            # no precision asked: execution.shots sets it (1/sqrt(shots)), as in the seeds' style
            inputs["shots"] = options.execution.shots
        return self._submit(inputs, options, callback)


def _pub_list(pubs: Any) -> list:
    """A single pub (a bare circuit, or one tuple whose first item is a circuit) becomes a list."""
    from qiskit import QuantumCircuit

    if isinstance(pubs, QuantumCircuit):
        return [pubs]
    if isinstance(pubs, tuple) and pubs and isinstance(pubs[0], QuantumCircuit):
        return [pubs]
    return list(pubs)
