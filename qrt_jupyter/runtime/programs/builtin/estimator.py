"""The ``estimator`` program: expectation values of observables on circuits' states.

Seed style (``circuits``, ``observables``, ``parameter_values``) is computed the way a device
must: each observable's Paulis are grouped qubit-wise, each group is measured in its basis on
the backend, and values and variances come from the counts (readout-mitigated with mthree at
``resilience_level=1``). ``shots=None`` on a noiseless simulator gives exact values instead.
V2 ``pubs`` run through qiskit's ``BackendEstimatorV2`` on the same backend.
"""

from __future__ import annotations

from . import _common as c

RESULT_DECODER = "qrt_jupyter.runtime.results:EstimatorResultDecoder"

DEFAULT_SHOTS = 4000
"""qiskit-ibm-runtime's default for the estimator: about 1.6 % standard error on a Pauli."""

_OBSERVABLE = {
    "description": "A Pauli string, {pauli: coeff}, [[pauli, coeff], ...] or SparsePauliOp.",
    "anyOf": [
        {"type": "string", "pattern": "^[IXYZ]+$"},
        {"type": "object"},
        {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2}},
    ],
}

METADATA = {
    "name": "estimator",
    "description": "Expectation values of observables (Estimator primitive).",
    "max_execution_time": 10800,
    "version": "1.0",
    "spec": {
        "backend_requirements": {"min_num_qubits": 1},
        "parameters": {
            "$schema": c.JSON_SCHEMA,
            "type": "object",
            "properties": {
                "circuits": c.CIRCUITS,
                "observables": {
                    "description": "One observable per circuit (or one for all circuits, "
                    "or one circuit for all observables).",
                    "anyOf": [_OBSERVABLE, {"type": "array", "items": _OBSERVABLE}],
                },
                "parameter_values": c.PARAMETER_VALUES,
                "circuit_indices": c.INDICES,
                "observable_indices": c.INDICES,
                "shots": {
                    **c.SHOTS,
                    "type": ["integer", "null"],
                    "default": DEFAULT_SHOTS,
                    "description": "Shots per measured basis; null: exact values "
                    "(noiseless simulator only).",
                },
                "run_options": c.RUN_OPTIONS,
                "optimization_level": c.OPTIMIZATION_LEVEL,
                "resilience_level": c.RESILIENCE_LEVEL,
                "skip_transpilation": c.SKIP_TRANSPILATION,
                "seed_transpiler": c.SEED_TRANSPILER,
                "pubs": c.PUBS,
                "precision": {"type": "number", "exclusiveMinimum": 0},
            },
            "anyOf": [
                {"required": ["circuits", "observables"], "not": {"required": ["pubs"]}},
                {"required": ["pubs"], "not": {"required": ["circuits"]}},
            ],
        },
        "return_values": {
            "$schema": c.JSON_SCHEMA,
            "description": "Seed style: values and per-value metadata (variance, shots). "
            "V2 style: a PrimitiveResult with evs and stds.",
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "values": {"type": "array", "items": {"type": "number"}},
                        "metadata": {"type": "array", "items": {"type": "object"}},
                    },
                    "required": ["values", "metadata"],
                },
                c.PRIMITIVE_RESULT,
            ],
        },
        "interim_results": {"$schema": c.JSON_SCHEMA, "description": "None."},
    },
}


