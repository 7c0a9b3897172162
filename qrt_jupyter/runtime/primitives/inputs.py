"""The primitives' inputs in V1 style (circuits, parameter values, observables) and V2 pubs,
made into what the built-in programs take; every mistake is an error before a job is queued."""

from __future__ import annotations

import numbers
from typing import Any

from .options import _input_error


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


def _pub_list(pubs: Any) -> list:
    """A single pub (a bare circuit, or one tuple whose first item is a circuit) becomes a list."""
    from qiskit import QuantumCircuit

    if isinstance(pubs, QuantumCircuit):
        return [pubs]
    if isinstance(pubs, tuple) and pubs and isinstance(pubs[0], QuantumCircuit):
        return [pubs]
    return list(pubs)
