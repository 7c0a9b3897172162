"""The ``estimator`` program: expectation values of observables on circuits' states.

Both input styles share one engine that works the way a device must: each circuit is
transpiled once (its observables follow its layout), each parameter set is bound into the
compiled circuit, each observable's Paulis are grouped qubit-wise, and each group is measured
in its basis on the backend. Values and variances come from the counts, readout-mitigated
with mthree at ``resilience_level=1`` on noisy backends, for V1-style ``circuits`` /
``observables`` style and for V2 ``pubs`` alike (IBM's EstimatorV2 also mitigates readout at
level 1). ``shots=None`` in V1 style on a noiseless simulator gives exact values.
"""

from __future__ import annotations

import math

from .. import DEFAULT_SHOTS
from . import _common as c

RESULT_DECODER = "qrt_jupyter.runtime.results:EstimatorResultDecoder"

_OBSERVABLE = {
    "description": "A Pauli string, {pauli: coeff}, [[pauli, coeff], ...] or SparsePauliOp.",
    "anyOf": [
        {"type": "string", "pattern": "^[IXYZ]+$"},
        {"type": "object"},
        {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2}},
    ],
}

METADATA = c.program_metadata(
    name="estimator",
    description="Expectation values of observables (Estimator primitive).",
    parameters={
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
                "(V1 style, noiseless simulator only).",
            },
            "run_options": c.RUN_OPTIONS,
            "optimization_level": c.OPTIMIZATION_LEVEL,
            "resilience_level": c.RESILIENCE_LEVEL,
            "skip_transpilation": c.SKIP_TRANSPILATION,
            "seed_transpiler": c.SEED_TRANSPILER,
            "pubs": c.PUBS,
            "precision": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "V2: target standard error; shots = ceil(1 / precision²).",
            },
        },
        "anyOf": [
            {"required": ["circuits", "observables"], "not": {"required": ["pubs"]}},
            {"required": ["pubs"], "not": {"required": ["circuits"]}},
        ],
    },
    return_values={
        "description": "V1 style: values and per-value metadata (variance, shots). "
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
)


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
    shots = run_options.pop("shots", shots)
    engine = _Engine(backend, run_options, optimization_level, skip_transpilation,
                     seed_transpiler, mitigate=resilience_level >= 1 and c.is_noisy(backend))
    if pubs is not None:
        if precision is None:
            precision = 1.0 / math.sqrt(int(shots or DEFAULT_SHOTS))
        return _run_pubs(engine, pubs, precision)

    pairs = _pairs(c.as_list(circuits), _observable_list(observables), circuit_indices,
                   observable_indices)
    rows = c.parameter_rows(parameter_values, len(pairs))
    if shots is None:
        if c.is_noisy(backend):
            raise ValueError("shots=None (exact values) needs a noiseless simulator")
        return _exact(pairs, rows)
    shots = int(shots)
    tasks = [_Task(circuit, row, observable, shots)
             for (circuit, observable), row in zip(pairs, rows)]
    values, metadata = [], []
    for value, variance, overhead in engine.estimate(tasks):
        meta = {"variance": variance, "shots": shots}
        if overhead is not None:
            meta["readout_mitigation_overhead"] = overhead
        values.append(value)
        metadata.append(meta)
    return {"values": values, "metadata": metadata}


# --------------------------------------------------------------------------- inputs


def _observable_list(observables) -> list:
    from qiskit.quantum_info import SparsePauliOp

    if isinstance(observables, (str, dict, SparsePauliOp)) or _is_pair_list(observables):
        observables = [observables]
    return [to_sparse_pauli_op(obs) for obs in c.as_list(observables)]


def _is_pair_list(value) -> bool:
    """``[["ZZ", 1.0], ["XX", 0.5]]`` is one observable, not two."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, (list, tuple)) and len(v) == 2 and isinstance(v[0], str)
                for v in value)
    )


def to_sparse_pauli_op(observable):
    """Any way a user (or an ``ObservablesArray`` element) writes an observable, as Paulis."""
    from qiskit.quantum_info import Pauli, SparseObservable, SparsePauliOp

    if isinstance(observable, SparsePauliOp):
        return observable
    if isinstance(observable, SparseObservable):
        return SparsePauliOp.from_sparse_observable(observable)
    if isinstance(observable, (str, Pauli)):
        return SparsePauliOp(observable)
    if isinstance(observable, dict):
        items = list(observable.items())
        try:
            return SparsePauliOp.from_list(items)
        except Exception:  # noqa: BLE001 - projector labels such as "0" or "+"
            return SparsePauliOp.from_sparse_observable(SparseObservable.from_list(items))
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


def _exact(pairs, rows) -> dict:
    """Statevector values and variances ``<O²> - <O>²``, as qiskit's reference Estimator."""
    from qiskit.quantum_info import Statevector

    values, metadata = [], []
    for (circuit, observable), row in zip(pairs, rows):
        _check_width(circuit, observable)
        state = Statevector(c.bind(circuit.remove_final_measurements(inplace=False), row))
        value = float(state.expectation_value(observable).real)
        square = float(state.expectation_value(observable.dot(observable).simplify()).real)
        values.append(value)
        metadata.append({"variance": max(0.0, square - value**2), "shots": None})
    return {"values": values, "metadata": metadata}


