"""Issue 12: the built-in programs and the program-side API behave as IBM's runtime did.

Jobs run on a real local runtime (real SQLite home, real worker processes); one home for
the module keeps the workers warm. Programs are our own, written for these checks.
"""

from __future__ import annotations

import json

import pytest
from qiskit.result import QuasiDistribution
from qiskit_ibm_runtime import RuntimeDecoder

from qrt_jupyter import RunnerResult, UserMessenger
from fidelity import svc  # noqa: F401 - the module's runtime
from support import bell

SEED = {"seed_simulator": 5, "seed_transpiler": 3}


def lopsided():
    """Three qubits, only qubits 0 and 2 measured, into clbits 1 and 0: a mapping that shows
    which way round it is written. Ideal outcome: clbit 1 = 1, clbit 0 = 0."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(3, 2, name="lopsided")
    qc.x(0)
    qc.measure(0, 1)
    qc.measure(2, 0)
    return qc


# --------------------------------------------------------------- 4: RunnerResult quasi-dists


def test_runner_result_quasiprobabilities_are_qiskits_quasi_distribution(svc):
    job = svc.run("circuit-runner", {"circuits": [bell(), lopsided()], "shots": 1000,
                                     "measurement_error_mitigation": True, **SEED},
                  options={"backend_name": "fake_manila"})
    result = job.result(timeout=180)
    assert isinstance(result, RunnerResult)
    bell_quasi, lopsided_quasi = result.get_quasiprobabilities()
    assert type(bell_quasi) is QuasiDistribution
    binary = bell_quasi.binary_probabilities()
    assert set(binary) <= {"00", "01", "10", "11"}
    assert binary["00"] + binary["11"] == pytest.approx(1.0, abs=0.1)
    assert bell_quasi.shots == 1000
    assert bell_quasi.stddev_upper_bound == pytest.approx(
        (bell_quasi.mitigation_overhead / 1000) ** 0.5)
    assert lopsided_quasi.binary_probabilities()["10"] > 0.9
    nearest = lopsided_quasi.nearest_probability_distribution()
    assert min(nearest.values()) >= 0
    assert result.get_quasiprobabilities(1) == lopsided_quasi


# --------------------------------------------------------------- 5: circuit-runner header


def test_circuit_runner_header_maps_physical_qubit_to_clbit_and_times_mitigation(svc):
    job = svc.run("circuit-runner", {"circuits": lopsided(), "shots": 500,
                                     "measurement_error_mitigation": True,
                                     "initial_layout": [4, 3, 1], **SEED},
                  options={"backend_name": "fake_manila"})
    header = job.result(timeout=180).results[0].header
    header = header if isinstance(header, dict) else vars(header)
    # virtual qubit 0 sits on physical 4 and is read into clbit 1; virtual 2 on 1 into clbit 0
    assert header["final_measurement_mapping"] == {"4": 1, "1": 0}
    assert header["measurement_mitigation_time"] >= 0


def test_circuit_runner_without_mitigation_has_no_mitigation_header(svc):
    job = svc.run("circuit-runner", {"circuits": bell(), "shots": 100, **SEED},
                  options={"backend_name": "ibmq_qasm_simulator"})
    header = job.result(timeout=180).results[0].header
    header = header if isinstance(header, dict) else vars(header)
    assert "measurement_mitigation_time" not in header
    assert "final_measurement_mapping" not in header


# --------------------------------------------------------------- 6: UserMessenger()

PROGRAM = '''
def main(backend, user_messenger, rounds=2):
    """Publish one message per round and return how many were sent."""
    for i in range(rounds):
        user_messenger.publish({"round": i, "backend": backend.name})
    user_messenger.publish({"rounds": rounds}, final=True)
    return rounds
'''


def test_user_messenger_without_arguments_prints_what_it_would_send(capsys):
    from qiskit_aer import AerSimulator

    namespace: dict = {}
    exec(PROGRAM, namespace)
    assert namespace["main"](AerSimulator(), UserMessenger(), rounds=3) == 3
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line, cls=RuntimeDecoder) for line in lines] == [
        {"round": 0, "backend": "aer_simulator"},
        {"round": 1, "backend": "aer_simulator"},
        {"round": 2, "backend": "aer_simulator"},
        {"rounds": 3},
    ]


def test_user_messenger_prints_with_the_encoder_it_is_given(capsys):
    import numpy as np

    UserMessenger().publish({"values": np.array([1.5, 2.5])})
    printed = json.loads(capsys.readouterr().out, cls=RuntimeDecoder)
    assert printed["values"].tolist() == [1.5, 2.5]


# --------------------------------------------------------------- 7: estimator on ISA pubs


def test_estimator_takes_an_isa_circuit_and_laid_out_observable_as_given(svc):
    from qiskit.quantum_info import SparsePauliOp
    from qiskit.transpiler import generate_preset_pass_manager

    device = svc.backend("fake_manila").qiskit_backend
    isa = generate_preset_pass_manager(optimization_level=1, backend=device,
                                       seed_transpiler=7).run(bell(measure=False))
    observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
    assert observable.num_qubits == 5
    job = svc.run("estimator", {"circuits": isa, "observables": observable, "shots": 2000,
                                "skip_transpilation": True, "run_options": SEED},
                  options={"backend_name": "fake_manila"})
    assert job.result(timeout=180).values[0] == pytest.approx(0.9, abs=0.1)
    job = svc.run("estimator", {"pubs": [(isa, observable)], "skip_transpilation": True,
                                "precision": 0.03},
                  options={"backend_name": "fake_manila"})
    assert float(job.result(timeout=180)[0].data.evs) == pytest.approx(0.9, abs=0.12)


def test_estimator_says_how_to_lay_out_a_virtual_observable_for_an_isa_circuit(svc):
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError

    device = svc.backend("fake_manila").qiskit_backend
    isa = generate_preset_pass_manager(optimization_level=1, backend=device).run(bell(False))
    job = svc.run("estimator", {"circuits": isa, "observables": "ZZ",
                                "skip_transpilation": True},
                  options={"backend_name": "fake_manila"})
    with pytest.raises(RuntimeJobFailureError, match="apply_layout"):
        job.result(timeout=180)
