"""Circuits a warm worker has compiled already, by what they contain.

Users send the same circuits again and again: a notebook cell re-run, a loop over shots
or observables, a V2 pub whose parameterized circuit stays the same while its values
change. Running the preset pass manager again on such a circuit was 1.2 ms of a 15 ms
Bell job in a worker (BENCHMARKS.md, issue 17), and far more on a device's coupling map.
So :func:`run` keeps each compiled circuit under its pass manager and a key of what the
input holds (registers, every instruction with its qubits, clbits and parameters, the
global phase), and gives a copy of it back, renamed and with the new input's metadata,
as the pass manager itself would.

Only circuits whose every instruction is one of qiskit's standard gates (or measure,
reset, barrier, delay) get a key: a custom gate may share a name with another of a
different definition, and control flow holds blocks of its own. Circuits with a layout
(compiled already) or classical variables, or longer than :data:`MAX_INSTRUCTIONS`, are
compiled every time. With ``seed_transpiler=None`` a device's layout is a random choice;
a cached circuit repeats the first choice, which is as valid as a new one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

MAX_INSTRUCTIONS = 5000
"""Longer circuits are not keyed: the key would cost more than it is likely to save."""

MAX_ENTRIES = 256

_cache: "OrderedDict[tuple, tuple[Any, Any]]" = OrderedDict()  # (id(pm), key) -> (pm, compiled)
_lock = threading.Lock()
_standard: dict[str, type] | None = None


def run(pm: Any, circuits: list) -> list:
    """``pm.run(circuits)``, reusing what this process compiled before for equal circuits
    (equal circuits within one call are compiled once too)."""
    keys = [circuit_key(circuit) for circuit in circuits]
    out: list = [None] * len(circuits)
    todo: dict = {}  # key (or the index, for a circuit without one) -> indexes to fill
    with _lock:
        for i, key in enumerate(keys):
            entry = None if key is None else _cache.get((id(pm), key))
            if entry is not None and entry[0] is pm:
                _cache.move_to_end((id(pm), key))
                out[i] = _renamed(entry[1], circuits[i])
            else:
                todo.setdefault(("index", i) if key is None else key, []).append(i)
    if todo:
        firsts = [indexes[0] for indexes in todo.values()]
        results = pm.run([circuits[i] for i in firsts])
        if not isinstance(results, list):
            results = [results]
        with _lock:
            for (key, indexes), circuit in zip(todo.items(), results):
                out[indexes[0]] = circuit
                for i in indexes[1:]:
                    out[i] = _renamed(circuit, circuits[i])
                if keys[indexes[0]] is not None:
                    _cache[(id(pm), key)] = (pm, circuit.copy())
                    while len(_cache) > MAX_ENTRIES:
                        _cache.popitem(last=False)
    return out


def _renamed(compiled: Any, source: Any) -> Any:
    circuit = compiled.copy()
    circuit.name = source.name
    circuit.metadata = dict(source.metadata or {})
    return circuit


def _standard_operations() -> dict[str, type]:
    global _standard
    if _standard is None:
        from qiskit.circuit import Barrier
        from qiskit.circuit.library import get_standard_gate_name_mapping

        _standard = {name: type(op) for name, op in get_standard_gate_name_mapping().items()}
        _standard["barrier"] = Barrier  # measure_all() puts one before the measurements
    return _standard


def circuit_key(circuit: Any) -> tuple | None:
    """What ``circuit`` holds, as a hashable key; None if it must be compiled afresh (see the
    module docstring)."""
    if circuit.layout is not None or len(circuit.data) > MAX_INSTRUCTIONS:
        return None
    if circuit.num_vars or getattr(circuit, "num_stretches", 0):
        return None
    standard = _standard_operations()
    qubits = {bit: i for i, bit in enumerate(circuit.qubits)}
    clbits = {bit: i for i, bit in enumerate(circuit.clbits)}
    instructions = []
    for instruction in circuit.data:
        op = instruction.operation
        if standard.get(op.name) is not type(op):
            return None
        instructions.append((
            op.name, tuple(op.params), getattr(op, "ctrl_state", None), getattr(op, "unit", None), op.label,
            tuple(qubits[q] for q in instruction.qubits), tuple(clbits[c] for c in instruction.clbits),
        ))
    registers = tuple(
        (kind, register.name, tuple(bits[b] for b in register))
        for kind, regs, bits in (("q", circuit.qregs, qubits), ("c", circuit.cregs, clbits))
        for register in regs
    )
    return (circuit.num_qubits, circuit.num_clbits, registers, circuit.global_phase, tuple(instructions))
