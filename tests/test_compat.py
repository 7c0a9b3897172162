"""Each private attribute of qiskit / qiskit-aer / qiskit-ibm-runtime we rely on, against the installed
versions (qrt_jupyter/_compat.py): if an upgrade moves one, the test says which."""

from __future__ import annotations

import datetime

from qiskit import QuantumCircuit
from qiskit.primitives import BackendSamplerV2, StatevectorSampler

from qrt_jupyter import _compat


def _measured():
    qc = QuantumCircuit(1)
    qc.measure_all()
    return qc


def test_aer_default_configuration_is_a_private_copy():
    from qiskit_aer import AerSimulator

    config = _compat.aer_default_configuration()
    assert config["backend_name"] == "aer_simulator" and "n_qubits" in config and "basis_gates" in config
    config["backend_name"] = "changed"
    assert AerSimulator._DEFAULT_CONFIGURATION["backend_name"] == "aer_simulator"


def test_aer_target_key_changes_exactly_when_the_target_would():
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    simulator = AerSimulator()
    key = _compat.aer_target_key(simulator)
    assert key is not None and _compat.aer_target_key(simulator) == key
    first, second = simulator.target, simulator.target  # a new, equal target each time: what the key stands for
    assert first is not second and (first.num_qubits, set(first.operation_names)) == \
        (second.num_qubits, set(second.operation_names))
    simulator.set_options(shots=7, seed_simulator=3)  # not a configuration option
    assert _compat.aer_target_key(simulator) == key
    simulator.set_options(n_qubits=3)
    narrow = _compat.aer_target_key(simulator)
    assert narrow != key and simulator.target.num_qubits == 3
    simulator.set_options(method="stabilizer")
    assert _compat.aer_target_key(simulator) not in (key, narrow)
    noise = NoiseModel()
    noise.add_all_qubit_quantum_error(depolarizing_error(0.1, 1), ["sx"])
    noisy = AerSimulator(noise_model=noise)
    assert _compat.aer_target_key(noisy) != _compat.aer_target_key(AerSimulator())
    assert _compat.aer_target_key(AerSimulator.from_backend(FakeManilaV2())) is None  # a fixed target
    assert _compat.aer_target_key(FakeManilaV2()) is None


def test_sampler_result_here_is_what_run_gives():
    import warnings

    import numpy as np
    from qiskit.circuit import Parameter
    from qiskit_aer import AerSimulator

    theta = Parameter("t")
    circuit = QuantumCircuit(2, 2)
    circuit.rx(theta, 0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    pubs = [(circuit, np.array([[0.1], [1.2], [2.3]])), (_measured(), None, 77)]
    sampler = BackendSamplerV2(backend=AerSimulator(), options={"default_shots": 300, "seed_simulator": 4})
    here, there = _compat.sampler_result_here(sampler, pubs), sampler.run(pubs).result()
    assert here.metadata == there.metadata and len(here) == len(there) == 2
    for a, b in zip(here, there):
        assert a.metadata == b.metadata
        assert {k: v.get_counts() for k, v in a.data.items()} == {k: v.get_counts() for k, v in b.data.items()}
        assert all(np.array_equal(a.data[k].array, b.data[k].array) for k in a.data)
    empty = QuantumCircuit(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _compat.sampler_result_here(sampler, [(empty,)])
    assert any("no output classical registers" in str(w.message) for w in caught)
    other = StatevectorSampler(seed=3)  # not a BackendSamplerV2: through run()
    assert _compat.sampler_result_here(other, [(_measured(),)])[0].data.meas.num_shots == 1024


def test_fake_device_noise_is_loaded_before_its_first_run():
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    device = FakeManilaV2()
    assert device.options.noise_model is None
    _compat.load_fake_device_noise(device)
    assert device.options.noise_model is not None
    _compat.load_fake_device_noise(object())  # no such method: nothing to do


def test_options_restored_undoes_set_options():
    from qiskit_aer import AerSimulator

    backend = AerSimulator()
    with _compat.options_restored(backend):
        backend.set_options(shots=7, seed_simulator=3)
        assert backend.options.shots == 7
    assert backend.options.shots == 1024 and backend.options.seed_simulator is None
    with _compat.options_restored(object()):  # no options: left alone
        pass


def test_primitive_job_future_primitive_and_backend():
    job = StatevectorSampler().run([_measured()])
    future = _compat.job_future(job)
    assert hasattr(future, "done") and hasattr(future, "running")
    assert isinstance(_compat.primitive_of_job(job), StatevectorSampler)
    assert _compat.primitive_job_backend(job) is None  # a statevector primitive has none
    job.result()

    from qiskit_aer import AerSimulator

    backend = AerSimulator()
    job = BackendSamplerV2(backend=backend).run([_measured()])
    assert _compat.primitive_job_backend(job) is backend
    job.result()
    assert _compat.job_future(object()) is None and _compat.primitive_of_job(object()) is None


def test_ibm_backend_client_and_job_cached_facts():
    from qiskit_ibm_runtime import RuntimeJobV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    from qiskit_ibm_runtime.ibm_backend import IBMBackend

    backend = IBMBackend(configuration=FakeManilaV2().configuration(), service=None, api_client=None,
                         instance="crn:v1:test")
    assert _compat.ibm_backend_client(backend) == {"api_client": None, "instance": "crn:v1:test"}
    assert _compat.ibm_backend_client(object()) == {"api_client": None, "instance": None}

    created = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)
    job = RuntimeJobV2(backend=backend, api_client=None, job_id="j1", program_id="sampler", service=None,
                       creation_date=created, session_id="s1")
    assert _compat.ibm_job_cached_facts(job) == {"program": "sampler", "created": created, "session_id": "s1"}
    assert _compat.primitive_job_backend(job) is backend


def test_figure_widget_with_layout_takes_the_layout_and_validates_later_changes():
    import plotly.graph_objects as go
    import pytest

    from qrt_jupyter.widgets.figures import lines_layout

    checked = go.Layout(lines_layout()).to_plotly_json()
    figure = _compat.figure_widget_with_layout(checked)
    assert figure.layout.to_plotly_json() == go.FigureWidget(layout=lines_layout()).layout.to_plotly_json()
    with pytest.raises(ValueError):
        figure.update_layout(not_a_layout_property=1)
    with pytest.raises(ValueError):
        figure.add_scatter(x=[1], y=[1], not_a_trace_property=1)
    figure.close()
