"""Shared fixtures: runtimes on temporary homes, and one IPython shell for the magics.

Two kinds of runtime. ``fresh_service`` (also called ``service``) is a fresh
home per test, for tests that need the store to themselves (listing or counting
every job, writing into the store's file, recovery). ``runtime`` is one home for
the whole session whose worker processes stay warm, for tests that only need "a
runtime": starting a worker (a Python that imports qiskit and Aer) costs
seconds, and most tests paid it for nothing. A test on ``runtime`` looks only at
the jobs it made itself, and names the programs it uploads with a name no other
module uses (an upload under a taken name is refused).
"""

import copy
import os
from pathlib import Path

import pytest

from support import finish_unfinished, runtime_on

# never touch the user's ~/.qrt from the test suite
os.environ.setdefault("QRT_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "qrt-test-home-default"))


@pytest.fixture
def fresh_service(tmp_path):
    """A real LocalRuntimeService on a fresh home, ``tmp_path / "home"`` (real SQLite file, real workers)."""
    with runtime_on(tmp_path / "home") as svc:
        yield svc


@pytest.fixture
def service(fresh_service):
    """``fresh_service``, under the name most modules use (a module may give it another meaning)."""
    return fresh_service


@pytest.fixture(scope="session")
def warm_service(tmp_path_factory):
    """The session's shared LocalRuntimeService; tests take it through ``runtime``."""
    with runtime_on(tmp_path_factory.mktemp("warm-home")) as svc:
        yield svc


@pytest.fixture
def runtime(warm_service):
    """The shared runtime with warm workers, with idle queues when the test starts and ends.

    Other tests' finished jobs and uploaded programs are in its store, so a test
    names its own jobs (by id) rather than asserting on all of them. What could
    make another test's assertion wrong is a job still queued or running (a queue
    position, a pending count, a busy device): whatever a test leaves unfinished
    is cancelled here and waited for, and a test never starts on a busy runtime.
    """
    left = warm_service.jobs(limit=None, pending=True)
    assert not left, f"the shared runtime is busy before the test: {[j.job_id() for j in left]}"
    yield warm_service
    finish_unfinished(warm_service)


# -- IPython ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def shell():
    """The one real InteractiveShell of the session (IPython's singleton); use ``ip``."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


@pytest.fixture
def ip(shell, runtime, capsys):
    """The shell with the extension loaded and the shared runtime as the active service.

    Reset after each test in the ways a later test could notice: the names the
    test added to the user namespace, ``%config QRTMagics...`` settings, the
    extension (unloaded, so the next load makes fresh magics), and the active
    service (any other than the shared runtime is closed).
    """
    from qrt_jupyter import active

    config_before = copy.deepcopy(shell.config.get("QRTMagics"))
    names_before = set(shell.user_ns)
    shell.extension_manager.load_extension("qrt_jupyter")
    shell.run_line_magic("qrt_service", f"local --home {runtime.home}")
    capsys.readouterr()
    yield shell
    left = active.set_service(None)
    shell.extension_manager.unload_extension("qrt_jupyter")
    for name in set(shell.user_ns) - names_before:
        del shell.user_ns[name]
    if config_before is None:
        shell.config.pop("QRTMagics", None)
    else:
        shell.config["QRTMagics"] = config_before
    if left is not None and Path(getattr(left, "home", "")) != Path(runtime.home):
        left.close()


@pytest.fixture
def empty_ip(ip, tmp_path, capsys):
    """``ip`` on a home of its own: no jobs, no uploaded programs (nothing is started there).

    For tests about an empty store or about program names; opening a home is
    cheap, its workers start only if a job runs, so run jobs on ``ip`` instead.
    """
    from qrt_jupyter import active

    ip.run_line_magic("qrt_service", f"local --home {tmp_path / 'home'}")
    own = active.current()
    capsys.readouterr()
    yield ip
    own.close()  # if the test switched away from it, ``ip`` closes only the one it ends on
