"""User mistakes as one-line ``UsageError``\\ s: which exceptions are a user's, and how to say them.

The runtime raises qiskit-ibm-runtime's own exception classes (so code written
for IBM's service catches them unchanged), the IBM adapter its own, jsonschema
a ``ValidationError`` for bad inputs. A magic shows any of these as one line
and leaves every other exception (a bug) as a traceback.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

from IPython.core.error import UsageError

from .render import first_line

__all__ = ["runtime_exceptions", "usage_errors", "user_error_message"]


def user_error_message(exc: BaseException) -> str | None:
    """A one-line message for exceptions that report a user's mistake, else None.

    Each class exists only once its module was imported (by whatever raised
    it), so look in ``sys.modules`` rather than importing anything here:
    ``%load_ext`` stays cheap.
    """
    ibm = sys.modules.get("qiskit_ibm_runtime.exceptions")
    if ibm is not None and isinstance(
        exc, (ibm.IBMError, ibm.RuntimeJobFailureError, ibm.RuntimeJobTimeoutError)
    ):
        return first_line(getattr(exc, "message", None) or exc, limit=None) or type(exc).__name__
    if (type(exc).__module__ or "").startswith("qrt_jupyter.ibm"):
        return first_line(exc, limit=None) or type(exc).__name__
    providers = sys.modules.get("qiskit.providers.exceptions")
    if providers is not None and isinstance(exc, providers.QiskitBackendNotFoundError):
        return first_line(getattr(exc, "message", None) or exc, limit=None)
    schema = sys.modules.get("jsonschema.exceptions")
    if schema is not None and isinstance(exc, schema.ValidationError):
        return f"invalid inputs: {first_line(exc.message, limit=None)}"
    store = sys.modules.get("qrt_jupyter.runtime.store")  # a damaged, empty or unreachable store
    if store is not None and isinstance(exc, store.StoreError):
        return first_line(exc, limit=None)
    registry = sys.modules.get("qrt_jupyter.runtime.programs.registry")  # ProgramSourceError's home
    if registry is not None and isinstance(exc, registry.ProgramSourceError):
        return str(exc)
    return None


@contextmanager
def usage_errors(context: str = "") -> Iterator[None]:
    """Turn the user-facing exceptions raised inside into one-line ``UsageError``\\ s."""
    try:
        yield
    except UsageError:
        raise
    except Exception as exc:
        message = user_error_message(exc)
        if message is None:
            raise
        raise UsageError(f"{context}: {message}" if context else message) from None


def runtime_exceptions():
    """``qiskit_ibm_runtime.exceptions``, imported only when a service is in use."""
    from qiskit_ibm_runtime import exceptions

    return exceptions
