"""The programs every local runtime has, by id.

Ids map to module names rather than modules so that listing programs imports nothing: a
module is imported when its ``METADATA`` is read, and its ``main`` runs in a worker, where
qiskit is imported inside ``main``.
"""

BUILTIN_PROGRAMS: dict[str, str] = {
    "hello-world": "qrt_jupyter.runtime.programs.builtin.hello_world",
    "sampler": "qrt_jupyter.runtime.programs.builtin.sampler",
    "estimator": "qrt_jupyter.runtime.programs.builtin.estimator",
    "circuit-runner": "qrt_jupyter.runtime.programs.builtin.circuit_runner",
}
