"""What the built-in programs share: schema fragments and the run/mitigate steps.

Schemas are plain dicts (the client reads them without importing qiskit); everything that
needs qiskit imports it inside the function, because this module is imported by the client
whenever it reads a built-in's ``METADATA``.

Schemas describe the inputs in their JSON form (``RuntimeEncoder`` then ``json.loads``), so a
circuit is ``{"__type__": "QuantumCircuit", "__value__": ...}`` and a numpy array is
``{"__type__": "ndarray", ...}``.
"""

from __future__ import annotations

import time
from typing import Any

from ... import programs

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def encoded(type_name: str) -> dict:
    """Schema of an object ``RuntimeEncoder`` wrote for a value of ``type_name``."""
    return {
        "type": "object",
        "properties": {"__type__": {"const": type_name}},
        "required": ["__type__", "__value__"],
    }


def program_metadata(name: str, description: str, parameters: dict, return_values: dict,
                     interim_results: dict | None = None, max_execution_time: int = 10800,
                     min_num_qubits: int = 1, version: str = "1.0") -> dict:
    """A built-in's ``METADATA`` in the runtime program metadata format.

    ``parameters`` holds the ``properties`` (and ``required``/``oneOf``) of the
    inputs' object schema; every schema gets its ``$schema``.
    """
    return {
        "name": name,
        "description": description,
        "max_execution_time": max_execution_time,
        "version": version,
        "spec": {
            "backend_requirements": {"min_num_qubits": min_num_qubits},
            "parameters": {"$schema": JSON_SCHEMA, "type": "object", **parameters},
            "return_values": {"$schema": JSON_SCHEMA, **return_values},
            "interim_results": {"$schema": JSON_SCHEMA, **(interim_results or {"description": "None."})},
        },
    }


CIRCUIT = {**encoded("QuantumCircuit"), "description": "A QuantumCircuit."}
CIRCUITS = {
    "description": "A QuantumCircuit or a list of them.",
    "anyOf": [CIRCUIT, {"type": "array", "items": CIRCUIT, "minItems": 1}],
}
NUMBERS = {"type": "array", "items": {"type": "number"}}
PARAMETER_VALUES = {
    "description": "Values of each circuit's parameters, one list per circuit, in the "
    "order of circuit.parameters.",
    "anyOf": [
        {"type": "null"},
        encoded("ndarray"),
        {"type": "array", "items": {"anyOf": [NUMBERS, encoded("ndarray"), {"type": "null"}]}},
    ],
}
INDICES = {"type": "array", "items": {"type": "integer", "minimum": 0}}
SHOTS = {"type": "integer", "minimum": 1, "description": "Shots per circuit."}
OPTIMIZATION_LEVEL = {
    "type": "integer",
    "minimum": 0,
    "maximum": 3,
    "default": 1,
    "description": "Preset pass manager level used to transpile for the backend.",
}
RESILIENCE_LEVEL = {
    "type": "integer",
    "minimum": 0,
    "maximum": 1,
    "default": 0,
    "description": "1: readout-error mitigation with mthree on noisy backends.",
}
SKIP_TRANSPILATION = {
    "type": "boolean",
    "default": False,
    "description": "The circuits are already in the backend's instruction set.",
}
SEED_TRANSPILER = {"type": ["integer", "null"], "description": "Seed for a repeatable layout."}
RUN_OPTIONS = {
    "type": "object",
    "description": "Passed to backend.run (e.g. shots, seed_simulator).",
    "properties": {"shots": SHOTS},
}
PUBS = {
    "type": "array",
    "description": "V2 primitive unified blocs: tuples (or a bare circuit for the sampler).",
    "items": {"anyOf": [{"type": "array", "minItems": 1}, CIRCUIT]},
}
PRIMITIVE_RESULT = encoded("PrimitiveResult")

DEFAULT_SHOTS = programs.DEFAULT_SHOTS  # the one default, under the name the built-ins read


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def is_noisy(backend) -> bool:
    """Whether readout mitigation can change anything: all but a noiseless Aer simulator."""
    from qiskit_aer import AerSimulator

    if isinstance(backend, AerSimulator):
        return getattr(backend.options, "noise_model", None) is not None
    return True


ONE_THREAD_BELOW_QUBITS = 14
"""Aer's own ``statevector_parallel_threshold``: below it Aer does not split a state's work
between threads anyway."""


def simulator_run_options(backend, circuits: list, run_options: dict | None) -> dict:
    """``run_options`` for ``backend.run``, with Aer held to one thread for small ideal circuits.

    Below :data:`ONE_THREAD_BELOW_QUBITS` qubits a noiseless Aer simulation has nothing to
    share between threads, yet starting and synchronising its OpenMP team made a warm Bell
    job's sampling take 11 ms instead of 7 in a worker whose client keeps the other core
    busy (BENCHMARKS.md, issue 17). Seeded results are the same with one thread or many. A
    thread count the user set, in the run options or on the backend, is kept; noisy
    backends, whose shots Aer runs in parallel, are left alone.
    """
    options = dict(run_options or {})
    if "max_parallel_threads" in options or getattr(backend.options, "max_parallel_threads", None):
        return options
    if is_noisy(backend) or not circuits:
        return options
    if max(circuit.num_qubits for circuit in circuits) < ONE_THREAD_BELOW_QUBITS:
        options["max_parallel_threads"] = 1
    return options


