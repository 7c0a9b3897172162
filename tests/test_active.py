"""The active service shared by magics, dashboard and Python code (``qrt_jupyter.active``)."""

from __future__ import annotations

import pytest

from qrt_jupyter import active


@pytest.fixture(autouse=True)
def no_active_service():
    previous = active.set_service(None)
    yield
    active.set_service(previous)


class FakeIBM:
    """Any object with the service API can be the active one; here only what describe() reads."""

    channel = "ibm_cloud"
    instance = "crn:demo"


def test_use_local_activates_and_keeps_the_same_home(tmp_path):
    seen = []
    unsubscribe = active.on_change(seen.append)
    try:
        service = active.use_local(tmp_path / "home")
        assert active.current() is service is active.get_service()
        assert active.use_local(tmp_path / "home") is service  # same home: no switch
        assert seen == [service]
        assert active.describe(service) == f"local runtime (home {tmp_path / 'home'})"
        other = active.use_local(tmp_path / "other")
        assert seen == [service, other]
        other.close()
    finally:
        unsubscribe()
        service.close()


def test_set_service_returns_the_previous_and_listeners_can_leave():
    seen = []
    unsubscribe = active.on_change(seen.append)
    ibm = FakeIBM()
    assert active.set_service(ibm) is None
    assert active.set_service(None) is ibm
    unsubscribe()
    active.set_service(ibm)
    assert seen == [ibm, None]


def test_a_failing_listener_does_not_break_the_switch(caplog):
    def broken(service):
        raise RuntimeError("boom")

    unsubscribe = active.on_change(broken)
    try:
        active.set_service(FakeIBM())
    finally:
        unsubscribe()
    assert isinstance(active.current(), FakeIBM)
    assert "listener" in caplog.text


def test_describe():
    assert active.describe(FakeIBM()) == "FakeIBM (channel ibm_cloud, instance crn:demo)"
    assert "no service chosen" in active.describe(None)

    class WithDescription:
        description = "IBM Quantum (ibm_cloud, default account)"

    assert active.describe(WithDescription()) == "IBM Quantum (ibm_cloud, default account)"


def test_use_ibm_fails_without_account(tmp_path, monkeypatch):
    monkeypatch.setenv("QRT_IBM_ACCOUNTS_FILE", str(tmp_path / "none.json"))
    with pytest.raises(Exception) as info:
        active.use_ibm(channel="ibm_cloud")
    assert "save_account" in str(info.value)
    assert active.current() is None
