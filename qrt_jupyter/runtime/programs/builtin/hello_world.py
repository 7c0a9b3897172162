"""The ``hello-world`` program: the smallest program that exercises the whole job path.

Each iteration runs a small random circuit on the job's backend and publishes its counts, so a
user sees interim results stream in before the final ``"All done!"``, as with IBM's original.
"""

from __future__ import annotations

from ._common import program_metadata

METADATA = program_metadata(
    name="hello-world",
    description="A sample runtime program: runs small random circuits and publishes "
    "their counts after every iteration.",
    max_execution_time=300,
    parameters={
        "properties": {
            "iterations": {
                "type": "integer",
                "minimum": 0,
                "default": 5,
                "description": "Number of iterations to run; each publishes its counts.",
            }
        },
    },
    return_values={"type": "string", "description": "A final string: \"All done!\"."},
    interim_results={
        "type": "object",
        "properties": {
            "iteration": {"type": "integer", "description": "Iteration number, from 0."},
            "counts": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "Histogram of the iteration's circuit.",
            },
        },
        "required": ["iteration", "counts"],
    },
)

MAX_QUBITS = 3
"""Small enough to run in milliseconds on any device, including one-qubit ones."""


def prepare_circuit(backend, seed):
    """A random circuit compiled for ``backend`` by the worker's cached pass manager.

    Level 2, as ``qiskit.transpile``'s default; no transpiler seed, because a
    fresh random seed per iteration would mean a fresh pass manager each time,
    which costs far more than running the circuit.
    """
    from qiskit.circuit.random import random_circuit

    from ._common import transpile

    num_qubits = max(1, min(MAX_QUBITS, backend.num_qubits or MAX_QUBITS))
    circuit = random_circuit(num_qubits=num_qubits, depth=3, measure=True, seed=seed)
    return transpile([circuit], backend, optimization_level=2)[0]


def main(backend, user_messenger, iterations=5, **_ignored):
    """Run ``iterations`` random circuits, publishing ``{"iteration", "counts"}`` after each."""
    import random

    for iteration in range(int(iterations)):
        circuit = prepare_circuit(backend, seed=random.randrange(2**31))
        counts = backend.run(circuit).result().get_counts()
        user_messenger.publish({"iteration": iteration, "counts": dict(counts)})
    return "All done!"
