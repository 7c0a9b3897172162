"""Heavy imports run with the cyclic collector paused, and leave it as they found it."""

from __future__ import annotations

import gc
import sys

import pytest

from qrt_jupyter._lazy import import_heavy


@pytest.fixture
def collector_state():
    was_enabled = gc.isenabled()
    yield
    gc.enable() if was_enabled else gc.disable()


def test_the_collector_is_off_during_the_import_and_on_again_after(collector_state, tmp_path, monkeypatch):
    (tmp_path / "qrt_probe_gc.py").write_text("import gc\nENABLED_DURING_IMPORT = gc.isenabled()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    gc.enable()
    import_heavy("qrt_probe_gc")
    assert sys.modules["qrt_probe_gc"].ENABLED_DURING_IMPORT is False
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_user_stays_off(collector_state):
    gc.disable()
    import_heavy("json")
    assert not gc.isenabled()


def test_a_failing_import_raises_and_turns_the_collector_back_on(collector_state):
    gc.enable()
    with pytest.raises(ModuleNotFoundError, match="qrt_no_such_module"):
        import_heavy("qrt_no_such_module")
    assert gc.isenabled()
