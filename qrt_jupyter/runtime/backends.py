"""The local runtime's backends: a cheap catalog, real backend objects, and client-side handles.

Three audiences, three costs:

* the scheduler and ``service.backends()`` need names, qubit counts and how many jobs a
  backend may run at once, for every backend, often: :func:`catalog` reads the fake
  provider's ``conf_*.json`` files as plain JSON and never imports qiskit (instantiating all
  fake devices takes seconds);
* a worker process needs the object a program's ``main`` receives: :func:`make_backend`
  builds it once per process (noise models are expensive to build);
* the user and the dashboard hold a :class:`LocalBackend`, which answers ``status()`` from
  our own queues and builds the qiskit object only when asked for device details.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .._compat import aer_default_configuration, load_fake_device_noise
from .names import unknown

SIMULATOR_NAME = "ibmq_qasm_simulator"
"""The ideal simulator keeps the name users of the old service know."""

SIMULATOR_NUM_QUBITS = 32
"""What the old cloud ``ibmq_qasm_simulator`` advertised. Aer's own default depends on the
machine's memory, which would make the catalog (and ``least_busy``) differ between machines."""

BACKEND_FACTORIES: dict[str, str] = {}
"""Backends built outside the local runtime, by name prefix: a ``"<prefix>:<rest>"`` backend
is ``factory(rest)``, the factory given as ``"module:function"`` by
:func:`register_backend_factory` (``qrt_jupyter.ibm`` registers ``ibm``). The module is
imported only when such a backend is built, in the worker that runs the job: the scheduler
sends the worker the registration along with the job."""

def register_backend_factory(prefix: str, target: str) -> None:
    """Let ``"<prefix>:<rest>"`` backend names be built by ``target`` (``"module:function"``).

    ``function(rest)`` returns the backend a program's ``main`` receives. The
    target is a string, not the function, so that a worker process can import it.
    """
    module, sep, attr = target.partition(":")
    if not prefix or ":" in prefix or not (module and sep and attr):
        raise ValueError(f"register_backend_factory({prefix!r}, {target!r}): give a prefix without ':' "
                         "and a target 'module:function'")
    BACKEND_FACTORIES[prefix] = target


def backend_factory(name: str) -> str | None:
    """The registered ``"module:function"`` that builds backend ``name``; None for a local backend.

    ``KeyError`` (naming the registered prefixes) for a prefixed name nobody registered.
    """
    prefix, sep, _ = name.partition(":")
    if not sep:
        return None
    target = BACKEND_FACTORIES.get(prefix)
    if target is None:
        raise KeyError(
            f"no backend factory for prefix {prefix!r} in backend name {name!r}; known prefixes: "
            f"{', '.join(sorted(BACKEND_FACTORIES)) or 'none'} (the package that provides them "
            "registers them when imported, e.g. qrt_jupyter.ibm)"
        )
    return target


_FAKE_PACKAGE = "qiskit_ibm_runtime.fake_provider.backends"
_BACKEND_NAME_RE = re.compile(r"""^\s*backend_name\s*=\s*["']([^"']+)["']""", re.M)


@dataclass(frozen=True)
class BackendInfo:
    """What the client knows about a backend without building it."""

    name: str
    num_qubits: int
    simulator: bool
    max_concurrency: int
    module: str | None = None
    """Where a fake device's class lives, so :func:`make_backend` imports one module only."""


# --------------------------------------------------------------------------- catalog


@lru_cache(maxsize=1)
def catalog() -> dict[str, BackendInfo]:
    """Every local backend by name: the ideal simulator first, then the fake devices by name.

    Reads the JSON files that ship with ``qiskit_ibm_runtime.fake_provider`` (found through
    the import system without importing the package), so it costs tens of milliseconds and
    no qiskit import. Cached: the installed files do not change under a running process.
    """
    backends = {
        SIMULATOR_NAME: BackendInfo(
            SIMULATOR_NAME, SIMULATOR_NUM_QUBITS, True, max(1, os.cpu_count() or 1)
        )
    }
    fakes = [info for info in map(_read_fake_device, _fake_device_dirs()) if info is not None]
    for info in sorted(fakes, key=lambda i: i.name):
        backends.setdefault(info.name, info)
    return backends


