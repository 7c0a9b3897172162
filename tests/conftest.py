"""Shared fixtures: every test gets its own runtime home in a temporary folder."""

import os

import pytest

# never touch the user's ~/.qrt from the test suite
os.environ.setdefault("QRT_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "qrt-test-home-default"))


@pytest.fixture
def service(tmp_path):
    """A real LocalRuntimeService on a fresh home (real SQLite file, real workers)."""
    from qrt_jupyter import LocalRuntimeService

    svc = LocalRuntimeService(home=tmp_path / "home")
    yield svc
    svc.close()
