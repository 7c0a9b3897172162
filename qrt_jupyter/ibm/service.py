"""``IBMService``: IBM Quantum behind the same methods as ``LocalRuntimeService``.

The magics, the dashboard and user code talk to "the active service" without
caring which one it is. This adapter gives ``QiskitRuntimeService`` that face:
``backends()``/``backend()``/``least_busy()`` return :class:`IBMBackendHandle`
objects, ``jobs()``/``job()`` return the client's own ``RuntimeJobV2`` (which
the monitor layer already follows), and ``run()`` does what can still be done
on IBM's cloud:

* ``sampler`` / ``estimator`` → the client's V2 primitives on the chosen device,
  with the circuits transpiled to its ISA (:mod:`.primitives`);
* any other program id → the program's ``main`` runs in the *local* runtime,
  with the IBM device as its ``backend`` (IBM no longer runs uploaded programs;
  see :mod:`.worker_backend`). Those jobs are local ``RuntimeJob`` objects, and
  ``job()``/``delete_job()`` find them as well.

Errors are the client's exception classes, except that failures to reach IBM
at all become one-line :class:`~.errors.IBMNetworkError` /
:class:`~.errors.IBMAuthenticationError`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable

from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    IBMNotAuthorizedError,
    RuntimeJobNotFound,
    RuntimeProgramNotFound,
)

from qrt_jupyter.runtime.names import unknown

from . import primitives
from .accounts import ACCOUNTS_FILE_ENV, AccountRef, accounts_file, open_service, probe_url
from .backends import IBMBackendHandle
from .errors import IBMAuthenticationError, IBMConnectionError, IBMNetworkError, network_reason
from .names import is_backend_ref, parse_backend_ref
from .polling import DEFAULT_INTERVAL, ServicePoller

logger = logging.getLogger(__name__)


def connect(channel: str | None = None, instance: str | None = None, account: str | None = None,
            *, filename: str | None = None, local: Any = None) -> "IBMService":
    """Connect to IBM Quantum with a saved account; what ``%qrt_service ibm`` calls.

    ``account`` names a saved account; else the default account of ``channel``
    (``ibm_quantum_platform`` or ``ibm_cloud``), else the default account.
    ``instance`` (CRN or name) overrides the saved one. ``filename`` is the
    accounts file (default ``$QRT_IBM_ACCOUNTS_FILE``, else the client's
    ``~/.qiskit/qiskit-ibm.json``). ``local`` is the ``LocalRuntimeService`` that
    runs uploaded programs (default: the one of ``$QRT_HOME``).

    Raises an :class:`~.errors.IBMConnectionError` subclass with one line:
    no saved account (and how to save one), no network, or a refused key.
    """
    service, ref = open_service(channel=channel, account=account, instance=instance, filename=filename)
    return IBMService(service, ref, local=local)


def _talks_to_ibm(method: Callable) -> Callable:
    """Turn "IBM cannot be reached" into one clear line; other errors pass unchanged."""

    @functools.wraps(method)
    def wrapper(self: "IBMService", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IBMConnectionError:
            raise
        except IBMNotAuthorizedError:
            raise IBMAuthenticationError(
                f"IBM Quantum refused the credentials of {self._ref.describe()} during "
                f"{method.__name__}(); the API key may have been revoked."
            ) from None
        except Exception as exc:
            reason = network_reason(exc)
            if reason is None:
                raise
            raise IBMNetworkError(
                f"Cannot reach IBM Quantum ({reason}) during {method.__name__}(); "
                "check the network connection and try again."
            ) from None

    return wrapper


class IBMService:
    """IBM Quantum with the ``LocalRuntimeService`` API (see the module docstring)."""

    def __init__(self, service: Any, ref: AccountRef, local: Any = None,
                 poll_interval: float = DEFAULT_INTERVAL):
        self._service = service
        self._ref = ref
        self._local = local
        self._poller = ServicePoller(self, poll_interval)

    # -- identity (never the token) -----------------------------------------------------
    @property
    def channel(self) -> str:
        return self._service.channel

    @property
    def instance(self) -> str | None:
        """CRN of the instance in use (the client may switch between an account's instances)."""
        return self._service.active_instance()

    @property
    def account(self) -> str | None:
        """Name of the saved account, or None for the client's environment-variable account."""
        return self._ref.name

    @property
    def instance_name(self) -> str | None:
        """The instance's name (a CRN is long and unreadable); None if the client does not say."""
        crn = self.instance
        try:
            return next((i.get("name") for i in self._service.instances() if i.get("crn") == crn), None)
        except Exception:  # instances() is cached after connect; never fail a description on it
            return None

    @property
    def description(self) -> str:
        """One line for people (``active.describe``, table titles); never the key."""
        who = f"account '{self._ref.name}'" if self._ref.name else f"default {self.channel} account"
        instance = self.instance_name or self.instance or "auto"
        return f"IBM Quantum ({self.channel}, {who}, instance {instance})"

    @property
    def qiskit_service(self):
        """The client's ``QiskitRuntimeService``, for everything this adapter does not cover."""
        return self._service

    @property
    def poll_interval(self) -> float:
        return self._poller.interval

    @poll_interval.setter
    def poll_interval(self, seconds: float) -> None:
        self._poller.interval = float(seconds)

    def __repr__(self) -> str:
        return (f"<IBMService(channel='{self.channel}', account={self._ref.name!r}, "
                f"instance={self.instance!r})>")

    # -- the local runtime that runs uploaded programs ------------------------------------
    @property
    def local(self):
        """The ``LocalRuntimeService`` holding uploaded programs and their jobs (created on use)."""
        if self._local is None:
            from qrt_jupyter.runtime.service import LocalRuntimeService

            self._local = LocalRuntimeService()
        return self._local

    # -- backends ---------------------------------------------------------------------------
    def _handle(self, backend) -> IBMBackendHandle:
        return IBMBackendHandle(backend, self._ref.key)

    @_talks_to_ibm
    def backends(self, name: str | None = None, min_num_qubits: int | None = None) -> list[IBMBackendHandle]:
        """The devices of this account's instance(s), operational or not."""
        found = self._service.backends(name=name, min_num_qubits=min_num_qubits)
        if not found:
            self._check_reachable()
        return [self._handle(b) for b in found]

    def _check_reachable(self) -> None:
        """Raise if IBM cannot be reached; the client returns "no backends" in that case.

        ``QiskitRuntimeService.backends()`` swallows every error of the backend
        listing (it logs "Invalid instance"), so an empty list can mean a lost
        network or a revoked key. A direct probe answers the first in
        milliseconds (the client's own calls retry for seconds); ``usage()`` is a
        cheap public call that raises for the second.
        """
        if self._ref.api_url:
            probe_url(self._ref.api_url, verify=self._ref.verify, what="IBM Quantum")
        self._service.usage()

    @_talks_to_ibm
    def backend(self, name: str | None = None) -> IBMBackendHandle:
        """A device by name (or by its ``ibm:...`` reference); no name: the least busy."""
        from qiskit.providers.exceptions import QiskitBackendNotFoundError

        if name is None:
            return self.least_busy()
        instance = None
        if is_backend_ref(name):
            _account, instance, name = parse_backend_ref(name)
        try:
            return self._handle(self._service.backend(name, instance=instance))
        except QiskitBackendNotFoundError:
            names = sorted(b.name for b in self.backends())
            raise QiskitBackendNotFoundError(
                f"IBM Quantum ({self._ref.describe()}): {unknown('backend', name, names)}"
            ) from None

    @_talks_to_ibm
    def least_busy(self, min_num_qubits: int | None = None) -> IBMBackendHandle:
        """The operational device with the fewest pending jobs (and enough qubits).

        Not ``QiskitRuntimeService.least_busy``: with a fixed instance it ranks by the
        queue lengths it cached when the service was created, which a notebook open
        for hours must not do. One status request per device instead.
        """
        from qiskit.providers.exceptions import QiskitBackendNotFoundError

        ranked = []
        for backend in self.backends(min_num_qubits=min_num_qubits):
            status = backend.status()
            if status.operational:
                ranked.append((status.pending_jobs, backend.num_qubits, backend.name, backend))
        if not ranked:
            need = f" with {min_num_qubits} or more qubits" if min_num_qubits else ""
            raise QiskitBackendNotFoundError(
                f"No operational IBM Quantum backend{need} for {self._ref.describe()}."
            )
        return min(ranked, key=lambda row: row[:3])[3]

    # -- programs --------------------------------------------------------------------------
    def programs(self, refresh: bool = False, limit: int | None = None, skip: int = 0) -> list:
        """IBM's ``sampler`` and ``estimator``, then the local runtime's other programs.

        The latter run in the local runtime with an IBM device as their backend.
        """
        found = [self._primitive_program(pid) for pid in primitives.PRIMITIVE_IDS]
        found += [p for p in self.local.programs(refresh=refresh)
                  if p.program_id not in primitives.PRIMITIVE_IDS]
        found = found[skip:]
        return found if limit is None else found[:limit]

    def program(self, program_id: str, refresh: bool = False):
        if program_id in primitives.PRIMITIVE_IDS:
            return self._primitive_program(program_id)
        return self.local.program(program_id, refresh=refresh)

    def pprint_programs(self, refresh: bool = False, detailed: bool = False, limit: int = 20,
                        skip: int = 0) -> None:
        for program in self.programs(refresh=refresh, limit=limit, skip=skip):
            print(program if detailed else f"{program.program_id}: {program.description}")

    @staticmethod
    def _primitive_program(program_id: str):
        from qrt_jupyter.runtime.programs.registry import RuntimeProgram

        return RuntimeProgram(program_id, {
            "name": program_id,
            "description": primitives.DESCRIPTIONS[program_id],
            "max_execution_time": None,
            "version": "2",
            "spec": {"parameters": primitives.PARAMETERS[program_id]},
        }, builtin=True)

    def upload_program(self, *args, **kwargs) -> str:
        """Programs live in the local runtime (IBM accepts no uploads); they run on IBM devices."""
        return self.local.upload_program(*args, **kwargs)

    def update_program(self, *args, **kwargs) -> None:
        return self.local.update_program(*args, **kwargs)

    def upload_or_update_program(self, *args, **kwargs) -> str:
        return self.local.upload_or_update_program(*args, **kwargs)

    def delete_program(self, program_id: str) -> None:
        return self.local.delete_program(program_id)

    # -- running -----------------------------------------------------------------------------
    @_talks_to_ibm
    def run(self, program_id: str, inputs: dict | None, options: Any = None,
            callback: Callable | None = None, result_decoder: Any = None):
        """Run a program with IBM devices; see the module docstring for where it runs.

        ``options``: a dict or ``RuntimeOptions`` (``backend_name``,
        ``max_execution_time``, ``log_level``, ``job_tags``); no backend means
        the least busy device with enough qubits. For ``sampler``/``estimator``
        there are no interim results, so ``callback`` is never called.
        """
        opts = _options_dict(options)
        inputs = dict(inputs or {})
        if program_id in primitives.PRIMITIVE_IDS:
            if result_decoder is not None:
                raise IBMInputValueError(
                    "result_decoder does not apply to IBM's primitives; pass decoder= to job.result()."
                )
            if opts.get("session_id"):
                raise IBMInputValueError(
                    "Local runtime sessions do not apply to IBM Quantum; use qiskit_ibm_runtime.Session."
                )
            needed = primitives.required_qubits(program_id, inputs)
            backend = self._choose_backend(opts.get("backend_name"), needed)
            return primitives.submit(program_id, inputs, backend.qiskit_backend, opts)
        program = self.local.program(program_id)  # RuntimeProgramNotFound if unknown
        if accounts_file() != self._ref.filename:
            raise IBMInputValueError(
                f"Uploaded programs find the account in worker processes through ${ACCOUNTS_FILE_ENV} "
                f"or the default accounts file; set {ACCOUNTS_FILE_ENV}={self._ref.filename}."
            )
        needed = int((program.backend_requirements or {}).get("min_num_qubits", 0) or 0)
        backend = self._choose_backend(opts.get("backend_name"), needed)
        opts["backend_name"] = backend.ref
        return self.local.run(program_id, inputs, options=opts, callback=callback,
                              result_decoder=result_decoder)

    def _choose_backend(self, name: str | None, needed: int) -> IBMBackendHandle:
        if not name:
            return self.least_busy(min_num_qubits=needed or None)
        backend = self.backend(name)
        if needed and backend.num_qubits < needed:
            raise IBMInputValueError(
                f"Backend '{backend.name}' has {backend.num_qubits} qubits; these inputs need {needed}."
            )
        return backend

    # -- jobs ----------------------------------------------------------------------------------
    @_talks_to_ibm
    def jobs(self, limit: int | None = 10, skip: int = 0, program_id: str | None = None,
             pending: bool | None = None, backend_name: str | None = None) -> list:
        """IBM jobs of the active instance, newest first (the client's ``RuntimeJobV2``).

        Jobs of uploaded programs are local-runtime jobs: ``service.local.jobs()`` lists them.
        """
        if backend_name and is_backend_ref(backend_name):
            backend_name = parse_backend_ref(backend_name)[2]
        return self._service.jobs(limit=limit, skip=skip, program_id=program_id, pending=pending,
                                  backend_name=backend_name)

    @_talks_to_ibm
    def job(self, job_id: str):
        """An IBM job (``RuntimeJobV2``) or, for an uploaded program, its local ``RuntimeJob``."""
        local = self._local_job(job_id)
        if local is not None:
            return local
        return self._service.job(job_id)

    @_talks_to_ibm
    def delete_job(self, job_id: str) -> None:
        if self._local_job(job_id) is not None:
            return self.local.delete_job(job_id)
        return self._service.delete_job(job_id)

    def _local_job(self, job_id: str):
        try:
            return self.local.job(job_id)
        except (RuntimeJobNotFound, RuntimeProgramNotFound):
            return None

    # -- events for the dashboard ------------------------------------------------------------------
    def subscribe(self, callback: Callable) -> Callable[[], None]:
        """``callback(JobEvent)`` for status changes of pending IBM jobs and backend queues.

        Made by polling every ``poll_interval`` seconds on one daemon thread (never the
        caller's); returns the unsubscribe function.
        """
        return self._poller.subscribe(callback)

    def close(self) -> None:
        """Stop polling for subscribers (e.g. when switching back to the local service)."""
        self._poller.close()


def _options_dict(options: Any) -> dict:
    if options is None:
        return {}
    if isinstance(options, dict):
        opts = dict(options)
    elif callable(getattr(options, "to_dict", None)):
        opts = dict(options.to_dict())
    else:
        opts = {k: v for k, v in vars(options).items() if not k.startswith("_")}
    if opts.get("backend") and not opts.get("backend_name"):
        backend = opts.pop("backend")
        opts["backend_name"] = backend if isinstance(backend, str) else backend.name
    return {k: v for k, v in opts.items() if v is not None}
