"""``Sampler``: quasi-distributions (V1 style) or V2 pub results, from the ``sampler`` program."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .base import _RuntimePrimitive
from .inputs import _as_circuits, _as_parameter_values, _has_measurements, _pub_list
from .options import _input_error

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..jobs import RuntimeJob


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

        V1 style: ``run(circuits, parameter_values=None, callback=None, **options)``
        → ``job.result()`` is a ``SamplerResult`` with one quasi-distribution
        per circuit. Option overrides for this job go in ``**options``
        (``shots=``, ``optimization_level=``, ``skip_transpilation=``, …).

        V2 style: ``run(pubs, shots=None)`` → a ``PrimitiveResult`` with one
        pub result per pub (``result[0].data.meas.get_counts()``).

        The first argument may be given by keyword as ``circuits=`` (V1
        style) or ``pubs=`` (V2), which settles the style; given positionally it
        follows the constructor (``mode=`` → V2).

        ``callback(job_id, message)`` receives the job's interim results as
        they are published, then its final result (as qiskit-ibm-runtime's did).
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
