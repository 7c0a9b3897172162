"""Issue 13, item 4: a damaged, empty or unreachable store is refused with one line naming
the file and what to do, and the file is left exactly as it was (never written into,
never replaced by a new empty store).

Real store files: one is written by the runtime itself, then damaged the ways files
really get damaged (a failed copy, a truncated download, overwritten pages, a 0-byte
file).
"""

import hashlib
import os
import subprocess

import pytest
from qiskit_ibm_runtime.exceptions import IBMError

from qrt_jupyter import LocalRuntimeService
from qrt_jupyter.runtime.store import Store, StoreError


def _real_store(home):
    """A store with enough jobs and logs to span many pages, checkpointed and closed."""
    store = Store(home / "runtime.db")
    for n in range(40):
        store.insert_job(id=f"job{n}", program_id="p", backend="b", inputs="{}", options="{}",
                         status="RUNNING")
        store.write_batch([(f"job{n}", i, '{"i": %d}' % i, 0.0) for i in range(50)],
                          [(f"job{n}", 0, "stdout", "x" * 3000 + "\n", 0.0)])
    store._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return home / "runtime.db"


def _garbage(path):
    path.write_bytes(os.urandom(8192))


def _bad_header(path):
    data = bytearray(path.read_bytes())
    data[:16] = b"not sqlite at al"
    path.write_bytes(bytes(data))


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _overwritten_pages(path):
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 5 * page):  # every fifth page from the third
        data[start + 8:start + page] = os.urandom(page - 8)
    path.write_bytes(bytes(data))


def _emptied(path):
    path.write_bytes(b"")


DAMAGE = {"random bytes": _garbage, "bad header": _bad_header, "truncated": _truncated,
          "overwritten pages": _overwritten_pages, "0 bytes": _emptied}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_store_is_refused_in_one_line_and_left_as_it_was(tmp_path, kind):
    home = tmp_path / "home"
    path = _real_store(home)
    DAMAGE[kind](path)
    before = _digest(path)
    with pytest.raises(IBMError) as info:
        LocalRuntimeService(home=home)
    text = str(info.value)
    assert isinstance(info.value, StoreError)
    assert "\n" not in text and str(path) in text and "move it aside" in text.lower(), text
    assert _digest(path) == before  # not a byte written
    assert sorted(p.name for p in home.iterdir() if p.suffix == ".db") == ["runtime.db"]


def test_a_read_only_home_is_one_line(tmp_path):
    home = tmp_path / "home"
    _real_store(home)
    mounted = tmp_path / "ro"
    mounted.mkdir()
    if os.geteuid() == 0:  # root writes through file modes: a read-only bind mount instead
        done = subprocess.run(["mount", "--bind", "-o", "ro", str(home), str(mounted)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.decode().strip()}")
        target = mounted
    else:
        home.chmod(0o555)
        (home / "runtime.db").chmod(0o444)
        target = home
    try:
        with pytest.raises(IBMError) as info:
            LocalRuntimeService(home=target)
        text = str(info.value)
        assert "\n" not in text and str(target) in text and "cannot be used" in text, text
    finally:
        if target is mounted:
            subprocess.run(["umount", str(mounted)], check=True)
        else:
            home.chmod(0o755)


@pytest.mark.parametrize("kind", ["unreachable", "0 bytes", "random bytes"])
def test_the_magics_show_a_bad_home_as_one_usage_error(ip, tmp_path, kind):
    from IPython.core.error import UsageError

    from qrt_jupyter import active

    home = tmp_path / "home"
    if kind == "unreachable":
        home = "/proc/x"
    else:
        DAMAGE[kind](_real_store(home))
    service_before = active.current()
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("qrt_service", f"local --home {home}")
    text = str(info.value)
    assert "\n" not in text and str(home) in text, text
    assert active.current() is service_before  # the working service stays active
