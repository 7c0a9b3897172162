"""A worker compiles an equal circuit once: the cached circuit is what the pass manager gives."""

from __future__ import annotations

import math

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Gate, Parameter
from qiskit.circuit.library import CXGate
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

from qrt_jupyter.runtime import codec
from qrt_jupyter.runtime.programs.builtin import compiled


class CountingPassManager:
    """qiskit's pass manager, counting the circuits it is asked to compile."""

    def __init__(self, pm):
        self.pm, self.compiled = pm, 0

    def run(self, circuits):
        self.compiled += len(circuits)
        return self.pm.run(circuits)


THETA = Parameter("theta")
"""One parameter for all: a user's circuit, sent again, keeps its parameters (QPY keeps their ids)."""


def _circuit(angle: float = 0.5) -> QuantumCircuit:
    theta = THETA
    circuit = QuantumCircuit(3, 3, name="sweep")
    circuit.h(0)
    circuit.rx(theta, 1)
    circuit.rz(angle, 2)
    circuit.cx(0, 2)
    circuit.barrier()
    circuit.measure(range(3), range(3))
    circuit.metadata = {"run": 1}
    return circuit


@pytest.fixture
def pm():
    return CountingPassManager(generate_preset_pass_manager(optimization_level=1, backend=FakeManilaV2(),
                                                            seed_transpiler=5))


def test_an_equal_circuit_is_compiled_once_and_comes_back_as_compiled(pm):
    first = compiled.run(pm, [_circuit()])[0]
    again = codec.decode(codec.encode(_circuit()))  # as a worker receives it: decoded from the inputs
    again.name, again.metadata = "sweep-2", {"run": 2}
    second = compiled.run(pm, [again])[0]
    assert pm.compiled == 1
    assert second == first and second is not first
    assert second.name == "sweep-2" and second.metadata == {"run": 2}
    assert second.layout is not None and second.layout.initial_layout == first.layout.initial_layout
    assert first == pm.pm.run(_circuit())  # what an uncached compile gives


def test_a_mix_of_cached_and_new_circuits_keeps_its_order(pm):
    a, b = _circuit(0.1), _circuit(0.2)
    compiled.run(pm, [a])
    out = compiled.run(pm, [b, a, b])
    assert pm.compiled == 2  # a once, b once
    assert [c == pm.pm.run(x) for c, x in zip(out, [b, a, b])] == [True, True, True]


def _variants() -> dict[str, QuantumCircuit]:
    base = _circuit()
    variants = {"another angle": _circuit(0.6), "global phase": _circuit()}
    variants["global phase"].global_phase = math.pi / 3
    moved = QuantumCircuit(3, 3)
    moved.compose(_circuit(), qubits=[1, 0, 2], inplace=True)
    variants["qubits swapped"] = moved
    renamed = QuantumCircuit(QuantumRegister(3, "r"), ClassicalRegister(3, "c"))
    renamed.compose(_circuit(), inplace=True)
    variants["register names"] = renamed
    closed = base.copy()
    closed.append(CXGate(), [0, 1])
    variants["closed control"] = closed
    return variants


def test_circuits_that_differ_get_different_keys():
    keys = {name: compiled.circuit_key(circuit) for name, circuit in _variants().items()}
    keys["base"] = compiled.circuit_key(_circuit())
    assert None not in keys.values()
    assert len(set(keys.values())) == len(keys)


def test_what_is_compiled_every_time(pm):
    custom = QuantumCircuit(1)
    custom.append(Gate("h", 1, []), [0])  # a custom gate named like a standard one
    laid_out = pm.pm.run(_circuit())
    long = QuantumCircuit(1)
    for _ in range(compiled.MAX_INSTRUCTIONS + 1):
        long.x(0)
    for circuit in (custom, laid_out, long):
        assert compiled.circuit_key(circuit) is None
    open_control = _circuit()  # named "cx_o0": compiled every time
    open_control.append(CXGate(ctrl_state=0), [0, 1])
    assert compiled.circuit_key(open_control) is None
    with_control_flow = QuantumCircuit(1, 1)
    with with_control_flow.if_test((with_control_flow.clbits[0], 1)):
        with_control_flow.x(0)
    assert compiled.circuit_key(with_control_flow) is None


def test_another_pass_manager_does_not_share_entries(pm):
    other = CountingPassManager(generate_preset_pass_manager(optimization_level=0, backend=FakeManilaV2()))
    compiled.run(pm, [_circuit()])
    compiled.run(other, [_circuit()])
    assert pm.compiled == other.compiled == 1


def test_the_cache_is_bounded(pm, monkeypatch):
    monkeypatch.setattr(compiled, "MAX_ENTRIES", 3)
    monkeypatch.setattr(compiled, "_cache", type(compiled._cache)())
    compiled.run(pm, [_circuit(0.1 * i) for i in range(5)])
    assert len(compiled._cache) == 3
    compiled.run(pm, [_circuit(0.4)])  # the newest is kept
    assert pm.compiled == 5
