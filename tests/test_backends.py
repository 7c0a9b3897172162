"""Local backends: the cheap catalog, the real objects workers use, the client-side handle."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import BackendSamplerV2
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit_ibm_runtime.models import BackendStatus

from qrt_jupyter.runtime import backends
from qrt_jupyter.runtime.backends import (
    BACKEND_FACTORIES,
    BackendInfo,
    LocalBackend,
    catalog,
    make_backend,
)
from support import bell


def transpiled_for(backend, circuit):
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(1, backend=backend, seed_transpiler=1).run(circuit)


# --------------------------------------------------------------------------- catalog


def test_catalog_needs_no_qiskit_import():
    code = (
        "import sys\n"
        "from qrt_jupyter.runtime.backends import catalog\n"
        "names = catalog()\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('qiskit', 'qiskit_aer', 'qiskit_ibm_runtime', 'numpy')]\n"
        "print(len(names), heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, heavy = out.stdout.split(" ", 1)
    assert int(count) > 50
    assert heavy.strip() == "[]"


def test_catalog_lists_the_simulator_first_then_every_fake_v2_device():
    from qiskit_ibm_runtime.fake_provider import backends as fake_modules
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    names = list(catalog())
    assert names[0] == "ibmq_qasm_simulator"
    device_names = {
        cls.backend_name
        for cls in vars(fake_modules).values()
        if isinstance(cls, type) and issubclass(cls, FakeBackendV2)
    }
    assert set(names[1:]) == device_names
    assert names[1:] == sorted(names[1:])


def test_catalog_entries_describe_capacity_and_size():
    entries = catalog()
    simulator, manila = entries["ibmq_qasm_simulator"], entries["fake_manila"]
    assert simulator == BackendInfo("ibmq_qasm_simulator", 32, True, max(1, os.cpu_count() or 1))
    assert (manila.num_qubits, manila.simulator, manila.max_concurrency) == (5, False, 1)
    for name in ("fake_armonk", "fake_kyiv", "fake_fractional"):
        assert entries[name].num_qubits == make_backend(name).num_qubits
    assert catalog() is entries  # cached


# --------------------------------------------------------------------------- make_backend


def test_simulator_is_an_ideal_aer_simulator_named_like_the_old_service():
    sim = make_backend("ibmq_qasm_simulator")
    assert sim.name == "ibmq_qasm_simulator"
    counts = sim.run(transpiled_for(sim, bell()), shots=500, seed_simulator=1).result().get_counts()
    assert set(counts) == {"00", "11"}
    assert make_backend("ibmq_qasm_simulator") is sim  # one per process


def test_fake_device_has_its_name_and_its_noise():
    device = make_backend("fake_manila")
    assert device.name == "fake_manila" and device.num_qubits == 5
    ones = QuantumCircuit(1)
    ones.x(0)
    ones.measure_all()
    counts = device.run(transpiled_for(device, ones), shots=2000, seed_simulator=3).result().get_counts()
    assert 0 < counts.get("0", 0) < 400  # readout and gate errors, but mostly right


def test_backends_serve_as_mode_of_v2_primitives():
    device = make_backend("fake_manila")
    result = BackendSamplerV2(backend=device).run([transpiled_for(device, bell())], shots=100).result()
    assert sum(result[0].data.meas.get_counts().values()) == 100


def test_unknown_backend_is_a_key_error_that_suggests_names():
    with pytest.raises(KeyError, match="unknown backend 'fake_manilla'.*fake_manila"):
        make_backend("fake_manilla")


# --------------------------------------------------------------------------- factories

made_by_factory: list[str] = []


def make_test_backend(rest: str):
    """A backend factory, as qrt_jupyter.ibm registers one, imported by its string name."""
    made_by_factory.append(rest)
    return GenericBackendV2(num_qubits=2, seed=1)


def test_prefixed_names_go_to_the_registered_factory(monkeypatch):
    monkeypatch.setitem(BACKEND_FACTORIES, "test", f"{__name__}:make_test_backend")
    monkeypatch.setattr(backends, "_backends", {})
    backend = make_backend("test:device_a")
    assert made_by_factory[-1] == "device_a"
    assert backend.num_qubits == 2
    assert make_backend("test:device_a") is backend  # cached like the local ones


def test_unknown_prefix_is_a_key_error_naming_the_prefix():
    with pytest.raises(KeyError, match="no backend factory for prefix 'nowhere'"):
        make_backend("nowhere:device")


# --------------------------------------------------------------------------- LocalBackend


def test_local_backend_status_reports_our_queue():
    pending = [0]
    backend = LocalBackend(catalog()["fake_manila"], lambda: pending[0])
    assert (backend.name, backend.num_qubits, backend.simulator) == ("fake_manila", 5, False)
    status = backend.status()
    assert isinstance(status, BackendStatus)
    assert (status.backend_name, status.operational, status.pending_jobs) == ("fake_manila", True, 0)
    assert status.status_msg
    pending[0] = 4
    assert backend.status().pending_jobs == 4
    assert repr(backend) == "<LocalBackend('fake_manila')>"


def test_local_backend_details_summarise_the_device():
    backend = LocalBackend(catalog()["fake_manila"])
    assert backend.qiskit_backend is make_backend("fake_manila")
    details = backend.details()
    assert details["num_qubits"] == 5
    assert {"cx", "sx", "rz", "measure"} <= set(details["basis_gates"])
    assert "if_else" not in details["basis_gates"]
    assert [0, 1] in details["coupling_map"]
    assert 0 < details["t1_median"] < 1 and 0 < details["t2_median"] < 1  # seconds
    assert 0 < details["readout_error_median"] < 0.2
    assert details["two_qubit_gate"] == "cx"
    assert 0 < details["two_qubit_error_median"] < 0.2


def test_simulator_details_have_no_device_errors():
    details = LocalBackend(catalog()["ibmq_qasm_simulator"]).details()
    assert details["num_qubits"] == 32 and details["simulator"] is True
    assert details["coupling_map"] is None
    assert details["t1_median"] is None and details["readout_error_median"] is None
