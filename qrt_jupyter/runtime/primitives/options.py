"""``Options`` of the primitives, shaped as qiskit-ibm-runtime's first ``Options`` were.

Three groups (``execution``, ``transpilation``, ``environment``) and the top-level
``optimization_level``, ``resilience_level`` and ``max_execution_time``; a flat
``update(shots=...)`` finds the group a field belongs to. Checked when a job is
submitted, with the client's own ``IBMInputValueError``.
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass, field, fields
from typing import Any, Callable

from ..programs import DEFAULT_SHOTS


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
    ``callback``: ``callback(job_id, message)`` for the job's interim results and then its
    final result, as V1 code passed it through options; a ``callback=`` given to ``run`` wins.
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
    """Options of the V1 primitives, grouped as qiskit-ibm-runtime grouped them.

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
