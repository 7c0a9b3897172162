"""The built-in programs, run the way a worker runs them, checked the way a user would.

Each ``main`` gets a real backend from ``make_backend`` (the ideal simulator or a noisy fake
device) and a recording messenger (the messenger is the seam between a program and the
runtime). Inputs travel as they do in the runtime (RuntimeEncoder -> JSON -> RuntimeDecoder),
schemas are checked on the inputs' JSON form, and every result goes back through
RuntimeEncoder -> JSON -> the program's decoder before we look at the numbers. Shots are few
and circuits small; statistical checks allow several standard errors and fix simulator seeds.
"""

from __future__ import annotations

import importlib
import json
import math
import subprocess
import sys

import jsonschema
import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.exceptions import QiskitError
from qiskit.primitives import EstimatorResult, PrimitiveResult, SamplerResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import SparsePauliOp
from qiskit.result import QuasiDistribution
from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

from qrt_jupyter.runtime.backends import make_backend
from qrt_jupyter.runtime.programs.builtin import BUILTIN_PROGRAMS
from qrt_jupyter.runtime.programs.builtin import circuit_runner, estimator, hello_world, sampler
from qrt_jupyter.runtime.results import (
    EstimatorResultDecoder,
    RunnerResult,
    SamplerResultDecoder,
)
from support import bell

SEED = {"seed_simulator": 11}


class RecordingMessenger:
    """The ``user_messenger`` contract: ``publish(message, encoder=None, final=False)``."""

    def __init__(self):
        self.interim: list = []
        self.final = None

    def publish(self, message, encoder=None, final=False):
        text = json.dumps(message, cls=encoder or RuntimeEncoder)
        if final:
            self.final = text
        else:
            self.interim.append(json.loads(text, cls=RuntimeDecoder))


def json_form(inputs: dict) -> dict:
    """What the service validates: the inputs encoded, then read back as plain JSON."""
    return json.loads(json.dumps(inputs, cls=RuntimeEncoder))


def as_worker_sees(inputs: dict) -> dict:
    """What ``main`` receives: the inputs encoded by the client, decoded in the worker."""
    return json.loads(json.dumps(inputs, cls=RuntimeEncoder), cls=RuntimeDecoder)


def run(program, backend, inputs: dict, messenger=None):
    """Validate like the service, call ``main`` like the worker, decode like the client."""
    jsonschema.validate(json_form(inputs), program.METADATA["spec"]["parameters"])
    value = program.main(backend, messenger or RecordingMessenger(), **as_worker_sees(inputs))
    raw = json.dumps(value, cls=RuntimeEncoder)
    jsonschema.validate(json.loads(raw), program.METADATA["spec"]["return_values"])
    module, _, attr = getattr(program, "RESULT_DECODER", ":").partition(":")
    if not module:
        return json.loads(raw, cls=RuntimeDecoder)
    return getattr(importlib.import_module(module), attr).decode(raw)


@pytest.fixture(scope="module")
def sim():
    return make_backend("ibmq_qasm_simulator")


@pytest.fixture(scope="module")
def manila():
    return make_backend("fake_manila")


def plus_plus() -> QuantumCircuit:
    qc = QuantumCircuit(2, name="plus_plus")
    qc.h([0, 1])
    return qc


# --------------------------------------------------------------------------- registry


def test_registry_lists_the_four_programs_with_runtime_metadata():
    assert set(BUILTIN_PROGRAMS) == {"hello-world", "sampler", "estimator", "circuit-runner"}
    for program_id, module_name in BUILTIN_PROGRAMS.items():
        module = importlib.import_module(module_name)
        meta = module.METADATA
        assert meta["name"] == program_id
        assert meta["description"] and meta["max_execution_time"] > 0
        spec = meta["spec"]
        for key in ("backend_requirements", "parameters", "return_values", "interim_results"):
            assert key in spec
        jsonschema.Draft202012Validator.check_schema(spec["parameters"])
        assert callable(module.main)