def _check_width(circuit, observable) -> None:
    if observable.num_qubits != circuit.num_qubits:
        hint = ("; lay it out on the transpiled circuit's qubits first: "
                "observable.apply_layout(circuit.layout)") if circuit.layout is not None else ""
        raise ValueError(
            f"observable on {observable.num_qubits} qubits for circuit {circuit.name!r} "
            f"on {circuit.num_qubits}{hint}"
        )


# --------------------------------------------------------------------------- V2


def _run_pubs(engine: "_Engine", pubs, precision: float):
    import numpy as np
    from qiskit.primitives import PrimitiveResult, PubResult
    from qiskit.primitives.containers import DataBin
    from qiskit.primitives.containers.estimator_pub import EstimatorPub

    coerced = [EstimatorPub.coerce(c.coerce_pub(pub), precision) for pub in pubs]
    tasks, layout = [], []
    for pub in coerced:
        shots = math.ceil(1.0 / pub.precision**2 - 1e-9)  # 1/(1/√n)² is n up to rounding
        values = pub.parameter_values.as_array(pub.circuit.parameters)
        shape = pub.shape
        obs_index = np.broadcast_to(
            np.arange(pub.observables.size).reshape(pub.observables.shape), shape)
        row_index = np.broadcast_to(
            np.arange(pub.parameter_values.size).reshape(pub.parameter_values.shape), shape)
        flat_obs = pub.observables.ravel()
        flat_rows = (values.reshape(-1, pub.circuit.num_parameters)
                     if pub.circuit.num_parameters else [None] * pub.parameter_values.size)
        start = len(tasks)
        for index in np.ndindex(shape):
            row = flat_rows[row_index[index]]
            tasks.append(_Task(pub.circuit, None if row is None else list(row),
                               to_sparse_pauli_op(flat_obs[obs_index[index]]), shots))
        layout.append((pub, shape, shots, start))

    estimates = engine.estimate(tasks)
    results = []
    for pub, shape, shots, start in layout:
        chunk = estimates[start:start + math.prod(shape)]
        evs = np.array([value for value, _, _ in chunk], dtype=float).reshape(shape)
        stds = np.sqrt(np.array([var for _, var, _ in chunk], dtype=float) / shots)
        metadata = {"target_precision": pub.precision, "shots": shots,
                    "circuit_metadata": dict(pub.circuit.metadata or {})}
        overheads = [o for _, _, o in chunk if o is not None]
        if overheads:
            metadata["readout_mitigation_overhead"] = max(overheads)
        data = DataBin(evs=evs, stds=stds.reshape(shape), shape=shape)
        results.append(PubResult(data, metadata=metadata))
    return PrimitiveResult(results, metadata={"version": 2})


# --------------------------------------------------------------------------- engine


class _Task:
    """One expectation value to estimate: a circuit, its parameter values, an observable."""

    __slots__ = ("circuit", "row", "observable", "shots")

    def __init__(self, circuit, row, observable, shots: int):
        self.circuit, self.row, self.observable, self.shots = circuit, row, observable, shots


