"""``qrt_jupyter.remote``: the client of a qrt-runtime server (layer 2, see DESIGN.md).

``RemoteRuntimeService(url, token)`` has the ``LocalRuntimeService`` API; its jobs
(``RemoteRuntimeJob``) have the ``RuntimeJob`` API, with events pushed over WebSockets.
``ibm_client(url, token)`` is IBM's own ``QiskitRuntimeService`` connected to the same server.
Importing it is cheap: requests, websocket-client and qiskit load on first use.
"""

from .ibm_client import ibm_client
from .jobs import RemoteRuntimeJob
from .service import RemoteRuntimeService

__all__ = ["RemoteRuntimeJob", "RemoteRuntimeService", "ibm_client"]
