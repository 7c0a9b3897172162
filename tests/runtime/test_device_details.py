"""One reader of a device's Target for every kind of backend object."""

from __future__ import annotations

import json

from qiskit.providers.fake_provider import GenericBackendV2

from qrt_jupyter.runtime.backends import LocalBackend, catalog
from qrt_jupyter.runtime.device_details import TWO_QUBIT_GATES, device_details


class _Handle:
    """The shape of the IBM adapter's handle: the real object behind ``qiskit_backend``."""

    def __init__(self, backend):
        self.qiskit_backend = backend
        self.name = "ibm_handle"
        self.num_qubits = backend.num_qubits
        self.simulator = False


def test_a_plain_backend_v2_is_read_qubit_by_qubit_and_pair_by_pair():
    backend = GenericBackendV2(num_qubits=3, coupling_map=[[0, 1], [1, 0], [1, 2]], seed=7)
    details = device_details(backend)
    json.dumps(details)  # plain data
    assert details["name"] == backend.name and details["num_qubits"] == 3 and details["simulator"] is False
    assert details["two_qubit_gate"] == "cx" and "cx" in TWO_QUBIT_GATES
    assert sorted(map(tuple, details["coupling_map"])) == [(0, 1), (1, 0), (1, 2)]
    assert [q["qubit"] for q in details["qubits"]] == [0, 1, 2]
    assert all(q["t1"] > 0 and q["readout_error"] > 0 and q["sx_error"] > 0 for q in details["qubits"])
    pairs = {(a, b): error for a, b, error in details["edge_errors"]}
    assert set(pairs) == {(0, 1), (1, 2)}  # one entry per pair, the lower of both directions
    target = backend.target
    assert pairs[(0, 1)] == min(target["cx"][(0, 1)].error, target["cx"][(1, 0)].error)
    assert 0 < details["two_qubit_error_median"] < 1 and 0 < details["t1_median"]


def test_a_handle_with_qiskit_backend_reads_the_same_target():
    backend = GenericBackendV2(num_qubits=2, seed=3)
    details = device_details(_Handle(backend))
    assert details["name"] == "ibm_handle" and details["simulator"] is False
    assert details["edge_errors"] == device_details(backend)["edge_errors"]


def test_local_backend_details_agree_with_the_reader():
    backend = LocalBackend(catalog()["fake_manila"])
    direct = device_details(backend.qiskit_backend, name="fake_manila", num_qubits=5, simulator=False)
    assert backend.details() == direct
    assert len(direct["qubits"]) == 5 and direct["edge_errors"]


def test_no_target_gives_the_empty_shape():
    details = device_details(object(), name="x", num_qubits=2)
    assert details["qubits"] == [{"qubit": q, "t1": None, "t2": None, "readout_error": None, "sx_error": None}
                                 for q in range(2)]
    assert details["coupling_map"] is None and details["edge_errors"] == [] and details["basis_gates"] == []
