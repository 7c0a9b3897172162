"""IBM's current REST API under ``/api/v1/`` (and IAM's ``/identity/token``), for IBM's own client.

``qiskit_ibm_runtime.QiskitRuntimeService(channel="ibm_quantum_platform", ...)``
connected as ``qrt_jupyter.remote.ibm_client`` does calls exactly these routes
(tests/server/test_ibm_client.py records them); each module answers one
resource in the shapes the client parses, over the same ``LocalRuntimeService``,
tokens, roles and error machinery as the old API's routes.
"""

from starlette.routing import Mount

from . import backends, iam, jobs, sessions, usage

PREFIX = "/api/v1"

ROUTES = iam.ROUTES + [Mount(PREFIX, routes=backends.ROUTES + jobs.ROUTES + sessions.ROUTES + usage.ROUTES)]