def test_reading_metadata_imports_no_qiskit():
    code = (
        "import importlib, sys\n"
        "from qrt_jupyter.runtime.programs.builtin import BUILTIN_PROGRAMS\n"
        "for m in BUILTIN_PROGRAMS.values(): importlib.import_module(m).METADATA\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('qiskit', 'qiskit_aer', 'qiskit_ibm_runtime', 'mthree', 'numpy')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- schemas


@pytest.mark.parametrize(
    "program, inputs, bad",
    [
        (sampler, {"circuits": [bell()], "shots": "many"}, "shots"),
        (sampler, {"circuits": [bell()], "shots": 0}, "shots"),
        (sampler, {"circuits": [bell()], "optimization_level": 5}, "optimization_level"),
        (sampler, {"circuits": [bell()], "resilience_level": 2}, "resilience_level"),
        (sampler, {"circuits": "not a circuit"}, "circuits"),
        (sampler, {"shots": 10}, "circuits or pubs"),
        (sampler, {"circuits": [bell()], "pubs": [(bell(),)]}, "both styles"),
        (estimator, {"circuits": [bell(False)]}, "observables missing"),
        (estimator, {"circuits": [bell(False)], "observables": ["ZQ"]}, "observables"),
        (estimator, {"pubs": [(bell(False), "ZZ")], "precision": 0}, "precision"),
        (circuit_runner, {"shots": 10}, "circuits"),
        (circuit_runner, {"circuits": bell(), "measurement_error_mitigation": "yes"}, "mem"),
        (hello_world, {"iterations": "3"}, "iterations"),
        (hello_world, {"iterations": -1}, "iterations"),
    ],
)
def test_schemas_reject_bad_inputs(program, inputs, bad):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json_form(inputs), program.METADATA["spec"]["parameters"])


@pytest.mark.parametrize(
    "program, inputs",
    [
        (sampler, {"circuits": bell()}),
        (sampler, {"circuits": [bell(), bell()], "parameter_values": [[], []], "shots": 10,
                   "circuit_indices": [1, 0], "run_options": {"shots": 5}}),
        (sampler, {"pubs": [SamplerPub.coerce((bell(),), 100)], "shots": 100}),
        (estimator, {"circuits": [bell(False)], "observables": [SparsePauliOp("ZZ")]}),
        (estimator, {"circuits": bell(False), "observables": "ZZ", "shots": None}),
        (estimator, {"circuits": [bell(False)], "observables": [[["ZZ", 1.0], ["XX", 0.5]]],
                     "parameter_values": np.zeros((1, 0))}),
        (estimator, {"pubs": [EstimatorPub.coerce((bell(False), ["ZZ", "XX"]), 0.1)]}),
        (circuit_runner, {"circuits": [bell()], "shots": 10, "initial_layout": [0, 1],
                          "seed_transpiler": 3, "measurement_error_mitigation": True}),
        (hello_world, {}),
    ],
)
def test_schemas_accept_the_documented_inputs(program, inputs):
    jsonschema.validate(json_form(inputs), program.METADATA["spec"]["parameters"])


# --------------------------------------------------------------------------- hello-world


def test_hello_world_publishes_counts_each_iteration_and_finishes(sim):
    messenger = RecordingMessenger()
    assert run(hello_world, sim, {"iterations": 3}, messenger) == "All done!"
    assert [m["iteration"] for m in messenger.interim] == [0, 1, 2]
    interim_schema = hello_world.METADATA["spec"]["interim_results"]
    for message in messenger.interim:
        jsonschema.validate(message, interim_schema)
        assert sum(message["counts"].values()) == 1024  # the backend's default shots


def test_hello_world_runs_on_a_one_qubit_device():
    messenger = RecordingMessenger()
    assert hello_world.main(make_backend("fake_armonk"), messenger) == "All done!"
    assert len(messenger.interim) == 5  # the default number of iterations
    assert all(len(key) == 1 for m in messenger.interim for key in m["counts"])