def transpile(
    circuits: list,
    backend,
    optimization_level: int = 1,
    skip_transpilation: bool = False,
    seed_transpiler: int | None = None,
    initial_layout=None,
) -> list:
    """Compile for the backend with qiskit's preset pass manager, as IBM's programs did
    (a circuit this worker compiled before is reused: :mod:`.compiled`)."""
    if skip_transpilation:
        return list(circuits)
    from . import compiled

    pm = pass_manager(backend, optimization_level, seed_transpiler, initial_layout)
    return compiled.run(pm, list(circuits))


_PASS_MANAGERS: dict[tuple, tuple] = {}
"""Preset pass managers kept by a warm worker: key -> (backend weakref, cheap target key or None,
target, its fingerprint or None, pm)."""

_PASS_MANAGERS_MAX = 64


def pass_manager(backend, optimization_level: int = 1, seed_transpiler: int | None = None,
                 initial_layout=None):
    """The preset pass manager for ``backend``, built once per worker and reused.

    Building one costs a quarter of a second on Aer's simulator, where every
    ``backend.target`` access builds a new ``Target`` and qiskit reads it once
    per instruction name; that was most of a small sampler job. So the manager is
    kept for as long as the backend's target stays the same: the same object for
    devices; for Aer's simulator, the same inputs its target is built from
    (:func:`~qrt_jupyter._compat.aer_target_key`, which saves reading the target at
    all: a millisecond per job), else an equal fingerprint. Running a pass manager
    leaves it unchanged, so reuse gives the same circuits as a fresh one.
    """
    import weakref

    from qiskit.transpiler import generate_preset_pass_manager

    from ...._compat import aer_target_key

    layout_key = _layout_key(initial_layout)
    if layout_key is _UNCACHEABLE:
        return generate_preset_pass_manager(optimization_level=optimization_level, target=backend.target,
                                            initial_layout=initial_layout,
                                            seed_transpiler=seed_transpiler)
    key = (id(backend), optimization_level, seed_transpiler, layout_key)
    cheap = aer_target_key(backend)
    cached = _PASS_MANAGERS.get(key)
    if cached is not None and cached[0]() is not backend:  # a dead backend's id, reused
        cached = None
    if cached is not None and cheap is not None and cached[1] == cheap:
        return cached[4]
    target = backend.target
    fingerprint = None
    if cached is not None:
        _, _, old_target, old_fingerprint, pm = cached
        if old_target is target:
            return pm
        fingerprint = _target_fingerprint(target)
        if fingerprint == (old_fingerprint or _target_fingerprint(old_target)):
            _PASS_MANAGERS[key] = (cached[0], cheap, old_target, fingerprint, pm)
            return pm
    pm = generate_preset_pass_manager(optimization_level=optimization_level, target=target,
                                      initial_layout=initial_layout, seed_transpiler=seed_transpiler)
    if len(_PASS_MANAGERS) >= _PASS_MANAGERS_MAX:  # a new seed_transpiler per job would grow it without bound
        _PASS_MANAGERS.pop(next(iter(_PASS_MANAGERS)))
    # holding the target keeps `is` meaningful for devices whose target never changes
    _PASS_MANAGERS[key] = (weakref.ref(backend), cheap, target, fingerprint, pm)
    return pm


_UNCACHEABLE = object()


def _layout_key(initial_layout):
    if initial_layout is None:
        return None
    if isinstance(initial_layout, (list, tuple)) and all(isinstance(q, int) for q in initial_layout):
        return tuple(initial_layout)
    return _UNCACHEABLE  # Layout objects, dicts of Qubits: build a fresh pass manager


def _target_fingerprint(target) -> tuple:
    """Equal for targets that compile alike: qubits, timing, every instruction's definition,
    qargs and properties."""
    entries = []
    for name in sorted(target.operation_names):
        props = target[name] or {}
        entries.append((name, _operation_key(target.operation_from_name(name)), sorted(
            (repr(qargs), None if p is None else (p.duration, p.error)) for qargs, p in props.items()
        )))
    timing = (target.dt, target.granularity, target.min_length, target.pulse_alignment,
              target.acquire_alignment, repr(target.concurrent_measurements))
    return (target.num_qubits, timing, entries)


def _operation_key(operation):
    if isinstance(operation, type):  # control flow is registered as a class
        return operation
    return type(operation), operation.num_qubits, len(operation.params)


def check_parameter_count(circuit, values) -> None:
    """A mismatch fails here, naming the circuit, not deep inside qiskit."""
    given = 0 if values is None else len(values)
    if given != circuit.num_parameters:
        raise ValueError(
            f"circuit {circuit.name!r} has {circuit.num_parameters} parameters, "
            f"got {given} parameter values"
        )


