"""The client's job errors, with messages that print as the lines they are.

``qiskit_ibm_runtime``'s exceptions inherit ``QiskitError.__str__``, which returns the
``repr`` of the message: a failed job's traceback then prints in quotes, with ``\\n``
escapes, on one line. These subclasses keep the client's classes (``except
RuntimeJobFailureError`` catches them unchanged) and print the message itself.
Imported only when a job error is raised, like the client's module it extends.
"""

from __future__ import annotations

from qiskit_ibm_runtime import exceptions

from .store import StoreError


class RuntimeJobFailureError(exceptions.RuntimeJobFailureError):
    """The job's program failed; the message holds its traceback."""

    def __str__(self) -> str:
        return self.message


class RuntimeJobMaxTimeoutError(exceptions.RuntimeJobMaxTimeoutError):
    """The job ran past its max_execution_time and was stopped."""

    def __str__(self) -> str:
        return self.message


class RuntimeStoreError(exceptions.IBMRuntimeError, StoreError):
    """The home's store cannot be used (unreachable, damaged, full): the client's class, so
    callers and the magics treat it as the one-line user error it is; also a ``StoreError``."""

    def __str__(self) -> str:
        return self.message
