"""``ibm_client(url, token)``: IBM's own ``QiskitRuntimeService``, connected to a qrt-runtime server.

The server answers IBM's REST routes under ``/api/v1/`` and IAM's token exchange at
``/identity/token`` (docs/ibm.md), so unchanged IBM code -- ``SamplerV2``,
``EstimatorV2``, ``Session``, ``Batch`` -- runs on the server's fake devices. This is
the connection recipe of DESIGN.md in one call. IBM's client reads ``IAM_URL`` and
``QISKIT_FUNCTIONS_EXPERIMENTAL`` from the environment while the service is built (its
authenticator and its instance list, both kept afterwards), so they are set for that
call only and restored: a real IBM account opened later in the same kernel must not
send its API key to this server's ``/identity/token``.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

__all__ = ["LOCAL_CRN", "ibm_client"]

LOCAL_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/qrt-local:qrt-runtime::"
"""The instance the service is given: the server accepts any CRN, IBM's client needs one."""


def ibm_client(url: str, token: str | None = None, instance: str = LOCAL_CRN):
    """A ``qiskit_ibm_runtime.QiskitRuntimeService`` whose requests go to the server at ``url``.

    ``token`` is a server token (``qrt-runtime token create``), default ``$QRT_TOKEN``;
    it is exchanged for a short-lived access token at ``URL/identity/token``, as IBM's
    client does with an IBM Cloud API key.
    """
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    token = token if token is not None else os.environ.get("QRT_TOKEN")
    if not token:
        raise IBMInputValueError("ibm_client needs a token: pass token=... or set $QRT_TOKEN "
                                 "(create one with: qrt-runtime token create NAME --role writer --role reader)")
    url = str(url).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise IBMInputValueError(f"ibm_client needs the server's http(s):// URL, not {url[:80]!r}")
    api = url + "/api/v1"
    with _environment(IAM_URL=url, QISKIT_FUNCTIONS_EXPERIMENTAL="1"):
        return QiskitRuntimeService(channel="ibm_quantum_platform", token=token, instance=instance, url=url,
                                    url_resolver=lambda *args, **kwargs: api)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
