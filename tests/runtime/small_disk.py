"""A real, small file system for the full-disk tests: a 3 MB tmpfs (mounted as root; the
tests are skipped with the reason where it cannot be), and a way to fill it to the last page."""

import os
import subprocess

import pytest


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a 3 MB tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 3 MB tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(directory, name="filler"):
    """Take what room is left on the file system, to the last page (ENOSPC at 1 byte)."""
    with open(directory / name, "ab", buffering=0) as handle:
        for size in (65536, 4096, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError:
                pass


def sqlite_bytes(home):
    """What SQLite's files of the store take on the disk (room it may reuse without growing)."""
    return sum(path.stat().st_size for path in home.glob("runtime.db*") if not path.name.endswith("-reserve"))