# --------------------------------------------------------------------------- sampler


def test_sampler_bell_quasi_distribution_on_the_ideal_simulator(sim):
    result = run(sampler, sim, {"circuits": [bell()], "shots": 2000, "run_options": SEED})
    assert isinstance(result, SamplerResult)
    (quasi,) = result.quasi_dists
    assert isinstance(quasi, QuasiDistribution)
    assert set(quasi) == {0, 3}
    assert quasi[0] == pytest.approx(0.5, abs=0.05) and quasi[3] == pytest.approx(0.5, abs=0.05)
    assert sum(quasi.values()) == pytest.approx(1.0)
    assert set(quasi.binary_probabilities()) == {"00", "11"}
    assert result.metadata[0]["shots"] == 2000
    assert quasi.shots == 2000
    assert quasi.stddev_upper_bound == pytest.approx(math.sqrt(1 / 2000))


def test_sampler_binds_parameters_per_selected_circuit(sim):
    theta = Parameter("θ")
    rotation = QuantumCircuit(1, 1, name="rotation")
    rotation.ry(theta, 0)
    rotation.measure(0, 0)
    inputs = {
        "circuits": [bell(), rotation],
        "circuit_indices": [1, 1, 0],
        "parameter_values": [[0.0], [math.pi], []],
        "shots": 200,
        "run_options": SEED,
    }
    first, second, third = run(sampler, sim, inputs).quasi_dists
    assert first == {0: 1.0}
    assert second == {1: 1.0}
    assert set(third) == {0, 3}


def test_sampler_takes_shots_from_run_options(sim):
    inputs = {"circuits": bell(), "run_options": {"shots": 123, **SEED}}
    assert run(sampler, sim, inputs).metadata[0]["shots"] == 123


def test_sampler_refuses_a_circuit_without_measurements(sim):
    with pytest.raises(ValueError, match="measures nothing"):
        sampler.main(sim, RecordingMessenger(), circuits=[bell(measure=False)])


def test_sampler_v2_pubs_give_a_primitive_result(sim):
    theta = Parameter("θ")
    rotation = QuantumCircuit(1, name="rotation")
    rotation.ry(theta, 0)
    rotation.measure_all()
    pubs = [SamplerPub.coerce((bell(),), 300), (rotation, [[0.0], [math.pi]])]
    result = run(sampler, sim, {"pubs": pubs, "shots": 100, "run_options": SEED})
    assert isinstance(result, PrimitiveResult)
    bell_counts = result[0].data.meas.get_counts()
    assert set(bell_counts) <= {"00", "11"} and sum(bell_counts.values()) == 300
    rotated = result[1].data.meas
    assert rotated.shape == (2,) and rotated.num_shots == 100
    assert rotated.get_counts(0) == {"0": 100} and rotated.get_counts(1) == {"1": 100}


def test_sampler_readout_mitigation_moves_noisy_counts_toward_ideal(manila):
    qc = QuantumCircuit(2, name="ones")
    qc.x([0, 1])
    qc.measure_all()
    base = {"circuits": [qc], "shots": 2000, "run_options": SEED, "seed_transpiler": 1}
    raw = run(sampler, manila, {**base, "resilience_level": 0})
    mitigated = run(sampler, manila, {**base, "resilience_level": 1})
    raw_p, mitigated_p = raw.quasi_dists[0].get(3, 0.0), mitigated.quasi_dists[0].get(3, 0.0)
    assert raw_p < 0.99  # the fake device's readout errors are visible
    assert abs(1 - mitigated_p) < abs(1 - raw_p)
    assert mitigated.metadata[0]["readout_mitigation_overhead"] > 1.0
    assert "readout_mitigation_overhead" not in raw.metadata[0]


def test_sampler_mitigation_is_a_no_op_on_the_ideal_simulator(sim):
    result = run(sampler, sim, {"circuits": bell(), "resilience_level": 1, "run_options": SEED})
    assert "readout_mitigation_overhead" not in result.metadata[0]


