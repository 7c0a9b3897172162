"""Backends of the IBM service: listing, one by name, least busy, as the dashboard reads them."""

from __future__ import annotations

import pytest
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import IBMBackend

from qrt_jupyter.ibm import IBMBackendHandle
from qrt_jupyter.ibm.names import parse_backend_ref

from . import fake_ibm_cloud as fake



def test_backends_have_name_qubits_and_status(ibm):
    backends = {b.name: b for b in ibm.backends()}
    assert set(backends) == {"ibm_manila", "ibm_nairobi", "ibm_quito"}  # ibm_lima is another instance's
    assert backends["ibm_manila"].num_qubits == 5 and backends["ibm_nairobi"].num_qubits == 7
    manila = backends["ibm_manila"].status()
    assert (manila.pending_jobs, manila.operational, manila.status_msg) == (3, True, "active")
    quito = backends["ibm_quito"].status()
    assert (quito.operational, quito.status_msg) == (False, "maintenance")
    assert all(isinstance(b, IBMBackendHandle) and not b.simulator for b in backends.values())


def test_listing_does_not_download_properties(ibm, fake_cloud):
    """num_qubits of a listing must not build every device's Target (properties download)."""
    [b.num_qubits for b in ibm.backends()]
    assert not [p for p in fake_cloud.paths("GET") if p.endswith("/properties")]


def test_backend_by_name_and_its_qiskit_backend(ibm):
    backend = ibm.backend("ibm_nairobi")
    assert backend.name == "ibm_nairobi"
    assert isinstance(backend.qiskit_backend, IBMBackend)
    assert backend.target.num_qubits == 7
    assert backend.instance == fake.CRN_OPEN
    assert parse_backend_ref(backend.ref) == ("qrt-test", fake.CRN_OPEN, "ibm_nairobi")
    assert ibm.backend(backend.ref) == backend  # the reference resolves back


def test_unknown_backend_lists_the_available_ones(ibm):
    with pytest.raises(QiskitBackendNotFoundError, match="unknown backend 'ibm_kyiv'.*ibm_manila, ibm_nairobi"):
        ibm.backend("ibm_kyiv")


def test_least_busy_skips_devices_that_are_down(ibm):
    # ibm_quito has the shortest queue (0) but is in maintenance
    assert ibm.least_busy().name == "ibm_nairobi"
    assert ibm.backend().name == "ibm_nairobi"


def test_least_busy_with_min_qubits(ibm, fake_cloud):
    fake_cloud.devices["ibm_manila"].queue_length = 0
    assert ibm.least_busy().name == "ibm_manila"
    assert ibm.least_busy(min_num_qubits=6).name == "ibm_nairobi"
    with pytest.raises(QiskitBackendNotFoundError, match="with 100 or more qubits"):
        ibm.least_busy(min_num_qubits=100)


def test_least_busy_follows_the_queues_as_they_change(ibm, fake_cloud):
    assert ibm.least_busy().name == "ibm_nairobi"
    fake_cloud.devices["ibm_nairobi"].queue_length = 40
    assert ibm.least_busy().name == "ibm_manila"


def test_monitor_layer_reads_the_handles(ibm):
    from qrt_jupyter.monitor import backend_snapshot

    snap = backend_snapshot(ibm.backend("ibm_manila"))
    assert (snap.name, snap.num_qubits, snap.operational, snap.pending_jobs, snap.simulator) == (
        "ibm_manila", 5, True, 3, False)
