"""``qrt-runtime serve``: one runtime home behind HTTP, under uvicorn.

Start-up imports, on the main thread, everything handlers will use
(qiskit, qiskit_ibm_runtime, jsonschema, the runtime's modules): with qiskit
2.6 and qiskit-ibm-runtime 0.51, importing qiskit_ibm_runtime first on a
worker thread made a later transpile in the process crash, and handlers run on
a thread pool. The socket is bound before uvicorn starts, so ``--port 0``
can print the port it got; the "serving" line goes out only once uvicorn
accepts requests. SIGTERM/SIGINT stop uvicorn, then the runtime
(``LocalRuntimeService.close``: workers stopped, running jobs settled).
"""

from __future__ import annotations

import copy
import ipaddress
import logging
import os
import signal
import socket
import sys

logger = logging.getLogger("qrt_jupyter.server")

GRACEFUL_SECONDS = 5


def preload() -> None:
    """Import on this (the main) thread what request handlers would otherwise import on theirs."""
    import jsonschema  # noqa: F401
    import qiskit  # noqa: F401
    import qiskit.providers  # noqa: F401
    import qiskit.qpy  # noqa: F401
    import qiskit.transpiler  # noqa: F401
    import qiskit_ibm_runtime  # noqa: F401
    import qiskit_ibm_runtime.exceptions  # noqa: F401
    from qiskit.providers.exceptions import QiskitBackendNotFoundError  # noqa: F401

    from ..runtime import jobs, primitives, results, session  # noqa: F401
    from ..runtime.programs import builtin  # noqa: F401
    from . import openapi, routes  # noqa: F401


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit it: without it a keep-alive client waits ~40 ms per answer
    # (Nagle and delayed ACKs; asyncio does not set it on sockets handed to uvicorn)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"qrt-runtime: cannot listen on {host}:{port}: {exc.strerror}; "
                         "choose another --port (0 picks a free one)") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


ANY_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/local:qrt-runtime::"
"""An instance to give IBM's client: the server accepts any CRN, the client wants one."""


def ibm_connect_lines(url: str) -> list[str]:
    """DESIGN.md's recipe for IBM's own client (the routes under /api/v1, IAM at /identity/token)."""
    return [
        f"  IBM's client: environment IAM_URL={url} QISKIT_FUNCTIONS_EXPERIMENTAL=1, then",
        f'    QiskitRuntimeService(channel="ibm_quantum_platform", token=TOKEN, instance="{ANY_CRN}",',
        f'                         url="{url}", url_resolver=lambda *a, **k: "{url}/api/v1")',
        f'  or: qrt_jupyter.remote.ibm_client("{url}")   # the token from $QRT_TOKEN',
    ]


def connect_lines(url: str) -> list[str]:
    return [
        f'  curl -H "Authorization: Bearer $QRT_TOKEN" {url}/jobs',
        f'  python: RemoteRuntimeService("{url}")   # the token from $QRT_TOKEN',
        "  tokens: qrt-runtime token create NAME --role writer --role reader",
        *ibm_connect_lines(url),
    ]


def _exit_quietly(signum, frame):
    raise SystemExit(0)


def serve(home=None, host: str = "127.0.0.1", port: int = 8765, certfile: str | None = None,
          keyfile: str | None = None, max_body_bytes: int | None = None, log_level: str = "info",
          dask: str | None = None) -> None:
    import uvicorn

    from ..runtime import LocalRuntimeService
    from . import logs
    from .app import DEFAULT_MAX_BODY_BYTES, create_app
    from .tokens import TokenFile

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_quietly)  # also what uvicorn re-raises after its graceful stop
    logs.configure(log_level)
    if (certfile is None) != (keyfile is None):
        raise SystemExit("qrt-runtime: give both --certfile and --keyfile for TLS, or neither")
    for path in (certfile, keyfile):
        if path is not None and not os.path.isfile(path):
            raise SystemExit(f"qrt-runtime: no such file {path}; give a PEM certificate and key")
    scheme = "https" if certfile else "http"
    if not certfile and not is_loopback(host):
        print(f"qrt-runtime: WARNING: serving {host} without TLS: tokens and jobs cross the network in "
              "clear text; give --certfile and --keyfile", file=sys.stderr, flush=True)
    sock = _bind(host, port)  # before the slow imports: the port is ours, connections wait in the backlog
    preload()
    try:
        service = LocalRuntimeService(home=home, dask=dask)
    except Exception as exc:
        from qiskit_ibm_runtime.exceptions import IBMError

        if not isinstance(exc, IBMError):
            raise
        raise SystemExit(f"qrt-runtime: {exc.message}") from None
    tokens = TokenFile(service.home)

    def shutdown() -> None:
        tokens.flush_last_used()
        service.close()

    app = create_app(service, tokens, max_body_bytes or DEFAULT_MAX_BODY_BYTES, on_shutdown=shutdown)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"{scheme}://{shown}:{bound}"

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started:
                print(f"qrt-runtime serving {url} (home {service.home})", flush=True)
                if dask:  # stdout's first line is a contract: the cluster is said on stderr
                    print(f"qrt-runtime: jobs run on the Dask cluster {dask}", file=sys.stderr, flush=True)
                print("\n".join(connect_lines(url)), flush=True)

    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout is for the serving line
    config = uvicorn.Config(app, log_level=log_level, log_config=log_config, ssl_certfile=certfile, ssl_keyfile=keyfile,
                            timeout_graceful_shutdown=GRACEFUL_SECONDS, lifespan="on",
                            ws_max_size=max_body_bytes or DEFAULT_MAX_BODY_BYTES)
    logs.guard_handlers()  # uvicorn.Config has just set up its own handlers
    try:
        Server(config).run(sockets=[sock])
    finally:
        sock.close()