# --------------------------------------------------------------------------- estimator


def test_estimator_bell_zz_and_plus_plus_xx_are_one(sim):
    inputs = {
        "circuits": [bell(measure=False), plus_plus()],
        "observables": ["ZZ", SparsePauliOp("XX")],
        "shots": 1000,
        "run_options": SEED,
    }
    result = run(estimator, sim, inputs)
    assert isinstance(result, EstimatorResult)
    assert isinstance(result.values, np.ndarray)
    np.testing.assert_allclose(result.values, [1.0, 1.0])
    assert [m["shots"] for m in result.metadata] == [1000, 1000]
    assert [m["variance"] for m in result.metadata] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_estimator_weighted_sum_is_within_shot_noise(sim):
    observable = SparsePauliOp(["XX", "ZI", "YY"], [0.5, 2.0, 1.0])  # Bell: 0.5 + 0 - 1
    result = run(estimator, sim, {"circuits": bell(False), "observables": observable,
                                  "shots": 4000, "run_options": SEED})
    value, meta = result.values[0], result.metadata[0]
    assert meta["variance"] > 0  # <ZI> of a Bell state is a coin flip
    assert value == pytest.approx(-0.5, abs=5 * math.sqrt(meta["variance"] / meta["shots"]))


def test_estimator_exact_values_without_shots(sim):
    result = run(estimator, sim, {"circuits": [bell(False)], "observables": ["ZZ", "XI", "YY"],
                                  "shots": None})
    np.testing.assert_allclose(result.values, [1.0, 0.0, -1.0], atol=1e-12)
    assert [m["variance"] for m in result.metadata] == pytest.approx([0.0, 1.0, 0.0], abs=1e-9)


def test_estimator_parameter_sweep_follows_cosine(sim):
    theta = Parameter("θ")
    qc = QuantumCircuit(1, name="ry")
    qc.ry(theta, 0)
    angles = [0.0, math.pi / 3, math.pi]
    result = run(estimator, sim, {"circuits": [qc] * 3, "observables": ["Z"] * 3,
                                  "parameter_values": [[a] for a in angles], "shots": 4000,
                                  "run_options": SEED})
    for value, meta, angle in zip(result.values, result.metadata, angles):
        sigma = math.sqrt(meta["variance"] / meta["shots"])
        assert value == pytest.approx(math.cos(angle), abs=5 * sigma + 1e-9)


def test_estimator_measures_x_and_y_in_the_devices_own_gates(manila):
    y_state = QuantumCircuit(1, name="plus_i")
    y_state.h(0)
    y_state.s(0)
    result = run(estimator, manila, {"circuits": [plus_plus(), y_state],
                                     "observables": ["XX", "Y"], "shots": 2000,
                                     "run_options": SEED, "resilience_level": 1})
    assert result.values[0] > 0.85 and result.values[1] > 0.85


def test_estimator_readout_mitigation_brings_bell_zz_closer_to_one(manila):
    base = {"circuits": bell(False), "observables": "ZZ", "shots": 4000, "run_options": SEED,
            "seed_transpiler": 1}
    raw = run(estimator, manila, {**base, "resilience_level": 0}).values[0]
    mitigated = run(estimator, manila, {**base, "resilience_level": 1})
    assert raw < 0.97  # noisy
    assert abs(1 - mitigated.values[0]) < abs(1 - raw)
    assert mitigated.metadata[0]["readout_mitigation_overhead"] > 1.0