def main(
    backend,
    user_messenger,
    circuits=None,
    observables=None,
    parameter_values=None,
    circuit_indices=None,
    observable_indices=None,
    shots=DEFAULT_SHOTS,
    run_options=None,
    optimization_level=1,
    resilience_level=0,
    skip_transpilation=False,
    seed_transpiler=None,
    pubs=None,
    precision=None,
    **_ignored,
):
    """Estimate ``<observable>`` for each (circuit, observable) pair on ``backend``."""
    run_options = dict(run_options or {})
    shots = run_options.get("shots", shots)
    if pubs is not None:
        return _run_pubs(backend, pubs, precision, shots, run_options, optimization_level,
                         skip_transpilation, seed_transpiler)
    pairs = _pairs(c.as_list(circuits), _observable_list(observables), circuit_indices,
                   observable_indices)
    rows = c.parameter_rows(parameter_values, len(pairs))
    states = [c.bind(circuit.remove_final_measurements(inplace=False), row)
              for (circuit, _), row in zip(pairs, rows)]
    for state, (_, observable) in zip(states, pairs):
        if observable.num_qubits != state.num_qubits:
            raise ValueError(
                f"observable on {observable.num_qubits} qubits for a circuit "
                f"{state.name!r} on {state.num_qubits}"
            )
    if shots is None:
        if c.is_noisy(backend):
            raise ValueError("shots=None (exact values) needs a noiseless simulator")
        return _exact(states, [obs for _, obs in pairs])
    return _measured(backend, states, [obs for _, obs in pairs], int(shots), run_options,
                     optimization_level, resilience_level, skip_transpilation, seed_transpiler)


def _observable_list(observables) -> list:
    from qiskit.quantum_info import SparsePauliOp

    if isinstance(observables, (str, dict, SparsePauliOp)) or _is_pair_list(observables):
        observables = [observables]
    return [_to_sparse_pauli_op(obs) for obs in c.as_list(observables)]


