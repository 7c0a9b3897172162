"""IBM Quantum behind the same API as the local runtime (layer 2; see docs/ibm.md).

``connect()`` opens a saved account and returns an :class:`IBMService`; the
error classes say in one line what went wrong. Names resolve lazily so that
``import qrt_jupyter.ibm`` (done by ``%qrt_service``) costs nothing until used.
"""

from qrt_jupyter._lazy import lazy_exports
from qrt_jupyter.runtime.backends import register_backend_factory

# ``ibm:<account>:<instance>:<device>`` backends: built in the local runtime's worker processes
register_backend_factory("ibm", "qrt_jupyter.ibm.worker_backend:make_backend")

_EXPORTS = {
    "connect": "qrt_jupyter.ibm.service",
    "IBMService": "qrt_jupyter.ibm.service",
    "IBMBackendHandle": "qrt_jupyter.ibm.backends",
    "IBMConnectionError": "qrt_jupyter.ibm.errors",
    "IBMAccountNotFoundError": "qrt_jupyter.ibm.errors",
    "IBMAuthenticationError": "qrt_jupyter.ibm.errors",
    "IBMNetworkError": "qrt_jupyter.ibm.errors",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), __all__)