def test_estimator_v2_pubs_broadcast_observables_against_parameters(sim):
    theta = Parameter("θ")
    qc = QuantumCircuit(2, name="ry_bell")
    qc.ry(theta, 0)
    qc.cx(0, 1)
    pub = (qc, [["ZZ"], ["XX"]], [[0.0], [math.pi / 2]])  # shape (2, 2)
    result = run(estimator, sim, {"pubs": [pub], "precision": 1 / math.sqrt(1000),
                                  "run_options": SEED})
    assert isinstance(result, PrimitiveResult)
    data = result[0].data
    assert data.evs.shape == (2, 2) and data.stds.shape == (2, 2)
    # <ZZ> = 1 at both angles; <XX> = sin θ: 0 then 1
    np.testing.assert_allclose(data.evs[0], [1.0, 1.0])
    assert data.evs[1, 1] == pytest.approx(1.0)
    assert data.evs[1, 0] == pytest.approx(0.0, abs=5 * data.stds[1, 0] + 1e-9)
    assert result[0].metadata["shots"] == 1000


def test_estimator_v2_pubs_from_pub_objects_use_their_precision(manila):
    pub = EstimatorPub.coerce((bell(False), ["ZZ", "IZ"]), precision=0.05)
    result = run(estimator, manila, {"pubs": [pub], "run_options": SEED})
    assert result[0].metadata["shots"] == 400
    assert result[0].data.evs[0] > 0.7  # a noisy but clearly correlated Bell pair
    assert abs(result[0].data.evs[1]) < 0.3


def test_estimator_rejects_exact_mode_on_a_noisy_device(manila):
    with pytest.raises(ValueError, match="noiseless"):
        estimator.main(manila, RecordingMessenger(), circuits=bell(False), observables="ZZ",
                       shots=None)


def test_estimator_names_the_circuit_when_widths_differ(sim):
    with pytest.raises(ValueError, match="bell"):
        estimator.main(sim, RecordingMessenger(), circuits=bell(False), observables="ZZZ")


# --------------------------------------------------------------------------- circuit-runner


def test_circuit_runner_returns_a_result_dict_runner_result_decodes(sim):
    result = run(circuit_runner, sim, {"circuits": [bell()], "shots": 500, **SEED})
    assert isinstance(result, RunnerResult)
    counts = result.get_counts()
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 500
    assert result.backend_name == "ibmq_qasm_simulator"
    with pytest.raises(QiskitError, match="measurement_error_mitigation"):
        result.get_quasiprobabilities()


def test_circuit_runner_mitigation_adds_quasiprobabilities(manila):
    ones = QuantumCircuit(2, name="ones")
    ones.x([0, 1])
    ones.measure_all()
    inputs = {"circuits": [bell(), ones], "shots": 2000, "measurement_error_mitigation": True,
              "seed_transpiler": 1, **SEED}
    result = run(circuit_runner, manila, inputs)
    assert result.backend_name == "fake_manila"
    bell_quasi, ones_quasi = result.get_quasiprobabilities()
    assert bell_quasi.shots == 2000
    assert bell_quasi[0b00] == pytest.approx(0.5, abs=0.08)
    assert bell_quasi[0b11] == pytest.approx(0.5, abs=0.08)
    raw_ones = result.get_counts(1).get("11", 0) / 2000
    assert abs(1 - ones_quasi[0b11]) < abs(1 - raw_ones)
    assert result.get_quasiprobabilities(1) == ones_quasi
    assert ones_quasi.nearest_probability_distribution()[0b11] > raw_ones


def test_circuit_runner_quasiprobabilities_on_the_ideal_simulator_are_the_frequencies(sim):
    inputs = {"circuits": bell(), "shots": 400, "measurement_error_mitigation": True, **SEED}
    result = run(circuit_runner, sim, inputs)
    quasi = result.get_quasiprobabilities()
    counts = result.get_counts()
    assert quasi.binary_probabilities() == {key: n / 400 for key, n in counts.items()}
    assert quasi.mitigation_overhead == 1.0


def test_sampler_v2_accepts_the_pub_objects_the_primitives_send(manila):
    pubs = [SamplerPub.coerce((bell(),), 200)]
    result = run(sampler, manila, {"pubs": pubs, "shots": 200, "run_options": SEED})
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 200
    assert counts.get("00", 0) + counts.get("11", 0) > 150  # noisy, but a Bell pair
