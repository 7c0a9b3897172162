"""The fast Aer sampling path gives qiskit's own ``BackendSamplerV2`` result, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.primitives import BackendSamplerV2
from qiskit_aer import AerSimulator

from qrt_jupyter._compat import aer_memory_here, sampler_result_here
from qrt_jupyter.runtime.programs.builtin import aer_sampling


def _bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    circuit.metadata = {"tag": "bell"}
    return circuit


def _registers() -> QuantumCircuit:
    """Three registers, one of 9 bits (two bytes), measured in a scrambled order."""
    q = QuantumRegister(12)
    a, b, c = ClassicalRegister(2, "a"), ClassicalRegister(9, "b"), ClassicalRegister(1, "c")
    circuit = QuantumCircuit(q, a, b, c)
    circuit.h(range(12))
    circuit.cx(0, 5)
    circuit.measure(q[:2], a)
    circuit.measure(q[2:11][::-1], b)
    circuit.measure(q[11], c)
    return circuit


def _parameterized() -> QuantumCircuit:
    theta, phi = Parameter("theta"), Parameter("phi")
    circuit = QuantumCircuit(3, 3)
    circuit.rx(theta, 0)
    circuit.ry(phi, 1)
    circuit.cx(0, 2)
    circuit.measure(range(3), range(3))
    return circuit


def _wide() -> QuantumCircuit:
    """63 classical bits: the widest the fast path packs."""
    circuit = QuantumCircuit(63, 63)
    circuit.x(range(0, 63, 3))
    circuit.h(62)
    circuit.measure(range(63), range(63))
    return circuit


PUB_SETS = {
    "bell": [(_bell(),)],
    "registers": [(_registers(), None, 300)],
    "parameters with a shape": [(_parameterized(), np.linspace(0, 3, 2 * 3 * 2).reshape(2, 3, 2))],
    "several pubs, two shot counts": [(_bell(),), (_parameterized(), [[0.3, 1.1], [2.0, 0.1]], 77),
                                      (_registers(),)],
    "63 bits": [(_wide(), None, 50)],
}


def _assert_same(mine, theirs) -> None:
    assert mine.metadata == theirs.metadata and len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert type(a) is type(b) and a.metadata == b.metadata
        assert list(a.data) == list(b.data) and a.data.shape == b.data.shape
        for name in a.data:
            x, y = a.data[name], b.data[name]
            assert x.num_bits == y.num_bits and x.shape == y.shape
            assert x.array.dtype == y.array.dtype and x.array.shape == y.array.shape
            assert np.array_equal(x.array, y.array), name


@pytest.mark.parametrize("name", list(PUB_SETS))
def test_same_result_as_qiskit(name):
    simulator = AerSimulator()
    options = {"default_shots": 512, "seed_simulator": 11, "run_options": {"max_parallel_threads": 1}}
    before = [pub[0].copy() for pub in PUB_SETS[name]]
    mine = sampler_result_here(aer_sampling.sampler(simulator, options), PUB_SETS[name])
    assert [pub[0] for pub in PUB_SETS[name]] == before  # the circuits Aer read are unchanged
    theirs = BackendSamplerV2(backend=simulator, options=options).run(PUB_SETS[name]).result()
    _assert_same(mine, theirs)


def test_it_is_the_fast_path_that_ran(monkeypatch):
    """The pub sets above take the fast path (else the comparison proves nothing)."""
    simulator = AerSimulator()
    calls = []
    real = aer_sampling.pub_results

    def counted(*args):
        result = real(*args)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(aer_sampling, "pub_results", counted)
    for pubs in PUB_SETS.values():
        sampler_result_here(aer_sampling.sampler(simulator, {"seed_simulator": 3}), pubs)
    assert calls and all(calls)


def test_unseeded_samples_are_from_the_circuit():
    result = sampler_result_here(aer_sampling.sampler(AerSimulator(), {"default_shots": 2000}), [(_bell(),)])
    counts = result[0].data.meas.get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 2000
    assert 800 < counts["00"] < 1200


@pytest.mark.parametrize("case", ["no registers", "empty register", "loose top clbit", "64 bits",
                                  "another backend", "level-1 measurements"])
def test_what_the_fast_path_leaves_to_qiskit(case):
    from qiskit.circuit import Clbit
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    simulator, run_options, circuit = AerSimulator(), {}, _bell()
    if case == "no registers":
        circuit = QuantumCircuit(1)
    elif case == "empty register":
        circuit = QuantumCircuit(QuantumRegister(1), ClassicalRegister(1, "m"), ClassicalRegister(0, "e"))
        circuit.measure(0, 0)
    elif case == "loose top clbit":
        circuit = QuantumCircuit(QuantumRegister(2), ClassicalRegister(1, "m"))
        circuit.add_bits([Clbit()])
        circuit.measure(0, 0)
    elif case == "64 bits":
        circuit = QuantumCircuit(64, 64)
        circuit.measure(range(64), range(64))
    elif case == "another backend":
        simulator = FakeManilaV2()
    else:
        run_options = {"meas_level": 1}
    pubs = [aer_sampling_pub(circuit)]
    assert aer_sampling.pub_results(simulator, pubs, 10, 1, run_options) is None


def aer_sampling_pub(circuit):
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    return SamplerPub.coerce((circuit,), 10)


def test_memory_here_is_what_run_gives():
    simulator = AerSimulator()
    circuits = [_bell(), _registers()]
    here = aer_memory_here(simulator, circuits, {"shots": 64, "seed_simulator": 5})
    there = simulator.run(circuits, shots=64, seed_simulator=5, memory=True).result()
    assert here == [experiment.data.memory for experiment in there.results]


def test_memory_here_says_none_when_aer_fails():
    too_big = QuantumCircuit(40, 1)  # a statevector of 40 entangled qubits: 16 TiB, more than any machine has
    too_big.h(0)
    for qubit in range(39):
        too_big.cx(qubit, qubit + 1)
    too_big.measure(39, 0)
    simulator = AerSimulator(method="statevector")
    assert aer_memory_here(simulator, [too_big], {"shots": 4}) is None


@pytest.mark.parametrize("outcomes", [2, 1 << 40], ids=["few outcomes: a table", "mostly distinct: parsed each"])
def test_shot_values_are_the_hex_strings_as_integers(outcomes):
    rng = np.random.default_rng(7)
    memory = [hex(int(value)) for value in rng.integers(0, outcomes, size=1000)] + [hex((1 << 63) + 5)]
    values = aer_sampling._shot_values(memory)
    assert values.dtype == np.uint64
    assert values.tolist() == [int(sample, 16) for sample in memory]
