"""Backend names that let the local runtime reach an IBM device.

An uploaded program runs in a local worker process, so the worker must build
its own ``QiskitRuntimeService``. Everything it needs travels in the backend
name, which the local runtime stores with the job: ``ibm:<account>:<instance>:<backend>``.
``<account>`` is the name of a *saved* account (or a channel, meaning that
channel's default account) and ``<instance>`` the CRN; the token never travels,
the worker reads it from the saved account like any client does.

A CRN contains colons itself, so the instance is everything between the
second colon and the last one; account and backend names are percent-quoted
should they ever contain a colon.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from qiskit_ibm_runtime.exceptions import IBMInputValueError

PREFIX = "ibm"
CHANNELS = ("ibm_quantum_platform", "ibm_cloud")


def backend_ref(account: str, instance: str | None, backend: str) -> str:
    """The local-runtime backend name for IBM ``backend`` reached through ``account``."""
    return f"{PREFIX}:{quote(account, safe='')}:{instance or ''}:{quote(backend, safe='')}"


def parse_backend_ref(name: str) -> tuple[str, str | None, str]:
    """``(account, instance or None, backend)`` from a name made by :func:`backend_ref`.

    Accepts the name with or without the ``ibm:`` prefix: the runtime's backend
    factory hook passes only what follows the prefix.
    """
    text = name[len(PREFIX) + 1 :] if name.startswith(PREFIX + ":") else name
    account, sep, rest = text.partition(":")
    instance, sep2, backend = rest.rpartition(":")
    if not (sep and sep2 and account and backend):
        raise IBMInputValueError(
            f"'{name}' is not an IBM backend reference; expected "
            "'ibm:<account or channel>:<instance>:<backend>'."
        )
    return unquote(account), instance or None, unquote(backend)


def is_backend_ref(name: object) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX + ":")
