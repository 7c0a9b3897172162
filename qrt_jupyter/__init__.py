"""Qiskit Runtime, live in the notebook.

The package root is deliberately thin: every public name is resolved lazily
(PEP 562 ``__getattr__``) so that ``import qrt_jupyter`` and
``%load_ext qrt_jupyter`` cost milliseconds and pull in neither qiskit,
qiskit-aer nor plotly until the user actually touches a runtime or a widget.
"""

from ._lazy import lazy_exports
from ._version import __version__

# public name -> module that defines it
_EXPORTS = {
    "LocalRuntimeService": "qrt_jupyter.runtime.service",
    "RuntimeJob": "qrt_jupyter.runtime.jobs",
    "RemoteRuntimeService": "qrt_jupyter.remote.service",
    "RuntimeOptions": "qrt_jupyter.runtime.options",
    "RunnerResult": "qrt_jupyter.runtime.results",
    "UserMessenger": "qrt_jupyter.runtime.messenger",
    "Session": "qrt_jupyter.runtime.session",
    "Sampler": "qrt_jupyter.runtime.primitives",
    "Estimator": "qrt_jupyter.runtime.primitives",
    "Options": "qrt_jupyter.runtime.primitives",
    "watch": "qrt_jupyter.widgets",
    "show": "qrt_jupyter.widgets",
    "Dashboard": "qrt_jupyter.widgets",
}

__all__ = sorted(_EXPORTS) + ["__version__", "load_ipython_extension"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), __all__)


def load_ipython_extension(ipython):
    """``%load_ext qrt_jupyter``: register the magics (imported only now)."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)
