"""Result decoders: stored JSON in, the objects a Qiskit user expects out.

Raw results are produced the way the runtime stores them (``json.dumps(value,
cls=RuntimeEncoder)``), from real qiskit objects: Aer results, reference primitives' results.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from qiskit.exceptions import QiskitError
from qiskit.primitives import (
    EstimatorResult,
    PrimitiveResult,
    SamplerResult,
    StatevectorEstimator,
    StatevectorSampler,
)
from qiskit.result import QuasiDistribution, Result
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import RuntimeEncoder

from qrt_jupyter import RunnerResult
from qrt_jupyter.runtime.results import (
    EstimatorResultDecoder,
    ResultDecoder,
    SamplerResultDecoder,
)
from support import bell


def stored(value) -> str:
    return json.dumps(value, cls=RuntimeEncoder)


# --------------------------------------------------------------------------- ResultDecoder


def test_result_decoder_decodes_runtime_json():
    raw = stored({"values": np.array([1.0, 2.0]), "when": 3 + 4j})
    decoded = ResultDecoder.decode(raw)
    np.testing.assert_array_equal(decoded["values"], [1.0, 2.0])
    assert decoded["when"] == 3 + 4j


def test_result_decoder_accepts_bytes_decoded_objects_and_plain_text():
    assert ResultDecoder.decode(b'"All done!"') == "All done!"
    already = {"quasi_dists": [{0: 1.0}]}
    assert ResultDecoder.decode(already) is already
    assert ResultDecoder.decode("not json at all") == "not json at all"
    assert ResultDecoder.decode(None) is None


# --------------------------------------------------------------------------- sampler


def test_sampler_decoder_builds_quasi_distributions_with_integer_outcomes():
    raw = stored({
        "quasi_dists": [{0: 0.5, 3: 0.5}, {"0x1": 1.0}],
        "metadata": [{"shots": 400}, {"shots": 100, "readout_mitigation_overhead": 4.0}],
    })
    result = SamplerResultDecoder.decode(raw)
    assert isinstance(result, SamplerResult)
    first, second = result.quasi_dists
    assert isinstance(first, QuasiDistribution)
    assert first == {0: 0.5, 3: 0.5}
    assert first.binary_probabilities() == {"00": 0.5, "11": 0.5}
    assert first.shots == 400 and first.stddev_upper_bound == pytest.approx(1 / 20)
    assert second == {1: 1.0}
    assert second.stddev_upper_bound == pytest.approx(math.sqrt(4.0 / 100))
    assert result.metadata[1]["readout_mitigation_overhead"] == 4.0


def test_sampler_decoder_tolerates_metadata_without_shots():
    result = SamplerResultDecoder.decode(stored({"quasi_dists": [{1: 1.0}], "metadata": [{}]}))
    assert result.quasi_dists[0] == {1: 1.0}
    assert result.quasi_dists[0].shots is None


def test_sampler_decoder_passes_a_v2_primitive_result_through():
    original = StatevectorSampler(seed=3).run([bell()], shots=50).result()
    decoded = SamplerResultDecoder.decode(stored(original))
    assert isinstance(decoded, PrimitiveResult)
    assert decoded[0].data.meas.get_counts() == original[0].data.meas.get_counts()
    assert SamplerResultDecoder.decode(original) is original


# --------------------------------------------------------------------------- estimator


def test_estimator_decoder_gives_numpy_values_and_variances():
    raw = stored({"values": [1.0, -0.25], "metadata": [{"variance": 0.0, "shots": 100},
                                                       {"variance": 0.9375, "shots": 100}]})
    result = EstimatorResultDecoder.decode(raw)
    assert isinstance(result, EstimatorResult)
    assert isinstance(result.values, np.ndarray)
    np.testing.assert_array_equal(result.values, [1.0, -0.25])
    assert result.metadata[1] == {"variance": 0.9375, "shots": 100}


def test_estimator_decoder_passes_a_v2_primitive_result_through():
    original = StatevectorEstimator().run([(bell(False), ["ZZ", "XX"])]).result()
    decoded = EstimatorResultDecoder.decode(stored(original))
    assert isinstance(decoded, PrimitiveResult)
    np.testing.assert_allclose(decoded[0].data.evs, [1.0, 1.0])


# --------------------------------------------------------------------------- RunnerResult


def aer_result(shots=100) -> Result:
    return AerSimulator().run([bell(), bell()], shots=shots, seed_simulator=5).result()


def test_runner_result_decodes_a_result_dict_into_a_qiskit_result():
    result = RunnerResult.decode(stored(aer_result().to_dict()))
    assert isinstance(result, RunnerResult) and isinstance(result, Result)
    counts = result.get_counts(0)
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    assert len(result.results) == 2


def test_runner_result_accepts_an_encoded_result_object_and_none():
    result = RunnerResult.decode(stored(aer_result()))  # {"__type__": "Result", ...}
    assert isinstance(result, RunnerResult)
    assert RunnerResult.decode(None) is None
    assert RunnerResult.decode("null") is None


def test_runner_result_without_mitigation_has_no_quasiprobabilities():
    result = RunnerResult.decode(stored(aer_result().to_dict()))
    with pytest.raises(QiskitError, match="measurement_error_mitigation"):
        result.get_quasiprobabilities(0)


def test_runner_result_reads_the_circuit_runners_quasiprobabilities():
    data = aer_result(shots=1000).to_dict()
    for experiment, quasi in zip(data["results"], ({"0x0": 0.6, "0x3": 0.4}, {"0x3": 1.0})):
        experiment["data"]["quasiprobabilities"] = quasi
        experiment["header"]["final_measurement_mapping"] = {"0": 0, "1": 1}
        experiment["header"]["readout_mitigation_overhead"] = 1.2
    result = RunnerResult.decode(stored(data))
    first, second = result.get_quasiprobabilities()
    assert isinstance(first, QuasiDistribution)  # qiskit's, as IBM's RunnerResult gave
    assert first.binary_probabilities() == {"00": 0.6, "11": 0.4}
    assert first.shots == 1000 and first.mitigation_overhead == 1.2
    assert result.get_quasiprobabilities(1) == {3: 1.0}
