"""A small IBM Cloud + IBM Quantum REST server on 127.0.0.1 for the IBM adapter tests.

It answers exactly the calls the real ``qiskit_ibm_runtime`` client (0.51) makes,
with the payload shapes that client reads:

* IAM (``iam.<domain>``): ``POST /identity/token`` — API key → a JWT access token,
  or 400 ``BXNIM0415E`` for an unknown key.
* Global Search (``api.global-search-tagging.<domain>``): ``POST /v3/resources/search``
  — the account's quantum-computing instances (CRN, name, plan id, tags).
* Global Catalog (``globalcatalog.<domain>``): ``GET /api/v1/<plan id>`` — plan name, pricing.
* Runtime API (``quantum.<domain>/api/v1``, bearer token + ``Service-CRN`` checked):
  ``GET /backends``, ``/backends/<b>/configuration|properties|status``,
  ``GET /instances/usage``, ``POST /jobs``, ``GET /jobs`` (limit, offset, backend,
  pending, program, sort), ``GET|DELETE /jobs/<id>``, ``GET /jobs/<id>/results|logs|metrics``,
  ``POST /jobs/<id>/cancel``.

Backends are the fake provider's device files (configuration and properties)
under IBM-style names. Sampler and estimator jobs really run: the server decodes
the submitted pubs with ``RuntimeDecoder``, executes them with qiskit's reference
``StatevectorSampler`` / ``StatevectorEstimator`` and returns a ``PrimitiveResult``
encoded with ``RuntimeEncoder``, as the service does.

Jobs move only when a test says so (``advance``/``set_status``), or one step per
status request with ``auto_advance = True``, so every transition is observable.
"""

from __future__ import annotations

import base64
import importlib.resources
import itertools
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

DOMAIN = "cloud.test"
ACCOUNT_URL = f"http://{DOMAIN}"  # what a saved account's url= is set to
IAM_URL = f"http://iam.{DOMAIN}"  # the client's IAM_URL (CloudAuth hard-codes iam.cloud.ibm.com)
GOOD_KEY = "qrt-test-APIKEY-7f3c9a1e5b2d4c6f8a0e"
CRN_OPEN = "crn:v1:bluemix:public:quantum-computing:us-east:a/qrt0acct:open-1::"
CRN_PREMIUM = "crn:v1:bluemix:public:quantum-computing:us-east:a/qrt0acct:premium-2::"
ACCOUNT = "qrt-test"  # the name tests save the account under

_STATUS_API = {"QUEUED": "Queued", "RUNNING": "Running", "DONE": "Completed",
               "ERROR": "Failed", "CANCELLED": "Cancelled"}
_FINAL = {"Completed", "Failed", "Cancelled"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(lifetime: int = 3600) -> str:
    """A JWT shaped like IAM's; the SDK decodes it without checking the signature."""
    now = int(time.time())
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"iat": now, "exp": now + lifetime, "sub": "qrt-test",
                               "jti": uuid.uuid4().hex}).encode())
    return f"{header}.{payload}.{_b64(b'not-a-signature')}"


def _device_files(device: str) -> tuple[dict, dict]:
    base = importlib.resources.files("qiskit_ibm_runtime.fake_provider.backends") / device
    conf = json.loads((base / f"conf_{device}.json").read_text())
    props = json.loads((base / f"props_{device}.json").read_text())
    return conf, props


@dataclass
class FakeDevice:
    name: str
    device: str  # fake provider directory: manila, nairobi, ...
    queue_length: int = 0
    online: bool = True
    instances: tuple[str, ...] = (CRN_OPEN,)
    conf: dict = field(default_factory=dict)
    props: dict = field(default_factory=dict)

    def __post_init__(self):
        conf, props = _device_files(self.device)
        conf["backend_name"] = props["backend_name"] = self.name
        self.conf, self.props = conf, props

    @property
    def num_qubits(self) -> int:
        return int(self.conf["n_qubits"])


@dataclass
class FakeJob:
    id: str
    program_id: str
    backend: str
    instance: str
    params: Any = None
    status: str = "Queued"  # API spelling
    reason: str | None = None
    reason_code: int | None = None
    tags: list = field(default_factory=list)
    created: datetime = field(default_factory=_now)
    running: datetime | None = None
    finished: datetime | None = None
    result_text: str | None = None
    logs: str = ""

    def to_json(self) -> dict:
        state = {"status": self.status}
        if self.reason:
            state["reason"] = self.reason
        if self.reason_code:
            state["reason_code"] = self.reason_code
        return {
            "id": self.id, "backend": self.backend, "state": state, "status": self.status,
            "program": {"id": self.program_id}, "created": _iso(self.created), "runtime": "",
            "session_id": None, "tags": list(self.tags), "private": False,
            "user_id": "qrt-test-user", "cost": 600, "estimated_running_time_seconds": 1.5,
        }


