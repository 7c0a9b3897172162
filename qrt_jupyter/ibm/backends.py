"""IBM backends as ``IBMService.backends()`` returns them.

``IBMBackend`` itself is the right object for running things, but two of its
attributes are expensive in a listing: ``num_qubits`` builds the full
``Target`` (properties download and conversion, about a second on a large
device) and every attribute it lacks triggers the same. The dashboard and
``%qrt_backends`` only need name, qubit count and queue, so the handle reads
the qubit count from the configuration the client already fetched, asks the
service for ``status()`` when called, and hands out the real ``IBMBackend`` as
``qiskit_backend`` (like the local runtime's ``LocalBackend``).
"""

from __future__ import annotations

from typing import Any

from .._compat import ibm_backend_client
from .names import backend_ref


class IBMBackendHandle:
    """An IBM device: ``.name``, ``.num_qubits``, ``status()``, ``.qiskit_backend``."""

    def __init__(self, backend: Any, account_key: str):
        self._backend = backend
        self._account_key = account_key

    @property
    def name(self) -> str:
        return self._backend.name

    @property
    def num_qubits(self) -> int:
        return int(self._backend.configuration().n_qubits)

    @property
    def simulator(self) -> bool:
        return bool(getattr(self._backend.configuration(), "simulator", False))

    @property
    def instance(self) -> str | None:
        """The CRN of the instance this device is reached through."""
        return ibm_backend_client(self._backend)["instance"]

    @property
    def ref(self) -> str:
        """The local-runtime backend name that reaches this device from a worker process."""
        return backend_ref(self._account_key, self.instance, self.name)

    @property
    def qiskit_backend(self):
        """The client's ``IBMBackend``: ``mode`` of ``SamplerV2``/``EstimatorV2``, target, ..."""
        return self._backend

    def status(self):
        """``BackendStatus`` fresh from the service (``pending_jobs``, ``operational``, ``status_msg``)."""
        return self._backend.status()

    def configuration(self):
        return self._backend.configuration()

    def properties(self, refresh: bool = False):
        return self._backend.properties(refresh=refresh)

    @property
    def target(self):
        return self._backend.target

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IBMBackendHandle) and (
            (other.name, other.instance) == (self.name, self.instance))

    def __hash__(self) -> int:
        return hash((self.name, self.instance))

    def __repr__(self) -> str:
        return f"<IBMBackendHandle('{self.name}', {self.num_qubits} qubits)>"
