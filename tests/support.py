"""Small things many test modules need: one Bell circuit, one polling wait.

``tests/`` is on ``sys.path`` for every test module outside ``tests/e2e``
(pytest's prepend import mode: ``tests/ibm`` and ``tests/runtime`` are packages
rooted there), so ``from support import bell`` works from all of them.
"""

from __future__ import annotations

import time
from typing import Callable

WAIT = 180.0  # seconds a test may wait for a real job or thread before it fails


def bell(measure: bool = True):
    """The two-qubit Bell circuit (|00> + |11>)/sqrt(2), measured unless told not to."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2, name="bell")
    qc.h(0)
    qc.cx(0, 1)
    if measure:
        qc.measure_all()
    return qc


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