class FakeIBMCloud:
    """The server and its state; tests drive jobs through its methods."""

    def __init__(self):
        self.lock = threading.RLock()
        self.api_keys = {GOOD_KEY}
        self.instances = [
            {"crn": CRN_OPEN, "name": "qrt-open", "plan_id": "plan-open", "tags": ["qrt"]},
            {"crn": CRN_PREMIUM, "name": "qrt-premium", "plan_id": "plan-premium", "tags": []},
        ]
        self.plans = {"plan-open": ("Open", "free"), "plan-premium": ("Premium", "subscription")}
        self.devices: dict[str, FakeDevice] = {}
        for device in (
            FakeDevice("ibm_manila", "manila", queue_length=3),
            FakeDevice("ibm_nairobi", "nairobi", queue_length=1),
            FakeDevice("ibm_quito", "quito", queue_length=0, online=False),
            FakeDevice("ibm_lima", "lima", queue_length=0, instances=(CRN_PREMIUM,)),
        ):
            self.devices[device.name] = device
        self.jobs: dict[str, FakeJob] = {}
        self.tokens: set[str] = set()
        self.requests: list[tuple[str, str, str, dict]] = []  # method, host, path, headers
        self.bodies: list[bytes] = []
        self.auto_advance = False
        self.connections: set = set()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self.port: int | None = None

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> int:
        cloud = self

        class Handler(_Handler):
            pass

        Handler.cloud = cloud
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-ibm-cloud",
                         daemon=True).start()
        return self.port

    def stop(self) -> None:
        """Stop listening and drop open keep-alive connections: the server is gone."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self.lock:
            connections, self.connections = list(self.connections), set()
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- test controls ---------------------------------------------------------------
    def add_job(self, program_id="sampler", backend="ibm_manila", status="DONE", created=None,
                instance=CRN_OPEN, tags=()) -> str:
        """A job that exists on the service already (for listing tests)."""
        with self.lock:
            job = FakeJob(id=self._new_id(), program_id=program_id, backend=backend,
                          instance=instance, tags=list(tags), created=created or _now())
            self.jobs[job.id] = job
            self.set_status(job.id, status)
            return job.id

    def set_status(self, job_id: str, status: str, reason: str | None = None) -> None:
        """Move a job to ``status`` (QUEUED/RUNNING/DONE/ERROR/CANCELLED)."""
        with self.lock:
            job = self.jobs[job_id]
            job.status = _STATUS_API[status]
            now = _now()
            if status in ("RUNNING", "DONE", "ERROR") and job.running is None:
                job.running = now
                job.logs += f"{_iso(now)} INFO: job {job_id} started on {job.backend}\n"
            if job.status in _FINAL:
                job.finished = now
                job.logs += f"{_iso(now)} INFO: job {job_id} finished: {job.status}\n"
            if status == "DONE" and job.result_text is None:
                job.result_text = _execute(job)
            if status == "ERROR":
                job.reason = reason or "Error during the execution of the program"
                job.reason_code = 1517
                job.result_text = f"Traceback (most recent call last):\nRuntimeError: {job.reason}"

    def advance(self, job_id: str) -> str:
        """One step along QUEUED → RUNNING → DONE; returns the new status name."""
        with self.lock:
            job = self.jobs[job_id]
            nxt = {"Queued": "RUNNING", "Running": "DONE"}.get(job.status)
            if nxt:
                self.set_status(job_id, nxt)
            return job.status

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, _h, p, _hd in self.requests if method is None or m == method]

    def _new_id(self) -> str:
        return f"d{next(self._ids):04d}qrt{uuid.uuid4().hex[:12]}"


def _execute(job: FakeJob) -> str:
    """Run the submitted pubs on qiskit's reference primitives; RuntimeEncoder JSON."""
    from qiskit.primitives import StatevectorEstimator, StatevectorSampler
    from qiskit_ibm_runtime import RuntimeEncoder

    params = job.params or {}
    pubs = []
    for pub in params.get("pubs", []):
        pub = list(pub)
        circuit = pub[0]
        if job.program_id == "sampler":
            values = pub[1] if circuit.num_parameters else None
            pubs.append((circuit, values, pub[2]))
        else:
            values = pub[2] if circuit.num_parameters else None
            pubs.append((circuit, pub[1], values, pub[3]))
    if job.program_id == "sampler":
        result = StatevectorSampler(seed=1234).run(pubs).result()
    elif job.program_id == "estimator":
        result = StatevectorEstimator(seed=1234).run(pubs, precision=0.0).result()
    else:
        return json.dumps({"echo": params}, cls=RuntimeEncoder)
    return json.dumps(result, cls=RuntimeEncoder)


