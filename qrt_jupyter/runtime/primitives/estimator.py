"""``Estimator``: expectation values (V1 style) or V2 pub results, from the ``estimator`` program."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .base import _RuntimePrimitive
from .inputs import _as_circuits, _as_observables, _as_parameter_values, _pub_list
from .options import _input_error

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..jobs import RuntimeJob


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

        V1 style: ``run(circuits, observables, parameter_values=None, **options)``
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
            # no precision asked: execution.shots sets it (1/sqrt(shots)), as in V1 style
            inputs["shots"] = options.execution.shots
        return self._submit(inputs, options, callback)
