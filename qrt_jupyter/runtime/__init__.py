"""The embedded local Qiskit Runtime (layer 1: no IPython, no widgets).

``LocalRuntimeService`` speaks the old ``IBMRuntimeService`` API; see
docs/internals.md for how the store, scheduler and workers fit together.
"""

from .._lazy import lazy_exports
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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
