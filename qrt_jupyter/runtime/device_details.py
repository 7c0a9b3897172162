"""A device's facts, read from its qiskit ``Target``: what a person compares devices by.

The one reader of a ``Target`` in the package: the dashboard draws what this
returns (``widgets/backends_view.py``) and computes nothing itself. It takes
any backend -- a qiskit ``BackendV2``, our ``LocalBackend`` or the IBM adapter's
``IBMBackendHandle`` (both expose the real object as ``qiskit_backend``) -- so a
fake device and a real IBM one are described alike. Building the real object
may take a second; call it off the kernel's thread when it matters.
"""

from __future__ import annotations

import statistics
from typing import Any

__all__ = ["TWO_QUBIT_GATES", "device_details"]

TWO_QUBIT_GATES = ("ecr", "cz", "cx")
"""The native two-qubit gates of IBM's devices, in the order one is looked for."""


def device_details(backend: Any, name: str | None = None, num_qubits: int | None = None,
                   simulator: bool | None = None) -> dict[str, Any]:
    """Plain, JSON-ready facts about ``backend``; None (or empty lists) where it has none.

    ``name``, ``num_qubits`` and ``simulator`` override what the backend says (the
    local catalog knows them without building it). The dict:

    * ``name``, ``num_qubits``, ``simulator``;
    * ``basis_gates``: the gates circuits are compiled to (no control flow, no delay);
    * ``coupling_map``: ``[[a, b], ...]`` as the target directs them, None for a simulator;
    * ``two_qubit_gate``: the first of :data:`TWO_QUBIT_GATES` the device has;
    * ``t1_median``, ``t2_median`` (seconds), ``readout_error_median``,
      ``two_qubit_error_median``;
    * ``qubits``: one ``{"qubit", "t1", "t2", "readout_error", "sx_error"}`` per qubit;
    * ``edge_errors``: ``[[a, b, error], ...]`` per coupled pair ``a < b`` (the lower of
      its two directions).
    """
    real = getattr(backend, "qiskit_backend", None)
    real = backend if real is None else real
    target = getattr(real, "target", None)
    if num_qubits is None:
        num_qubits = int(getattr(backend, "num_qubits", None) or getattr(target, "num_qubits", None) or 0)
    if target is not None and target.num_qubits:
        num_qubits = min(num_qubits, target.num_qubits) if num_qubits else target.num_qubits
    qubits = [{"qubit": q, "t1": None, "t2": None, "readout_error": None, "sx_error": None}
              for q in range(num_qubits)]
    details: dict[str, Any] = {
        "name": name or _name(backend),
        "num_qubits": num_qubits,
        "simulator": simulator,
        "basis_gates": [],
        "coupling_map": None,
        "two_qubit_gate": None,
        "t1_median": None,
        "t2_median": None,
        "readout_error_median": None,
        "two_qubit_error_median": None,
        "qubits": qubits,
        "edge_errors": [],
    }
    if target is None:
        return details
    coupling = target.build_coupling_map() if target.num_qubits else None
    if details["simulator"] is None:
        own = getattr(backend, "simulator", None)
        details["simulator"] = own if isinstance(own, bool) else coupling is None
    details["coupling_map"] = [list(edge) for edge in coupling.get_edges()] if coupling is not None else None
    details["basis_gates"] = _basis_gates(target)
    for q, props in enumerate(list(target.qubit_properties or [])[:num_qubits]):
        if props is not None:
            qubits[q]["t1"] = getattr(props, "t1", None)
            qubits[q]["t2"] = getattr(props, "t2", None)
    for operation, key in (("measure", "readout_error"), ("sx", "sx_error")):
        for qargs, error in _errors(target, operation):
            if len(qargs) == 1 and qargs[0] < num_qubits:
                qubits[qargs[0]][key] = error
    gate = next((g for g in TWO_QUBIT_GATES if g in target.operation_names), None)
    edges: dict[tuple[int, int], float] = {}
    for qargs, error in _errors(target, gate):
        if len(qargs) == 2:
            pair = tuple(sorted(qargs))
            edges[pair] = min(error, edges.get(pair, error))
    details.update(
        two_qubit_gate=gate,
        t1_median=_median(q["t1"] for q in qubits),
        t2_median=_median(q["t2"] for q in qubits),
        readout_error_median=_median(error for _, error in _errors(target, "measure")),
        two_qubit_error_median=_median(error for _, error in _errors(target, gate)),
        edge_errors=[[a, b, error] for (a, b), error in sorted(edges.items())],
    )
    return details


def _name(backend: Any) -> str:
    name = getattr(backend, "name", "")
    return str(name() if callable(name) else name)


def _basis_gates(target) -> list[str]:
    """Gates a circuit is compiled to; control flow and delays are capabilities, not gates."""
    from qiskit.circuit.controlflow import CONTROL_FLOW_OP_NAMES

    skip = set(CONTROL_FLOW_OP_NAMES) | {"delay"}
    return sorted(name for name in target.operation_names if name not in skip)


def _errors(target, operation: str | None) -> list[tuple[tuple[int, ...], float]]:
    """``(qubits, error)`` of each instance of ``operation`` that reports an error."""
    if operation is None or operation not in target.operation_names:
        return []
    props = target[operation] or {}
    return [(tuple(qargs), p.error) for qargs, p in props.items()
            if qargs is not None and p is not None and p.error is not None]


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(statistics.median(values)) if values else None
