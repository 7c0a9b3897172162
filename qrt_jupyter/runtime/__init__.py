"""The embedded local Qiskit Runtime (layer 1: no IPython, no widgets).

``LocalRuntimeService`` speaks the old ``IBMRuntimeService`` API; see
docs/internals.md for how the store, scheduler and workers fit together.
"""

from .options import RuntimeOptions
from .service import LocalRuntimeService

__all__ = ["LocalRuntimeService", "RuntimeOptions", "RuntimeJob", "RunnerResult", "Session",
           "Sampler", "Estimator", "Options", "UserMessenger"]

_LAZY = {
    "RuntimeJob": ".jobs",
    "RunnerResult": ".results",
    "UserMessenger": ".messenger",
    "Session": ".session",
    "Sampler": ".primitives",
    "Estimator": ".primitives",
    "Options": ".primitives",
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'qrt_jupyter.runtime' has no attribute {name!r}")
