"""Backends built by a registered factory (what qrt_jupyter.ibm registers for ``ibm:`` names)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from qiskit.providers.exceptions import QiskitBackendNotFoundError

from qrt_jupyter.runtime import backends
from qrt_jupyter.runtime.backends import backend_factory, register_backend_factory

from .programs import LOOP, upload

FACTORY_MODULE = '''
from qiskit.providers.fake_provider import GenericBackendV2

def make(rest):
    backend = GenericBackendV2(num_qubits=2, seed=1)
    backend.name = "made-" + rest
    return backend
'''


def test_registration_is_checked_and_looked_up_by_prefix(monkeypatch):
    monkeypatch.setattr(backends, "BACKEND_FACTORIES", {})
    for prefix, target in (("", "m:f"), ("a:b", "m:f"), ("p", "module"), ("p", ":f")):
        with pytest.raises(ValueError, match="module:function"):
            register_backend_factory(prefix, target)
    register_backend_factory("p", "some.module:make")
    assert backend_factory("p:device") == "some.module:make"
    assert backend_factory("fake_manila") is None
    with pytest.raises(KeyError, match="no backend factory for prefix 'q'.*known prefixes: p"):
        backend_factory("q:device")


def test_the_ibm_package_registers_its_prefix_when_imported():
    code = textwrap.dedent("""
        from qrt_jupyter.runtime import backends
        before = dict(backends.BACKEND_FACTORIES)
        import qrt_jupyter.ibm
        print(before, backends.BACKEND_FACTORIES)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "{} {'ibm': 'qrt_jupyter.ibm.worker_backend:make_backend'}"


def test_a_job_on_a_registered_backend_runs_in_a_worker_that_imports_the_factory(tmp_path, monkeypatch):
    from qrt_jupyter import LocalRuntimeService

    (tmp_path / "qrt_test_factory.py").write_text(FACTORY_MODULE)
    # workers inherit the environment: the factory's module is importable there, not imported here;
    # set before the service exists, which starts its workers when created
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    monkeypatch.setitem(backends.BACKEND_FACTORIES, "testfab", "qrt_test_factory:make")
    service = LocalRuntimeService(home=tmp_path / "home")
    try:
        program_id = upload(service, LOOP)
        assert service.backend("testfab:dev1").name == "testfab:dev1"
        job = service.run(program_id, {"n": 1}, options={"backend_name": "testfab:dev1"})
        assert job.result(timeout=180) == {"n": 1, "backend": "made-dev1"}
        assert "qrt_test_factory" not in sys.modules
    finally:
        service.close()


def test_an_unregistered_prefix_is_an_unknown_backend(service):
    with pytest.raises(QiskitBackendNotFoundError, match="no backend factory for prefix 'nowhere'"):
        service.backend("nowhere:device")
