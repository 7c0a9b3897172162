"""Fixtures of the issue-12 fidelity tests (``tests/test_fidelity_*.py``).

One runtime home per test module keeps the worker processes warm between tests, as they
stay for a user; each module imports the fixture by name.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    """A real LocalRuntimeService on a fresh home, shared by one module's tests."""
    from qrt_jupyter import LocalRuntimeService

    service = LocalRuntimeService(home=tmp_path_factory.mktemp("fidelity"))
    yield service
    service.close()
