"""The ``sampler`` program: quasi-probability distributions of circuits' outcomes.

Two input styles, as the service accepted them: the old API's V1-style ``circuits`` /
``parameter_values`` / ``circuit_indices`` returning ``SamplerResult``-shaped data, and the
V2 ``pubs`` returning a ``PrimitiveResult`` from qiskit's ``BackendSamplerV2`` on the very
backend the job runs on (so a fake device's noise is in the samples), computed on a plain
Aer simulator without its per-shot Python work (:mod:`.aer_sampling`).
"""

from __future__ import annotations

from . import _common as c

RESULT_DECODER = "qrt_jupyter.runtime.results:SamplerResultDecoder"

METADATA = c.program_metadata(
    name="sampler",
    description="Quasi-probability distributions of circuit outcomes (Sampler primitive).",
    parameters={
        "properties": {
            "circuits": c.CIRCUITS,
            "parameter_values": c.PARAMETER_VALUES,
            "circuit_indices": {
                **c.INDICES,
                "description": "Which of `circuits` to run, in order (default: all).",
            },
            "shots": {**c.SHOTS, "default": c.DEFAULT_SHOTS},
            "run_options": c.RUN_OPTIONS,
            "optimization_level": c.OPTIMIZATION_LEVEL,
            "resilience_level": c.RESILIENCE_LEVEL,
            "skip_transpilation": c.SKIP_TRANSPILATION,
            "seed_transpiler": c.SEED_TRANSPILER,
            "pubs": c.PUBS,
        },
        "oneOf": [{"required": ["circuits"]}, {"required": ["pubs"]}],
    },
    return_values={
        "description": "V1 style: one quasi-distribution (integer outcome -> "
        "probability) and one metadata dict per circuit. V2 style: a PrimitiveResult.",
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "quasi_dists": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": {"type": "number"},
                        },
                    },
                    "metadata": {"type": "array", "items": {"type": "object"}},
                },
                "required": ["quasi_dists", "metadata"],
            },
            c.PRIMITIVE_RESULT,
        ],
    },
)


def main(
    backend,
    user_messenger,
    circuits=None,
    parameter_values=None,
    circuit_indices=None,
    shots=None,
    run_options=None,
    optimization_level=1,
    resilience_level=0,
    skip_transpilation=False,
    seed_transpiler=None,
    pubs=None,
    **_ignored,
):
    """Sample the circuits on ``backend``; unknown inputs are ignored, as the service did."""
    run_options = dict(run_options or {})
    shots = int(shots or run_options.get("shots") or c.DEFAULT_SHOTS)
    if pubs is not None:
        return _run_pubs(backend, pubs, shots, run_options, optimization_level,
                         skip_transpilation, seed_transpiler)
    return _run_v1_style(
        backend, circuits, parameter_values, circuit_indices, shots, run_options,
        optimization_level, resilience_level, skip_transpilation, seed_transpiler,
    )


def _run_v1_style(backend, circuits, parameter_values, circuit_indices, shots, run_options,
                    optimization_level, resilience_level, skip_transpilation, seed_transpiler):
    circuits = c.as_list(circuits)
    if circuit_indices is not None:
        circuits = [circuits[i] for i in circuit_indices]
    for circuit in circuits:
        if circuit.num_clbits == 0:
            raise ValueError(
                f"circuit {circuit.name!r} measures nothing: the sampler needs measurements"
            )
    rows = c.parameter_rows(parameter_values, len(circuits))
    isa = c.compile_unique(circuits, backend, optimization_level, skip_transpilation,
                           seed_transpiler)
    compiled = [c.bind_compiled(circuit, isa[id(circuit)], row)
                for circuit, row in zip(circuits, rows)]
    all_counts = c.run_counts(backend, compiled, shots, run_options)

    mitigator = None
    if resilience_level >= 1 and c.is_noisy(backend):
        mitigator = c.ReadoutMitigator(backend, compiled)

    quasi_dists, metadata = [], []
    for index, (circuit, counts) in enumerate(zip(circuits, all_counts)):
        meta = {"shots": shots, "header_metadata": dict(circuit.metadata or {})}
        if mitigator is None:
            quasi = c.probabilities(counts)
        else:
            quasi, overhead = mitigator.correct(counts, index)
            meta["readout_mitigation_overhead"] = overhead
            meta["readout_mitigation_time"] = mitigator.calibration_time
        quasi_dists.append(quasi)
        metadata.append(meta)
    return {"quasi_dists": quasi_dists, "metadata": metadata}


def _run_pubs(backend, pubs, shots, run_options, optimization_level, skip_transpilation,
              seed_transpiler):
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    coerced = [SamplerPub.coerce(c.coerce_pub(pub), shots) for pub in pubs]
    compiled = c.transpile([pub.circuit for pub in coerced], backend, optimization_level,
                           skip_transpilation, seed_transpiler)
    isa_pubs = [
        SamplerPub(circuit, pub.parameter_values, pub.shots)
        for circuit, pub in zip(compiled, coerced)
    ]
    options = {"default_shots": shots}
    if "seed_simulator" in run_options:
        options["seed_simulator"] = run_options["seed_simulator"]
    threads = c.simulator_run_options(backend, compiled, {}).get("max_parallel_threads")
    if threads is not None:
        options["run_options"] = {"max_parallel_threads": threads}
    from ...._compat import sampler_result_here
    from .aer_sampling import sampler

    return sampler_result_here(sampler(backend, options), isa_pubs)
