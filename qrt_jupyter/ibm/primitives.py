"""``sampler`` and ``estimator`` on IBM Quantum: the V2 primitives of the client.

IBM's service only accepts ISA circuits (already mapped to the device's qubits
and basis gates) and only runs its own primitives. ``%qrt_run sampler`` users
write the same inputs as for the local runtime — V2 ``pubs`` or the V1 style
``circuits`` / ``observables`` / ``parameter_values`` — so this module turns
those into pubs, transpiles them for the chosen device with qiskit's preset
pass manager (unless ``skip_transpilation``), maps observables through the
layout, and submits with ``SamplerV2`` / ``EstimatorV2``. The result is the
client's ``RuntimeJobV2``, whose ``result()`` is a ``PrimitiveResult``.

The client deprecates ``SamplerV2``/``EstimatorV2`` in favour of its new
client-side executor primitives; they are still the ones that run on every
IBM backend today, so we use them and silence only that deprecation notice
(the user did not write the call it warns about).
"""

from __future__ import annotations

import warnings
from typing import Any

from qiskit_ibm_runtime.exceptions import IBMInputValueError

PRIMITIVE_IDS = ("sampler", "estimator")

_COMMON = {
    "optimization_level": {"type": "integer", "minimum": 0, "maximum": 3, "default": 1,
                           "description": "preset pass manager level used to make ISA circuits"},
    "skip_transpilation": {"type": "boolean", "default": False,
                           "description": "circuits are already ISA circuits of the backend"},
    "shots": {"type": "integer", "minimum": 1, "description": "shots per pub (default: the primitive's)"},
    "circuit_indices": {"type": "array", "description": "V1 style: circuit of each parameter set"},
    "parameter_values": {"type": "array", "description": "V1 style: one list of values per circuit"},
    "circuits": {"description": "V1 style: a QuantumCircuit or a list of them"},
    "pubs": {"type": "array", "description": "V2 primitive unified blocs"},
    "primitive_options": {"type": "object",
                          "description": "SamplerOptions / EstimatorOptions fields, e.g. twirling"},
    "run_options": {"type": "object", "description": "V1 style; only 'shots' is used"},
}

PARAMETERS = {
    "sampler": {
        "type": "object",
        "properties": dict(_COMMON),
    },
    "estimator": {
        "type": "object",
        "properties": dict(
            _COMMON,
            observables={"description": "V1 style: one observable (or list) per circuit"},
            observable_indices={"type": "array", "description": "V1 style: observable of each circuit"},
            precision={"type": "number", "description": "target precision of the expectation values"},
            resilience_level={"type": "integer", "minimum": 0, "maximum": 2,
                              "description": "IBM's error mitigation level"},
        ),
    },
}
# The V1 sampler's readout mitigation switch: accepted so V1 code runs; IBM's V2
# sampler has no resilience levels, so it has no effect there.
PARAMETERS["sampler"]["properties"]["resilience_level"] = {
    "type": "integer", "minimum": 0, "maximum": 1, "description": "ignored by IBM's V2 sampler"}

DESCRIPTIONS = {
    "sampler": "IBM Quantum Sampler V2: quasi-probabilities / bit strings of ISA circuits.",
    "estimator": "IBM Quantum Estimator V2: expectation values of observables, with error mitigation.",
}


def _listify(value: Any) -> list:
    from qiskit import QuantumCircuit

    if value is None:
        return []
    if isinstance(value, (QuantumCircuit, str, tuple)) or not isinstance(value, (list,)):
        return [value]
    return list(value)


def _check_keys(program_id: str, inputs: dict) -> None:
    unknown = sorted(set(inputs) - set(PARAMETERS[program_id]["properties"]))
    if unknown:
        raise IBMInputValueError(
            f"{program_id} on IBM Quantum does not take {', '.join(unknown)}; it takes "
            f"{', '.join(sorted(PARAMETERS[program_id]['properties']))}."
        )


def _shots(inputs: dict) -> int | None:
    shots = inputs.get("shots")
    if shots is None:
        shots = (inputs.get("run_options") or {}).get("shots")
    return None if shots is None else int(shots)


def _v1_circuits(program_id: str, inputs: dict) -> list:
    circuits = _listify(inputs.get("circuits"))
    if not circuits:
        raise IBMInputValueError(f"{program_id} needs 'pubs' or 'circuits'.")
    indices = inputs.get("circuit_indices")
    if indices is not None:
        try:
            circuits = [circuits[i] for i in indices]
        except (IndexError, TypeError):
            raise IBMInputValueError(
                f"circuit_indices {indices!r} do not index the {len(circuits)} circuits given."
            ) from None
    return circuits