def bind(circuit, values):
    """Assign ``values`` in ``circuit.parameters`` order (the V1 primitives' convention)."""
    check_parameter_count(circuit, values)
    return circuit.assign_parameters([float(v) for v in values]) if values else circuit


def bind_compiled(original, compiled, values):
    """Bind ``values`` (in ``original.parameters`` order) into the transpiled ``compiled``.

    Transpiling once and binding many times is how a parameter sweep stays cheap; a
    parameter the transpiler optimised away simply has nothing left to bind.
    """
    check_parameter_count(original, values)
    if not values:
        return compiled
    present = set(compiled.parameters)
    mapping = {p: float(v) for p, v in zip(original.parameters, values) if p in present}
    return compiled.assign_parameters(mapping) if mapping else compiled


def compile_unique(circuits: list, backend, *transpile_args, remove_measurements=False):
    """``{id(circuit): compiled}``: each distinct circuit object transpiled once."""
    unique = {id(circuit): circuit for circuit in circuits}
    sources = list(unique.values())
    if remove_measurements:
        sources = [circuit.remove_final_measurements(inplace=False) for circuit in sources]
    return dict(zip(unique, transpile(sources, backend, *transpile_args)))


def parameter_rows(parameter_values, count: int) -> list:
    """One row of values per circuit; an absent input means "no parameters" for all."""
    if parameter_values is None:
        return [None] * count
    rows = [None if row is None else list(row) for row in list(parameter_values)]
    if len(rows) != count:
        raise ValueError(f"parameter_values has {len(rows)} rows for {count} circuits")
    return rows


def run_counts(backend, circuits: list, shots: int, run_options: dict) -> list[dict[int, int]]:
    """Run and return each circuit's counts keyed by the integer outcome over all clbits."""
    options = {k: v for k, v in simulator_run_options(backend, circuits, run_options).items() if k != "shots"}
    result = backend.run(circuits, shots=shots, **options).result()
    return [
        {int(key, 16): int(n) for key, n in result.data(i)["counts"].items()}
        for i in range(len(circuits))
    ]


def measured_clbits(circuit) -> dict[int, int]:
    """``{clbit index: physical qubit}``: the qubit whose last measurement wrote each clbit.

    The mapping mthree's ``final_measurement_mapping`` computes, written against qiskit's
    current ``CircuitInstruction`` API (mthree's uses the tuple form qiskit deprecated).
    Mid-circuit measurements count too: their bits carry the same qubit's readout error,
    and a clbit left out would be lost when counts are marginalised for M3.
    """
    mapping: dict[int, int] = {}
    for instruction in reversed(circuit.data):
        if instruction.operation.name == "measure":
            clbit = circuit.find_bit(instruction.clbits[0]).index
            if clbit not in mapping:
                mapping[clbit] = circuit.find_bit(instruction.qubits[0]).index
    return dict(sorted(mapping.items()))


class ReadoutMitigator:
    """mthree's M3 calibrated once, on the backend, for all qubits the circuits measure."""

    def __init__(self, backend, circuits: list, shots: int | None = None):
        import mthree

        self.mappings = [measured_clbits(c) for c in circuits]
        qubits = sorted({q for mapping in self.mappings for q in mapping.values()})
        start = time.perf_counter()
        self._m3 = mthree.M3Mitigation(backend)
        if qubits:
            self._m3.cals_from_system(qubits, shots=shots, async_cal=False)
        self.calibration_time = time.perf_counter() - start

    def correct(self, counts: dict[int, int], index: int) -> tuple[dict[int, float], float]:
        """Quasi-probabilities (integer outcomes over all clbits) and the mitigation overhead.

        Counts are first marginalised to the measured clbits because M3 corrects bitstrings
        whose every bit belongs to a calibrated qubit; the outcomes are then spread back to
        their clbit positions so keys mean the same with and without mitigation.
        """
        mapping = self.mappings[index]
        clbits = sorted(mapping)
        if not clbits:
            total = sum(counts.values())
            return {k: n / total for k, n in counts.items()}, 1.0
        marginal: dict[str, int] = {}
        for outcome, n in counts.items():
            bits = "".join("1" if outcome >> c & 1 else "0" for c in reversed(clbits))
            marginal[bits] = marginal.get(bits, 0) + n
        quasi = self._m3.apply_correction(
            marginal, [mapping[c] for c in clbits], return_mitigation_overhead=True
        )
        out: dict[int, float] = {}
        for bits, value in quasi.items():
            outcome = sum(1 << c for j, c in enumerate(clbits) if bits[-1 - j] == "1")
            out[outcome] = out.get(outcome, 0.0) + float(value)
        return out, float(quasi.mitigation_overhead)


def probabilities(counts: dict[int, int]) -> dict[int, float]:
    total = sum(counts.values())
    return {k: n / total for k, n in sorted(counts.items())}


def coerce_pub(pub):
    """JSON turns a pub tuple into a list; the V2 primitives want a tuple (or a circuit)."""
    return tuple(pub) if isinstance(pub, list) else pub
