"""The ``circuit-runner`` program: transpile, run, and return a qiskit ``Result`` as a dict.

This is the old service's way to run plain circuits remotely. Inputs other than the
transpiler's go to ``backend.run`` (``shots``, ``memory``, ``seed_simulator``, ...). With
``measurement_error_mitigation`` each experiment's data also gets mthree
``quasiprobabilities`` (hex outcome over the measured clbits -> value), and its header, as
IBM's circuit-runner wrote them, the ``final_measurement_mapping`` (physical qubit -> clbit)
and the ``measurement_mitigation_time`` (seconds spent correcting that experiment's counts),
which ``RunnerResult.get_quasiprobabilities()`` reads back.
"""

from __future__ import annotations

import time

from . import _common as c

RESULT_DECODER = "qrt_jupyter.runtime.results:RunnerResult"

METADATA = c.program_metadata(
    name="circuit-runner",
    description="Transpiles and runs circuits on a backend; optionally mitigates readout "
    "errors with mthree.",
    parameters={
        "properties": {
            "circuits": c.CIRCUITS,
            "shots": {**c.SHOTS, "default": c.DEFAULT_SHOTS},
            "optimization_level": c.OPTIMIZATION_LEVEL,
            "initial_layout": {
                "description": "Physical qubit of each virtual qubit, as a list.",
                "type": ["array", "null"],
                "items": {"type": "integer", "minimum": 0},
            },
            "seed_transpiler": c.SEED_TRANSPILER,
            "measurement_error_mitigation": {
                "type": "boolean",
                "default": False,
                "description": "Add mthree readout-mitigated quasi-probabilities.",
            },
            "skip_transpilation": c.SKIP_TRANSPILATION,
        },
        "required": ["circuits"],
    },
    return_values={
        "description": "A qiskit Result in dict form (Result.to_dict()).",
        "type": "object",
        "properties": {"results": {"type": "array"}, "success": {"type": "boolean"}},
        "required": ["results"],
    },
)


def main(
    backend,
    user_messenger,
    circuits,
    shots=c.DEFAULT_SHOTS,
    optimization_level=1,
    initial_layout=None,
    seed_transpiler=None,
    measurement_error_mitigation=False,
    skip_transpilation=False,
    **run_options,
):
    """Run the circuits; the returned dict is what ``Result.from_dict`` reads."""
    circuits = c.as_list(circuits)
    compiled = c.transpile(circuits, backend, optimization_level, skip_transpilation,
                           seed_transpiler, initial_layout)
    result = backend.run(compiled, shots=int(shots),
                         **c.simulator_run_options(backend, compiled, run_options)).result()
    data = _jsonable(result.to_dict())
    data["backend_name"] = backend.name  # a fake device runs on Aer and says "aer_simulator"
    if measurement_error_mitigation:
        _add_quasiprobabilities(data, backend, compiled)
    return data


def _add_quasiprobabilities(data: dict, backend, compiled: list) -> None:
    """Mitigated on noisy backends; on an ideal simulator the counts' own frequencies, so
    code that asks for quasi-probabilities works on every backend."""
    mitigator = c.ReadoutMitigator(backend, compiled) if c.is_noisy(backend) else None
    for index, experiment in enumerate(data["results"]):
        counts = {int(key, 16): n for key, n in experiment["data"]["counts"].items()}
        start = time.perf_counter()
        if mitigator is None:
            quasi, overhead = c.probabilities(counts), 1.0
        else:
            quasi, overhead = mitigator.correct(counts, index)
        elapsed = time.perf_counter() - start
        mapping = c.measured_clbits(compiled[index])
        clbits = sorted(mapping)
        # keys over the measured clbits only, in order, as the old circuit-runner wrote them
        experiment["data"]["quasiprobabilities"] = {
            hex(_compress(outcome, clbits)): value for outcome, value in quasi.items()
        }
        header = experiment.setdefault("header", {}) or {}
        header["final_measurement_mapping"] = {str(mapping[k]): k for k in clbits}
        header["measurement_mitigation_time"] = elapsed
        header["readout_mitigation_overhead"] = overhead
        experiment["header"] = header


def _compress(outcome: int, clbits: list[int]) -> int:
    return sum(1 << j for j, clbit in enumerate(clbits) if outcome >> clbit & 1)


def _jsonable(value):
    """numpy scalars and enums from Aer's result become plain JSON values."""
    import enum

    import numpy as np

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, np.generic):
        return value.item()
    return value