def _per_circuit(name: str, values: Any, count: int) -> list:
    if values is None:
        return [None] * count
    values = list(values)
    if len(values) != count:
        raise IBMInputValueError(
            f"{name} has {len(values)} entries for {count} circuits; give one per circuit."
        )
    return values


def build_pubs(program_id: str, inputs: dict) -> list:
    """Coerced ``SamplerPub`` / ``EstimatorPub`` objects from either input style."""
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    _check_keys(program_id, inputs)
    if inputs.get("pubs") is not None:
        raw = _listify(inputs["pubs"])
    else:
        circuits = _v1_circuits(program_id, inputs)
        values = _per_circuit("parameter_values", inputs.get("parameter_values"), len(circuits))
        if program_id == "sampler":
            raw = [(c,) if not v else (c, v) for c, v in zip(circuits, values)]
        else:
            observables = _listify(inputs.get("observables"))
            if not observables:
                raise IBMInputValueError("estimator needs 'observables' with 'circuits' (or give 'pubs').")
            indices = inputs.get("observable_indices")
            if indices is not None:
                observables = [observables[i] for i in indices]
            elif len(observables) == 1 and len(circuits) > 1:
                observables = observables * len(circuits)
            observables = _per_circuit("observables", observables, len(circuits))
            raw = [(c, o) if not v else (c, o, v) for c, o, v in zip(circuits, observables, values)]
    try:
        if program_id == "sampler":
            return [SamplerPub.coerce(pub, _shots(inputs)) for pub in raw]
        return [EstimatorPub.coerce(pub, inputs.get("precision")) for pub in raw]
    except (TypeError, ValueError) as exc:
        raise IBMInputValueError(f"{program_id} inputs are not valid pubs: {exc}") from None


def to_isa(pubs: list, backend: Any, optimization_level: int = 1) -> list:
    """The pubs with circuits transpiled for ``backend`` and observables laid out to match."""
    from qiskit.primitives.containers.estimator_pub import EstimatorPub
    from qiskit.primitives.containers.sampler_pub import SamplerPub
    from qiskit.transpiler import generate_preset_pass_manager

    manager = generate_preset_pass_manager(optimization_level=optimization_level, backend=backend)
    circuits = manager.run([pub.circuit for pub in pubs])
    isa_pubs = []
    for pub, circuit in zip(pubs, circuits):
        if isinstance(pub, SamplerPub):
            isa_pubs.append(SamplerPub(circuit, pub.parameter_values, pub.shots))
        else:
            observables = pub.observables.apply_layout(circuit.layout, circuit.num_qubits)
            isa_pubs.append(EstimatorPub(circuit, observables, pub.parameter_values, pub.precision))
    return isa_pubs


def primitive_options(program_id: str, inputs: dict, runtime_options: dict) -> dict:
    """``SamplerOptions``/``EstimatorOptions`` fields from inputs and runtime options."""
    options = dict(inputs.get("primitive_options") or {})
    shots = _shots(inputs)
    if shots is not None:
        options.setdefault("default_shots", shots)
    if program_id == "estimator" and inputs.get("resilience_level") is not None:
        options.setdefault("resilience_level", int(inputs["resilience_level"]))
    if runtime_options.get("max_execution_time"):
        options.setdefault("max_execution_time", int(runtime_options["max_execution_time"]))
    environment = dict(options.get("environment") or {})
    if runtime_options.get("job_tags"):
        environment.setdefault("job_tags", list(runtime_options["job_tags"]))
    if runtime_options.get("log_level"):
        environment.setdefault("log_level", str(runtime_options["log_level"]).upper())
    if environment:
        options["environment"] = environment
    return options


def required_qubits(program_id: str, inputs: dict) -> int:
    """The widest circuit in the inputs, so "least busy" picks a device it fits on."""
    try:
        return max((pub.circuit.num_qubits for pub in build_pubs(program_id, inputs)), default=0)
    except IBMInputValueError:
        return 0


def submit(program_id: str, inputs: dict, backend: Any, runtime_options: dict | None = None):
    """Run ``sampler``/``estimator`` on IBM ``backend``; returns the client's ``RuntimeJobV2``."""
    from qiskit_ibm_runtime import EstimatorV2, SamplerV2

    runtime_options = runtime_options or {}
    pubs = build_pubs(program_id, inputs)
    if not inputs.get("skip_transpilation"):
        pubs = to_isa(pubs, backend, int(inputs.get("optimization_level", 1)))
    cls = SamplerV2 if program_id == "sampler" else EstimatorV2
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"The (Sampler|Estimator)V2 class is deprecated",
                                category=DeprecationWarning)
        primitive = cls(mode=backend, options=primitive_options(program_id, inputs, runtime_options))
        return primitive.run(pubs)