class _Handler(BaseHTTPRequestHandler):
    cloud: FakeIBMCloud
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def setup(self):
        super().setup()
        with self.cloud.lock:
            self.cloud.connections.add(self.connection)

    def finish(self):
        with self.cloud.lock:
            self.cloud.connections.discard(self.connection)
        super().finish()

    # -- plumbing --------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: Any = None, content_type="application/json"):
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _error(self, status: int, message: str):
        self._send(status, {"errors": [{"code": str(status), "message": message}],
                            "trace": uuid.uuid4().hex, "status_code": status})

    def _dispatch(self, method: str):
        cloud = self.cloud
        url = urlparse(self.path)
        host = (self.headers.get("Host") or "").split(":")[0]
        body = self._body() if method in ("POST", "PUT", "PATCH") else b""
        with cloud.lock:
            cloud.requests.append((method, host, url.path, dict(self.headers)))
            cloud.bodies.append(body)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            if host == f"iam.{DOMAIN}":
                return self._iam(method, url.path, body)
            if host == f"api.global-search-tagging.{DOMAIN}":
                return self._search(method, url.path)
            if host == f"globalcatalog.{DOMAIN}":
                return self._catalog(method, url.path)
            if host == f"quantum.{DOMAIN}" and url.path.startswith("/api/v1/"):
                return self._runtime(method, url.path[len("/api/v1"):], query, body)
            self._error(404, f"no such host or path: {host}{url.path}")
        except Exception as exc:  # a bug in the fake must show up in the test, not hang it
            self._error(500, f"fake server error: {type(exc).__name__}: {exc}")
            raise

    do_GET = lambda self: self._dispatch("GET")  # noqa: E731
    do_POST = lambda self: self._dispatch("POST")  # noqa: E731
    do_DELETE = lambda self: self._dispatch("DELETE")  # noqa: E731
    do_HEAD = lambda self: self._dispatch("HEAD")  # noqa: E731

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization") or ""
        return auth.startswith("Bearer ") and auth[len("Bearer "):] in self.cloud.tokens

    # -- IAM, Global Search, Global Catalog ----------------------------------------------
    def _iam(self, method, path, body):
        if method == "POST" and path == "/identity/token":
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            if form.get("apikey") not in self.cloud.api_keys:
                return self._send(400, {"errorCode": "BXNIM0415E",
                                        "errorMessage": "Provided API key could not be found.",
                                        "context": {"requestId": uuid.uuid4().hex}})
            token = make_jwt()
            self.cloud.tokens.add(token)
            now = int(time.time())
            return self._send(200, {"access_token": token, "refresh_token": "not-supported",
                                    "token_type": "Bearer", "expires_in": 3600,
                                    "expiration": now + 3600, "scope": "ibm openid"})
        self._error(404, "IAM: not found")

    def _search(self, method, path):
        if not self._authorized():
            return self._send(401, {"error": "unauthorized"})
        if method == "POST" and path == "/v3/resources/search":
            items = [
                {"crn": inst["crn"], "name": inst["name"], "service_plan_unique_id": inst["plan_id"],
                 "tags": inst["tags"], "doc": {"extensions": {"virtual_private_endpoints": {}}}}
                for inst in self.cloud.instances
            ]
            return self._send(200, {"items": items, "limit": 100})
        self._error(404, "search: not found")

    def _catalog(self, method, path):
        if not self._authorized():
            return self._send(401, {"error": "unauthorized"})
        plan = self.cloud.plans.get(path.rsplit("/", 1)[-1])
        if method == "GET" and plan:
            return self._send(200, {"overview_ui": {"en": {"display_name": plan[0]}},
                                    "metadata": {"pricing": {"type": plan[1]}}})
        self._error(404, "catalog: not found")

    # -- runtime API ---------------------------------------------------------------------
    def _runtime(self, method, path, query, body):
        cloud = self.cloud
        crn = self.headers.get("Service-CRN")
        if not self._authorized() or crn not in {i["crn"] for i in cloud.instances}:
            return self._error(401, "Unauthorized")
        parts = [p for p in path.split("/") if p]
        with cloud.lock:
            if parts == ["backends"] and method == "GET":
                return self._send(200, {"devices": [
                    {"name": d.name, "qubits": d.num_qubits, "queue_length": d.queue_length,
                     "status": {"name": "online" if d.online else "offline",
                                "reason": "available" if d.online else "maintenance"},
                     "processor_type": {"family": "Falcon"}, "physical_qubits": d.num_qubits}
                    for d in cloud.devices.values() if crn in d.instances]})
            if len(parts) == 3 and parts[0] == "backends" and method == "GET":
                device = cloud.devices.get(parts[1])
                if device is None or crn not in device.instances:
                    return self._error(404, f"backend {parts[1]} not found")
                if parts[2] == "configuration":
                    return self._send(200, device.conf)
                if parts[2] == "properties":
                    return self._send(200, device.props)
                if parts[2] == "status":
                    return self._send(200, {
                        "state": device.online, "status": "active" if device.online else "maintenance",
                        "message": "available" if device.online else "under maintenance",
                        "length_queue": device.queue_length,
                        "backend_version": device.conf.get("backend_version", "1.0.0")})
            if parts == ["instances", "usage"] and method == "GET":
                return self._send(200, {"instance_id": crn, "plan_id": "plan-open",
                                        "usage_consumed_seconds": 12, "usage_limit_seconds": 600,
                                        "usage_limit_reached": False})
            if parts == ["jobs"] and method == "POST":
                return self._create_job(crn, body)
            if parts == ["jobs"] and method == "GET":
                return self._list_jobs(crn, query)
            if len(parts) >= 2 and parts[0] == "jobs":
                job = cloud.jobs.get(parts[1])
                if job is None or job.instance != crn:
                    return self._error(404, f"Job not found: {parts[1]}")
                return self._job(job, method, parts[2:])
        self._error(404, f"runtime: no route for {method} {path}")

    def _create_job(self, crn, body):
        from qiskit_ibm_runtime import RuntimeDecoder

        payload = json.loads(body.decode(), cls=RuntimeDecoder)
        device = self.cloud.devices.get(payload.get("backend"))
        if device is None or crn not in device.instances:
            return self._error(400, f"backend {payload.get('backend')} is not available")
        if payload["program_id"] not in ("sampler", "estimator"):
            return self._error(404, f"Program not found: {payload['program_id']}")
        job = FakeJob(id=self.cloud._new_id(), program_id=payload["program_id"], backend=device.name,
                      instance=crn, params=payload.get("params"), tags=payload.get("tags") or [])
        self.cloud.jobs[job.id] = job
        self._send(200, {"id": job.id, "backend": device.name, "private": False})

    def _list_jobs(self, crn, query):
        jobs = [j for j in self.cloud.jobs.values() if j.instance == crn]
        if "backend" in query:
            jobs = [j for j in jobs if j.backend == query["backend"]]
        if "program" in query:
            jobs = [j for j in jobs if j.program_id == query["program"]]
        if "pending" in query:
            pending = query["pending"] == "true"
            jobs = [j for j in jobs if (j.status not in _FINAL) == pending]
        jobs.sort(key=lambda j: j.created, reverse=query.get("sort") != "ASC")
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 200))
        page = jobs[offset: offset + limit]
        self._send(200, {"jobs": [j.to_json() for j in page], "count": len(jobs),
                         "limit": limit, "offset": offset})

    def _job(self, job: FakeJob, method: str, rest: list[str]):
        cloud = self.cloud
        if not rest and method == "GET":
            if cloud.auto_advance:
                cloud.advance(job.id)
            return self._send(200, job.to_json())
        if not rest and method == "DELETE":
            del cloud.jobs[job.id]
            return self._send(204)
        if rest == ["results"] and method == "GET":
            if job.result_text is None:
                return self._error(404, "results not available yet")
            return self._send(200, job.result_text, content_type="text/plain")
        if rest == ["logs"] and method == "GET":
            return self._send(200, job.logs, content_type="text/plain")
        if rest == ["metrics"] and method == "GET":
            seconds = 0 if job.finished is None or job.running is None else max(
                1, int((job.finished - job.running).total_seconds()))
            return self._send(200, {
                "timestamps": {"created": _iso(job.created), "running": _iso(job.running),
                               "finished": _iso(job.finished)},
                "bss": {"seconds": seconds},
                "usage": {"quantum_seconds": seconds, "seconds": seconds},
                "qiskit_version": "qiskit_ibm_runtime-0.51.0,qiskit-2.6",
                "position_in_queue": 1 if job.status == "Queued" else None,
            })
        if rest == ["cancel"] and method == "POST":
            if job.status in _FINAL:
                return self._error(409, f"Job {job.id} is {job.status} and cannot be cancelled")
            cloud.set_status(job.id, "CANCELLED")
            return self._send(204)
        self._error(404, f"job: no route for {method} {'/'.join(rest)}")


def save_account(accounts_file, name=ACCOUNT, token=GOOD_KEY, instance=CRN_OPEN,
                 channel="ibm_quantum_platform", set_as_default=True):
    """Save an account for this fake cloud with the client's own ``save_account``."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    QiskitRuntimeService.save_account(
        channel=channel, token=token, url=ACCOUNT_URL, instance=instance,
        filename=accounts_file, name=name, set_as_default=set_as_default, overwrite=True,
    )
