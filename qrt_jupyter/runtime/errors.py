"""The client's job errors, with messages that print as the lines they are.

``qiskit_ibm_runtime``'s exceptions inherit ``QiskitError.__str__``, which returns the
``repr`` of the message: a failed job's traceback then prints in quotes, with ``\\n``
escapes, on one line. These subclasses keep the client's classes (``except
RuntimeJobFailureError`` catches them unchanged) and print the message itself.
Imported only when a job error is raised, like the client's module it extends.
"""

from __future__ import annotations

from qiskit_ibm_runtime import exceptions


class RuntimeJobFailureError(exceptions.RuntimeJobFailureError):
    """The job's program failed; the message holds its traceback."""

    def __str__(self) -> str:
        return self.message


class RuntimeJobMaxTimeoutError(exceptions.RuntimeJobMaxTimeoutError):
    """The job ran past its max_execution_time and was stopped."""

    def __str__(self) -> str:
        return self.message
