"""``BackendSamplerV2`` on a plain ``AerSimulator``, without its per-shot Python work.

qiskit's ``BackendSamplerV2`` runs the circuits with ``backend.run(memory=True)`` on a job
thread, wraps Aer's output in ``Result`` objects, and turns every shot's hex string into
bytes one by one, then into bits, then back into packed bytes. For a warm Bell job in a
worker that was 7 ms of a 15 ms job, where Aer's own simulation took 2.5 ms (BENCHMARKS.md,
issue 17). :func:`sampler` gives a ``BackendSamplerV2`` whose pubs, on a plain
``AerSimulator``, are simulated on the calling thread (:func:`~qrt_jupyter._compat.aer_memory_here`:
the same call, options and seed ``run()`` makes) and whose shots are packed with numpy in
one pass per register. The result is the same object, bit for bit: same seeded samples, same
``DataBin`` fields, shapes and metadata (tests/runtime/test_aer_sampling.py compares them
with qiskit's own on many kinds of pubs). Anything else (another backend, level-1
measurements, more than 63 classical bits, a register Aer's memory does not cover, an Aer
failure) takes qiskit's own path unchanged.
"""

from __future__ import annotations

from typing import Any

MAX_CLBITS = 63
"""Shots are packed as unsigned 64-bit integers; wider circuits take qiskit's path."""

_SAMPLER_CLASS = None


def sampler(backend: Any, options: dict) -> Any:
    """A ``BackendSamplerV2(backend=backend, options=options)`` that takes the fast path on a
    plain ``AerSimulator`` (run it with :func:`~qrt_jupyter._compat.sampler_result_here`)."""
    global _SAMPLER_CLASS
    if _SAMPLER_CLASS is None:
        from qiskit.primitives import BackendSamplerV2

        class AerSamplerHere(BackendSamplerV2):
            """``BackendSamplerV2`` whose pubs on a plain ``AerSimulator`` take :func:`pub_results`."""

            def _run_pubs(self, pubs, shots):
                fast = pub_results(self.backend, pubs, shots, self.options.seed_simulator,
                                   self.options.run_options)
                return fast if fast is not None else super()._run_pubs(pubs, shots)

        _SAMPLER_CLASS = AerSamplerHere
    return _SAMPLER_CLASS(backend=backend, options=options)


def register_layout(circuit: Any) -> list[tuple[str, int, int]] | None:
    """``(name, size, first clbit)`` of each classical register, as ``BackendSamplerV2`` reads
    them; None where the fast path does not apply (no register, an empty one, more than
    :data:`MAX_CLBITS` bits, or clbits above every register, which qiskit's packing refuses)."""
    if not circuit.cregs or circuit.num_clbits > MAX_CLBITS:
        return None
    layout = []
    for creg in circuit.cregs:
        if creg.size == 0:
            return None
        layout.append((creg.name, creg.size, circuit.find_bit(creg[0]).index))
    if max(start + size for _, size, start in layout) != circuit.num_clbits:
        return None
    return layout


def pub_results(backend: Any, pubs: list, shots: int, seed: Any, run_options: dict | None) -> list | None:
    """The ``SamplerPubResult`` of each pub (all with ``shots``), or None where qiskit's own
    path must run (see the module docstring)."""
    from qiskit_aer import AerSimulator

    run_options = dict(run_options or {})
    if type(backend) is not AerSimulator or run_options.get("meas_level", 2) != 2:
        return None
    if {"shots", "memory", "seed_simulator"} & run_options.keys():  # qiskit's path refuses these
        return None
    layouts = [register_layout(pub.circuit) for pub in pubs]
    if any(layout is None for layout in layouts):
        return None

    import numpy as np

    from ...._compat import aer_memory_here

    bound = [_bound(pub) for pub in pubs]
    circuits = [circuit for array in bound for circuit in np.ravel(array).tolist()]
    memories = aer_memory_here(backend, circuits, {**run_options, "shots": shots, "seed_simulator": seed})
    if memories is None or any(len(memory) != shots for memory in memories):
        return None
    results, start = [], 0
    for pub, array, layout in zip(pubs, bound, layouts):
        values = np.empty((array.size, shots), dtype=np.uint64)
        for row, memory in enumerate(memories[start:start + array.size]):
            values[row] = _shot_values(memory)
        start += array.size
        results.append(_pub_result(pub, values.reshape(array.shape + (shots,)), layout, shots))
    return results


def _shot_values(memory: list[str]) -> Any:
    """Aer's hex strings of one circuit's shots as integers (``uint64``).

    A small circuit's shots repeat a few outcomes: each distinct string is parsed once and the
    rest looked up (a Bell job's 1024 shots: 0.17 → 0.07 ms). When most of the first shots differ,
    parsing each is cheaper than building the table.
    """
    import numpy as np

    if len(set(memory[:256])) * 4 <= min(len(memory), 256):  # the first shots tell which case
        value_of = {sample: int(sample, 16) for sample in set(memory)}.__getitem__
        return np.fromiter(map(value_of, memory), dtype=np.uint64, count=len(memory))
    return np.array([int(sample, 16) for sample in memory], dtype=np.uint64)


def _bound(pub: Any) -> Any:
    """The pub's circuits with its parameter values bound, as an object array of its shape
    (``BindingsArray.bind_all``); a circuit without parameters is used as it is, not copied
    (Aer reads it and leaves it unchanged)."""
    import numpy as np

    if pub.circuit.num_parameters == 0 and pub.parameter_values.shape == ():
        array = np.empty((), dtype=object)
        array[()] = pub.circuit
        return array
    return pub.parameter_values.bind_all(pub.circuit)


def _pub_result(pub: Any, values: Any, layout: list[tuple[str, int, int]], shots: int) -> Any:
    """One pub's result from its shots as integers (shape: the pub's, then shots)."""
    import numpy as np
    from qiskit.primitives import BitArray, DataBin, SamplerPubResult

    shape = values.shape[:-1]
    meas = {}
    for name, size, first in layout:
        num_bytes = (size + 7) // 8
        register = (values >> np.uint64(first)) & np.uint64((1 << size) - 1)
        big_endian = register.astype(">u8").view(np.uint8).reshape(shape + (shots, 8))
        meas[name] = BitArray(np.ascontiguousarray(big_endian[..., 8 - num_bytes:]), size)
    return SamplerPubResult(DataBin(**meas, shape=shape),
                            metadata={"shots": shots, "circuit_metadata": pub.circuit.metadata})
