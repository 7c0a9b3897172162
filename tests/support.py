"""Small things many test modules need: one Bell circuit, one wait for a state.

``tests/`` is on ``sys.path`` for every test module outside ``tests/e2e``
(pytest's prepend import mode: ``tests/ibm`` and ``tests/runtime`` are packages
rooted there), so ``from support import bell, wait_until`` works from all of them.
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator, TypeVar

WAIT = 180.0  # seconds a test may wait for a real job or thread before it fails

T = TypeVar("T")


def bell(measure: bool = True):
    """The two-qubit Bell circuit (|00> + |11>)/sqrt(2), measured unless told not to."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    if measure:
        qc.measure_all()
    return qc


@contextlib.contextmanager
def runtime_on(home) -> Iterator:
    """A real LocalRuntimeService on ``home``, closed (its workers stopped) afterwards."""
    from qrt_jupyter import LocalRuntimeService

    service = LocalRuntimeService(home=home)
    try:
        yield service
    finally:
        service.close()


def finish_unfinished(service) -> None:
    """Cancel every job of ``service`` still queued or running, and wait until each is final.

    What a test leaves running would hold a device's queue for the next test
    on the same runtime (a queue position, a pending count, a busy device).
    """
    for job in service.jobs(limit=None, pending=True):
        try:
            job.cancel()
        except Exception:  # it finished meanwhile: nothing to stop
            pass
        job.wait_for_final_state(WAIT)


def wait_until(
    condition: Callable[[], T],
    what: str,
    timeout: float = WAIT,
    between: Callable[[], object] | None = None,
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    The only wait of the suite: every test that waits for a job, a thread or a
    widget to reach a state comes here, so every wait has a bound and, when it
    runs out, fails with what it was waiting for (``what``, e.g. "the blocker
    to run") instead of hanging or failing on an unexplained ``assert False``.
    The bound is a safety net for a hung test, never a claim about speed.
    ``between`` runs before each look (a test's update pump to drain, say).
    """
    deadline = time.monotonic() + timeout
    while True:
        if between is not None:
            between()
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)