def _is_pair_list(value) -> bool:
    """``[["ZZ", 1.0], ["XX", 0.5]]`` is one observable, not two."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[0], str)
                for v in value)
    )


def _to_sparse_pauli_op(observable):
    from qiskit.quantum_info import Pauli, SparsePauliOp

    if isinstance(observable, SparsePauliOp):
        return observable
    if isinstance(observable, (str, Pauli)):
        return SparsePauliOp(observable)
    if isinstance(observable, dict):
        return SparsePauliOp.from_list(list(observable.items()))
    if isinstance(observable, (list, tuple)):
        return SparsePauliOp.from_list([tuple(item) for item in observable])
    return SparsePauliOp(observable)


def _pairs(circuits, observables, circuit_indices, observable_indices) -> list:
    """(circuit, observable) pairs: by explicit indices, element-wise, or by broadcasting."""
    if circuit_indices is not None or observable_indices is not None:
        ci = circuit_indices if circuit_indices is not None else range(len(circuits))
        oi = observable_indices if observable_indices is not None else range(len(observables))
        if len(ci) != len(oi):
            raise ValueError("circuit_indices and observable_indices differ in length")
        return [(circuits[i], observables[j]) for i, j in zip(ci, oi)]
    if len(circuits) == len(observables):
        return list(zip(circuits, observables))
    if len(circuits) == 1:
        return [(circuits[0], obs) for obs in observables]
    if len(observables) == 1:
        return [(circuit, observables[0]) for circuit in circuits]
    raise ValueError(
        f"{len(circuits)} circuits and {len(observables)} observables cannot be paired"
    )


def _exact(states, observables) -> dict:
    from qiskit.quantum_info import Statevector

    values, metadata = [], []
    for state, observable in zip(states, observables):
        vector = Statevector(state)
        value = float(vector.expectation_value(observable).real)
        square = float(vector.expectation_value(observable.dot(observable).simplify()).real)
        values.append(value)
        metadata.append({"variance": max(0.0, square - value**2), "shots": None})
    return {"values": values, "metadata": metadata}


def _measured(backend, states, observables, shots, run_options, optimization_level,
              resilience_level, skip_transpilation, seed_transpiler) -> dict:
    plans = [_measurement_plan(state, observable)
             for state, observable in zip(states, observables)]
    circuits = [circuit for plan in plans for circuit, _ in plan]
    compiled = c.transpile(circuits, backend, optimization_level, skip_transpilation,
                           seed_transpiler)
    all_counts = c.run_counts(backend, compiled, shots, run_options)

    mitigator = None
    if resilience_level >= 1 and c.is_noisy(backend):
        mitigator = c.ReadoutMitigator(backend, compiled)

    values, metadata, index = [], [], 0
    for plan in plans:
        value = variance = 0.0
        overheads = []
        for _, group in plan:
            if mitigator is None:
                dist = c.probabilities(all_counts[index])
            else:
                dist, overhead = mitigator.correct(all_counts[index], index)
                overheads.append(overhead)
            index += 1
            for coeff, mask in group:
                expval = _parity_expectation(dist, mask)
                value += (coeff * expval).real
                variance += abs(coeff) ** 2 * max(0.0, 1.0 - expval**2)
        meta = {"variance": float(variance), "shots": shots}
        if mitigator is not None:
            meta["readout_mitigation_overhead"] = float(max(overheads, default=1.0))
        values.append(float(value))
        metadata.append(meta)
    return {"values": values, "metadata": metadata}


def _measurement_plan(state, observable) -> list:
    """One measurement circuit per qubit-wise commuting group of the observable's Paulis.

    Returns ``[(circuit, [(coeff, clbit_mask), ...]), ...]``: each Pauli's value is the parity
    of the clbits in its mask. Identity terms need no circuit and are folded into a group (or
    get an empty circuit of their own when the observable is only a constant).
    """
    from qiskit.circuit import ClassicalRegister

    plan = []
    for group in observable.group_commuting(qubit_wise=True):
        support = sorted({q for pauli in group.paulis for q in range(state.num_qubits)
                          if pauli.x[q] or pauli.z[q]})
        circuit = state.copy(name=f"{state.name}_meas{len(plan)}")
        offset = circuit.num_clbits  # outcomes count mid-circuit clbits too: skip past them
        register = ClassicalRegister(max(1, len(support)), "meas")
        circuit.add_register(register)
        for clbit, qubit in enumerate(support):
            x = any(p.x[qubit] for p in group.paulis)
            z = any(p.z[qubit] for p in group.paulis)
            if x and z:  # Y basis
                circuit.sdg(qubit)
                circuit.h(qubit)
            elif x:
                circuit.h(qubit)
            circuit.measure(qubit, register[clbit])
        if not support:  # only identities: measure something so the circuit is runnable
            circuit.measure(0, register[0])
        terms = []
        for pauli, coeff in zip(group.paulis, group.coeffs):
            mask = sum(1 << (offset + clbit) for clbit, qubit in enumerate(support)
                       if pauli.x[qubit] or pauli.z[qubit])
            terms.append((complex(coeff), mask))
        plan.append((circuit, terms))
    return plan


def _parity_expectation(dist: dict[int, float], mask: int) -> float:
    """``sum_b p(b) (-1)^{popcount(b & mask)}``: a Pauli's value from basis-rotated counts."""
    if mask == 0:
        return float(sum(dist.values()))
    return float(sum(-p if (outcome & mask).bit_count() & 1 else p
                     for outcome, p in dist.items()))


def _run_pubs(backend, pubs, precision, shots, run_options, optimization_level,
              skip_transpilation, seed_transpiler):
    import math

    from qiskit.primitives import BackendEstimatorV2
    from qiskit.primitives.containers.estimator_pub import EstimatorPub

    if precision is None:
        # precision from shots, nudged so BackendEstimatorV2's ceil(1/p**2) gives `shots`
        precision = (1.0 + 1e-9) / math.sqrt(int(shots or DEFAULT_SHOTS))
    coerced = [EstimatorPub.coerce(c.coerce_pub(pub), precision) for pub in pubs]
    compiled = c.transpile([pub.circuit for pub in coerced], backend, optimization_level,
                           skip_transpilation, seed_transpiler)
    isa_pubs = [
        EstimatorPub(
            circuit,
            pub.observables if skip_transpilation else pub.observables.apply_layout(
                circuit.layout, circuit.num_qubits
            ),
            pub.parameter_values,
            pub.precision,
        )
        for circuit, pub in zip(compiled, coerced)
    ]
    options = {"default_precision": precision}
    if "seed_simulator" in run_options:
        options["seed_simulator"] = run_options["seed_simulator"]
    return BackendEstimatorV2(backend=backend, options=options).run(isa_pubs).result()