class _Engine:
    """Measure observables on a backend: compile once, bind, rotate into each basis, count."""

    def __init__(self, backend, run_options, optimization_level, skip_transpilation,
                 seed_transpiler, mitigate: bool):
        self.backend = backend
        self.run_options = run_options
        self.transpile_args = (optimization_level, skip_transpilation, seed_transpiler)
        self.skip_transpilation = skip_transpilation
        self.mitigate = mitigate
        self.native = set(getattr(backend.target, "operation_names", ()) or ())

    def estimate(self, tasks: list[_Task]) -> list[tuple[float, float, float | None]]:
        """``(value, variance, mitigation overhead or None)`` per task, in order."""
        compiled = c.compile_unique([t.circuit for t in tasks], self.backend,
                                    *self.transpile_args, remove_measurements=True)
        plans = []
        for task in tasks:
            _check_width(task.circuit, task.observable)
            isa = compiled[id(task.circuit)]
            state = c.bind_compiled(task.circuit, isa, task.row)
            observable = task.observable
            # an ISA circuit given as it is comes with its observable laid out already, as
            # IBM's V2 clients send them; only a circuit compiled here moves its observable
            if not self.skip_transpilation and (isa.layout is not None
                                                or isa.num_qubits != observable.num_qubits):
                observable = observable.apply_layout(isa.layout, isa.num_qubits)
            plans.append(self._measurement_plan(state, observable))

        circuits = [circuit for plan in plans for circuit, _ in plan]
        shots = [task.shots for task, plan in zip(tasks, plans) for _ in plan]
        all_counts = self._run(circuits, shots)
        mitigator = c.ReadoutMitigator(self.backend, circuits) if self.mitigate else None

        out, index = [], 0
        for plan in plans:
            value = variance = 0.0
            overheads = []
            for _, terms in plan:
                if mitigator is None:
                    dist = c.probabilities(all_counts[index])
                else:
                    dist, overhead = mitigator.correct(all_counts[index], index)
                    overheads.append(overhead)
                index += 1
                for coeff, mask in terms:
                    expval = _parity_expectation(dist, mask)
                    value += (coeff * expval).real
                    variance += abs(coeff) ** 2 * max(0.0, 1.0 - expval**2)
            out.append((float(value), float(variance), max(overheads) if overheads else None))
        return out

    def _run(self, circuits: list, shots: list[int]) -> list[dict[int, int]]:
        """One ``backend.run`` per distinct shot count, results back in circuit order."""
        counts: list = [None] * len(circuits)
        for n in sorted(set(shots)):
            indices = [i for i, s in enumerate(shots) if s == n]
            batch = c.run_counts(self.backend, [circuits[i] for i in indices], n,
                                 self.run_options)
            for i, result in zip(indices, batch):
                counts[i] = result
        return counts

    def _measurement_plan(self, state, observable) -> list:
        """One circuit per qubit-wise commuting group: ``[(circuit, [(coeff, mask)])]``.

        Each Pauli's value is the parity of the clbits in its mask. Basis changes are written
        in the backend's own gates when it lacks ``h``/``sdg`` (``rz``·``sx``), so the
        circuits stay runnable on a device without another transpilation.
        """
        import numpy as np
        from qiskit.circuit import ClassicalRegister

        plan = []
        for group in observable.group_commuting(qubit_wise=True):
            paulis = group.paulis
            support = [int(q) for q in np.flatnonzero(np.any(paulis.x | paulis.z, axis=0))]
            circuit = state.copy(name=f"{state.name}_basis{len(plan)}")
            offset = circuit.num_clbits  # outcomes include earlier clbits: skip past them
            register = ClassicalRegister(max(1, len(support)), "basis")
            circuit.add_register(register)
            for clbit, qubit in enumerate(support):
                x, z = bool(np.any(paulis.x[:, qubit])), bool(np.any(paulis.z[:, qubit]))
                self._rotate_to_z(circuit, qubit, "Y" if x and z else "X" if x else "Z")
                circuit.measure(qubit, register[clbit])
            if not support:  # identities only: any outcome has parity +1
                circuit.measure(0, register[0])
            terms = []
            for pauli, coeff in zip(paulis, group.coeffs):
                mask = sum(1 << (offset + clbit) for clbit, qubit in enumerate(support)
                           if pauli.x[qubit] or pauli.z[qubit])
                terms.append((complex(coeff), mask))
            plan.append((circuit, terms))
        return plan

    def _rotate_to_z(self, circuit, qubit: int, basis: str) -> None:
        half_pi = math.pi / 2
        if basis == "Z":
            return
        if {"h", "sdg"} <= self.native or not {"rz", "sx"} <= self.native:
            if basis == "Y":
                circuit.sdg(qubit)
            circuit.h(qubit)
        elif basis == "X":  # H = RZ(π/2)·SX·RZ(π/2) up to a global phase
            circuit.rz(half_pi, qubit)
            circuit.sx(qubit)
            circuit.rz(half_pi, qubit)
        else:  # H·Sdg = RZ(π/2)·SX
            circuit.sx(qubit)
            circuit.rz(half_pi, qubit)


def _parity_expectation(dist: dict[int, float], mask: int) -> float:
    """``sum_b p(b) (-1)^{popcount(b & mask)}``: a Pauli's value from basis-rotated counts."""
    if mask == 0:
        return float(sum(dist.values()))
    return float(sum(-p if (outcome & mask).bit_count() & 1 else p
                     for outcome, p in dist.items()))