def _fake_device_dirs() -> list[Path]:
    spec = importlib.util.find_spec("qiskit_ibm_runtime")  # top-level: does not import it
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations))) / "fake_provider" / "backends"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _read_fake_device(directory: Path) -> BackendInfo | None:
    """One device's catalog entry, or None for a directory that is not a fake device.

    The name users pass is the class attribute ``backend_name`` (``fake_manila``), not the
    ``backend_name`` inside the conf file (``ibmq_manila``), so it is read from the source.
    """
    confs = sorted(directory.glob("conf_*.json"))
    if not confs:
        return None
    name = None
    for source in sorted(directory.glob("*.py")):
        match = _BACKEND_NAME_RE.search(source.read_text(encoding="utf-8"))
        if match:
            name = match.group(1)
            break
    try:
        conf = json.loads(confs[0].read_text(encoding="utf-8"))
        num_qubits = int(conf["n_qubits"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return BackendInfo(
        name=name or f"fake_{directory.name}",
        num_qubits=num_qubits,
        simulator=False,
        max_concurrency=1,
        module=f"{_FAKE_PACKAGE}.{directory.name}",
    )


# --------------------------------------------------------------------------- real backends

_backends: dict[str, Any] = {}
_backends_lock = threading.Lock()


def make_backend(name: str):
    """The qiskit backend a program's ``main`` receives, built once per process.

    ``ibmq_qasm_simulator`` is an ideal ``AerSimulator``; ``fake_*`` names are the fake
    provider's V2 devices, whose ``run`` simulates with the device's noise model. Both
    support ``backend.run(circuits)`` and serve as ``mode`` of the V2 primitives.
    ``"<prefix>:<rest>"`` names go to the factory registered for the prefix
    (:func:`register_backend_factory`).
    Objects are cached: a warm worker must not rebuild a noise model for every job.
    """
    with _backends_lock:
        backend = _backends.get(name)
        if backend is None:
            backend = _build_backend(name)
            _backends[name] = backend
        return backend


def _build_backend(name: str):
    target = backend_factory(name)
    if target is not None:
        return _import_string(target)(name.partition(":")[2])
    if name == SIMULATOR_NAME:
        return _make_simulator()
    info = catalog().get(name)
    if info is None or info.module is None:
        raise KeyError(unknown("backend", name, catalog()))
    return _make_fake_device(info)


def _import_string(target: str) -> Callable[..., Any]:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _make_simulator():
    from qiskit_aer import AerSimulator
    from qiskit_aer.backends.backendconfiguration import AerBackendConfiguration

    config = aer_default_configuration()
    config.update(backend_name=SIMULATOR_NAME, n_qubits=SIMULATOR_NUM_QUBITS)
    return AerSimulator(configuration=AerBackendConfiguration.from_dict(config))


def _make_fake_device(info: BackendInfo):
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    module = importlib.import_module(info.module)
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, FakeBackendV2)
            and getattr(value, "backend_name", None) == info.name
        ):
            device = value()
            load_fake_device_noise(device)  # so options restored after each job keep the noise
            return device
    raise KeyError(f"backend {info.name!r}: no fake device class found in {info.module}")


# --------------------------------------------------------------------------- client side


def _status_class():
    from qiskit_ibm_runtime.models import BackendStatus

    return BackendStatus


class LocalBackend:
    """A backend as ``service.backends()`` returns it: cheap until asked for device details.

    ``status()`` counts our own queued and running jobs (``pending_jobs`` is supplied by the
    scheduler), so ``least_busy`` and the dashboard see the local queues, as on IBM's service.
    """

    def __init__(self, info: BackendInfo, pending_jobs: Callable[[], int] = lambda: 0, service=None):
        self._info = info
        self._pending_jobs = pending_jobs
        self.service = service  # as IBMBackend.service: primitives given this backend use its runtime
        self._qiskit_backend = None
        self._details: dict | None = None

    @property
    def name(self) -> str:
        return self._info.name

    @property
    def num_qubits(self) -> int:
        return self._info.num_qubits

    @property
    def simulator(self) -> bool:
        return self._info.simulator

    @property
    def max_concurrency(self) -> int:
        return self._info.max_concurrency

    @property
    def info(self) -> BackendInfo:
        return self._info

    def status(self):
        """A ``qiskit_ibm_runtime.models.BackendStatus``, so code written for IBM reads it."""
        return _status_class()(
            backend_name=self.name,
            backend_version="local",
            operational=True,
            pending_jobs=int(self._pending_jobs()),
            status_msg="active",
        )

    @property
    def qiskit_backend(self):
        """The real qiskit object, built in this process on first use (seconds, not ms)."""
        if self._qiskit_backend is None:
            self._qiskit_backend = make_backend(self.name)
        return self._qiskit_backend

    def configuration(self):
        """The qiskit backend's configuration, for code that still reads it."""
        return self.qiskit_backend.configuration()

    def details(self) -> dict:
        """Plain, JSON-ready device facts (see :func:`.device_details.device_details`)."""
        if self._details is None:
            from .device_details import device_details

            info = self._info
            self._details = device_details(self.qiskit_backend, name=info.name, num_qubits=info.num_qubits,
                                           simulator=info.simulator)
        return dict(self._details)

    def __eq__(self, other):
        return isinstance(other, LocalBackend) and other.name == self.name

    def __hash__(self):
        return hash(("LocalBackend", self.name))

    def __repr__(self):
        return f"<LocalBackend('{self.name}')>"


def device_json(name: str, kind: str) -> dict | None:
    """A fake device's ``conf`` or ``props`` JSON as IBM's service serves it, under our name.

    The files that ship with ``qiskit_ibm_runtime.fake_provider`` are IBM's own
    configuration and properties documents, so a client that builds a ``Target``
    from them gets the same basis gates, coupling map and errors as the device's
    noise model. None for a backend without such files (the ideal simulator).
    """
    if kind not in ("conf", "props"):
        raise ValueError(f"kind must be 'conf' or 'props', not {kind!r}")
    info = catalog().get(name)
    if info is None or info.module is None:
        return None
    directory = next((d for d in _fake_device_dirs() if d.name == info.module.rsplit(".", 1)[-1]), None)
    files = sorted(directory.glob(f"{kind}_*.json")) if directory else []
    if not files:
        return None
    document = json.loads(files[0].read_text(encoding="utf-8"))
    document["backend_name"] = name
    return document
