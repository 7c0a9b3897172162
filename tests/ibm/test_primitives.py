"""run("sampler" | "estimator") on IBM: inputs → ISA pubs → SamplerV2 / EstimatorV2."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import RuntimeDecoder
from qiskit_ibm_runtime.exceptions import IBMInputValueError
from support import bell


def submitted(fake_cloud) -> dict:
    """The body of the last job submission, decoded as the service decodes it."""
    (body,) = [b for (m, _h, p, _hd), b in zip(fake_cloud.requests, fake_cloud.bodies)
               if m == "POST" and p == "/api/v1/jobs"][-1:]
    return json.loads(body, cls=RuntimeDecoder)


def finish(fake_cloud, job):
    fake_cloud.set_status(job.job_id(), "DONE")
    return job.result()


def test_sampler_seed_style_is_transpiled_to_the_device(ibm, fake_cloud):
    job = ibm.run("sampler", {"circuits": [bell()], "shots": 300}, options={"backend_name": "ibm_manila"})
    payload = submitted(fake_cloud)
    assert payload["program_id"] == "sampler" and payload["backend"] == "ibm_manila"
    circuit, _values, shots = payload["params"]["pubs"][0]
    basis = set(fake_cloud.devices["ibm_manila"].conf["basis_gates"]) | {"measure", "barrier"}
    assert circuit.num_qubits == 5 and set(circuit.count_ops()) <= basis  # ISA for the device
    assert shots == 300
    counts = finish(fake_cloud, job)[0].data.meas.get_counts()
    assert set(counts) == {"00", "11"} and sum(counts.values()) == 300


def test_sampler_v2_pubs_with_parameters(ibm, fake_cloud):
    theta = Parameter("θ")
    qc = QuantumCircuit(1)
    qc.rx(theta, 0)
    qc.measure_all()
    job = ibm.run("sampler", {"pubs": [(qc, [[0.0], [math.pi]])], "shots": 64})
    data = finish(fake_cloud, job)[0].data.meas
    assert data.shape == (2,)
    assert data[0].get_counts() == {"0": 64} and data[1].get_counts() == {"1": 64}


def test_skip_transpilation_sends_the_circuit_as_given(ibm, fake_cloud):
    backend = ibm.backend("ibm_manila")
    isa = generate_preset_pass_manager(optimization_level=0, backend=backend.qiskit_backend).run(bell())
    ibm.run("sampler", {"circuits": isa, "skip_transpilation": True}, options={"backend_name": "ibm_manila"})
    circuit = submitted(fake_cloud)["params"]["pubs"][0][0]
    assert circuit.count_ops() == isa.count_ops()


def test_skip_transpilation_of_a_non_isa_circuit_is_refused_by_the_client(ibm):
    with pytest.raises(IBMInputValueError, match="(?i)not supported by the target|ISA"):
        ibm.run("sampler", {"circuits": bell(), "skip_transpilation": True})


def test_estimator_seed_style_maps_observables_through_the_layout(ibm, fake_cloud):
    job = ibm.run("estimator", {"circuits": [bell(False), bell(False)],
                                "observables": [SparsePauliOp("ZZ"), SparsePauliOp("XX")],
                                "resilience_level": 1},
                  options={"backend_name": "ibm_nairobi"})
    payload = submitted(fake_cloud)["params"]
    circuit, observables, _values, _precision = payload["pubs"][0]
    assert circuit.num_qubits == 7 and all(len(p) == 7 for p in observables)  # {pauli: coeff}
    assert payload["resilience_level"] == 1
    result = finish(fake_cloud, job)
    assert [float(pub.data.evs) for pub in result] == pytest.approx([1.0, 1.0])


def test_estimator_v2_pubs(ibm, fake_cloud):
    theta = Parameter("θ")
    qc = QuantumCircuit(1)
    qc.ry(theta, 0)
    job = ibm.run("estimator", {"pubs": [(qc, "Z", [[0.0], [math.pi / 2], [math.pi]])]})
    evs = finish(fake_cloud, job)[0].data.evs
    assert np.allclose(evs, [1.0, 0.0, -1.0], atol=1e-9)


def test_runtime_options_reach_the_service(ibm, fake_cloud):
    ibm.run("sampler", {"circuits": bell()},
            options={"backend_name": "ibm_nairobi", "max_execution_time": 120, "job_tags": ["qrt"]})
    payload = submitted(fake_cloud)
    assert payload["backend"] == "ibm_nairobi"
    assert payload["cost"] == 120 and payload["tags"] == ["qrt"]


def test_least_busy_device_that_fits(ibm, fake_cloud):
    fake_cloud.devices["ibm_manila"].queue_length = 0  # less busy, but only 5 qubits
    wide = QuantumCircuit(6)
    wide.h(range(6))
    wide.measure_all()
    job = ibm.run("sampler", {"circuits": wide})
    assert job.backend().name == "ibm_nairobi"
    assert ibm.run("sampler", {"circuits": bell()}).backend().name == "ibm_manila"


def test_circuit_too_wide_for_the_chosen_backend(ibm):
    wide = QuantumCircuit(6)
    wide.measure_all()
    with pytest.raises(IBMInputValueError, match="'ibm_manila' has 5 qubits; these inputs need 6"):
        ibm.run("sampler", {"circuits": wide}, options={"backend_name": "ibm_manila"})


@pytest.mark.parametrize("program, inputs, message", [
    ("sampler", {"circuits": None}, "needs 'pubs' or 'circuits'"),
    ("sampler", {"circuit": "oops"}, "does not take circuit;"),
    ("estimator", {"circuits": QuantumCircuit(1)}, "needs 'observables'"),
    ("sampler", {"circuits": [QuantumCircuit(1)] * 2, "parameter_values": [[1.0]]},
     "parameter_values has 1 entries for 2 circuits"),
])
def test_bad_inputs_are_one_clear_line(ibm, program, inputs, message):
    with pytest.raises(IBMInputValueError, match=message) as info:
        ibm.run(program, inputs, options={"backend_name": "ibm_manila"})
    assert "\n" not in str(info.value)


def test_programs_lists_the_ibm_primitives_first(ibm):
    programs = ibm.programs()
    assert [p.program_id for p in programs[:2]] == ["sampler", "estimator"]
    assert "pubs" in ibm.program("sampler").parameters["properties"]
    assert "observables" in ibm.program("estimator").parameters["properties"]
    # the local runtime's own sampler/estimator are replaced by IBM's, not listed twice
    assert [p.program_id for p in programs].count("sampler") == 1
