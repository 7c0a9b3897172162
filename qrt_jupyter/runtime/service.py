"""``LocalRuntimeService``: the old ``IBMRuntimeService`` API, served on this machine.

Code from IBM's runtime tutorials runs against it unchanged: the same methods,
the same job object, the same exception classes (from
``qiskit_ibm_runtime.exceptions``), inputs and results serialized with the same
``RuntimeEncoder``/``RuntimeDecoder``. Everything lives under a *home*
directory (``home=``, else ``$QRT_HOME``, else ``~/.qrt``) in one SQLite file
that several kernels can share and that outlives kernel restarts.

The module is long for one reason: it is that API, one class whose methods
are the old service's (programs, backends, jobs, sessions, events). Each
method only checks its arguments and calls the registry, the store or the
home, where the work is done.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
from typing import Any, Callable

from ..status import status_name
from . import arguments, codec
from .events import JobEvent
from .home import open_home
from .ids import new_job_id, new_program_id, new_session_id
from .names import unknown
from .options import RuntimeOptions
from .programs import registry
from .store import StoreError


RECENT_JOBS = 50
"""How many of the newest jobs an unknown job id is compared with."""


def _exc(name: str):
    from qiskit_ibm_runtime import exceptions

    return getattr(exceptions, name)


@functools.cache
def _unknown_backend_error():
    """Raised for a backend name we do not have; caught as either client exception."""
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    class UnknownBackendError(_exc("IBMInputValueError"), QiskitBackendNotFoundError):
        pass

    return UnknownBackendError


@contextlib.contextmanager
def _store_errors():
    """A store that cannot be used (unreachable, damaged, full) as the client's error class."""
    try:
        yield
    except StoreError as exc:
        from .errors import RuntimeStoreError

        raise RuntimeStoreError(str(exc)) from None


def _name_taken(name: str) -> Exception:
    """The client's error for an upload (or rename) under a name another program has."""
    return _exc("IBMInputValueError")(
        f"A program named '{name}' already exists; choose another name, or use "
        "update_program() to change it."
    )


def _circuit_width(value: Any) -> int:
    """The widest circuit in (nested) inputs, so "least busy" never picks a too-small device.

    A walk with its own stack, each container visited once: inputs nested 100,000 deep or
    holding themselves reach the serialization check with its clear error, not a
    RecursionError here.
    """
    from qiskit import QuantumCircuit

    widest, stack, seen = 0, [value], set()
    while stack:
        item = stack.pop()
        if isinstance(item, QuantumCircuit):
            widest = max(widest, item.num_qubits)
        elif isinstance(item, (dict, list, tuple)) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
    return widest


class LocalRuntimeService:
    """The embedded Qiskit Runtime. ``LocalRuntimeService(home=None, dask=None)``.

    ``dask`` (a scheduler address such as ``"tcp://10.0.0.5:8786"``, or a
    ``distributed.Client``) runs this process's jobs on that cluster's workers
    instead of local worker processes; queues, limits and results behave the same.
    """

    def __init__(self, home=None, dask=None):
        with _store_errors():
            self._home = open_home(home)
        if dask is not None:
            self._home.use_dask(dask)
        else:
            self._home.warm_up()

    @property
    def dask_address(self) -> str | None:
        """The Dask scheduler this process runs the home's jobs on; None for local workers."""
        return self._home.dask_address

    def cluster_info(self) -> dict:
        """Where jobs run: ``{"kind": "local" | "dask", "address", "workers": [{"address",
        "threads", "jobs", "state": "busy" | "idle"}], "slots"}`` (the Backends tab shows it)."""
        return self._home.cluster_info()

    @property
    def home(self):
        """The directory holding this runtime's store."""
        return self._home.path

    @property
    def runtime_home(self):
        """This process's :class:`~.home.RuntimeHome` of that directory: its store, event hub and
        scheduler, shared by every service on the same home (what ``RuntimeJob`` reads)."""
        return self._home

    def close(self) -> None:
        """Stop this process's scheduler and worker processes for this home (see ``RuntimeHome.close``)."""
        self._home.close()

    @property
    def channel(self) -> str:
        return "local"

    def __repr__(self) -> str:
        return f"<LocalRuntimeService(home='{self._home.path}')>"

    # -- programs ------------------------------------------------------------------
    def programs(self, refresh: bool = False, limit: int | None = None, skip: int = 0) -> list:
        """Built-in programs first, then uploaded ones, oldest first."""
        from .programs.builtin import BUILTIN_PROGRAMS

        programs = [registry.builtin_program(pid) for pid in BUILTIN_PROGRAMS]
        limit, skip = arguments.count("limit", limit, allow_none=True), arguments.count("skip", skip)
        programs += [registry.from_row(row) for row in self._home.store.list_programs()]
        programs = programs[skip:]
        return programs if limit is None else programs[:limit]

    def program(self, program_id: str, refresh: bool = False):
        """A program by id, else by name.

        An exact id always wins: after a user uploads their own ``hello-world`` (id
        ``hello-world-<suffix>``), ``"hello-world"`` is still the built-in's id. A name that
        several programs share is refused with their ids, never guessed.
        """
        arguments.identifier("program_id", program_id, "a program id or name")
        program = registry.builtin_program(program_id)
        if program is not None:
            return program
        row = self._home.store.get_program(program_id)
        if row is not None and row["id"] == program_id:
            return registry.from_row(row)
        named = [p for p in self.programs() if p.name == program_id]
        if len(named) > 1:
            raise _exc("IBMInputValueError")(
                f"{len(named)} programs are named '{program_id}': "
                f"{', '.join(p.program_id for p in named)}; use one of these ids."
            )
        if not named:
            known = [name for p in self.programs() for name in (p.program_id, p.name)]
            raise _exc("RuntimeProgramNotFound")(unknown("program", program_id, known))
        return named[0]

    def pprint_programs(self, refresh: bool = False, detailed: bool = False, limit: int = 20, skip: int = 0) -> None:
        for program in self.programs(limit=limit, skip=skip):
            if detailed:
                print(program)
            else:
                print(f"{program.program_id}:\n  Name: {program.name}\n  Description: {program.description}")
            print()

    def upload_program(
        self,
        data: str,
        metadata: dict | str | None = None,
        name: str | None = None,
        max_execution_time: float | None = None,
        description: str | None = None,
        version: str | None = None,
        backend_requirements: dict | None = None,
        parameters: dict | None = None,
        return_values: dict | None = None,
        interim_results: dict | None = None,
    ) -> str:
        """Check and store a program; return its id. Nothing of it runs here."""
        source, meta = registry.prepare_upload(
            data, metadata, name=name, max_execution_time=max_execution_time,
            description=description, version=version, backend_requirements=backend_requirements,
            parameters=parameters, return_values=return_values, interim_results=interim_results,
        )
        # a built-in's name is free, as on IBM's service: the upload gets its own id
        program_id = new_program_id(meta["name"])
        with _store_errors():
            inserted = self._home.store.insert_program(program_id, meta["name"], source, json.dumps(meta))
        if not inserted:
            raise _name_taken(meta["name"])
        return program_id

    def update_program(
        self,
        program_id: str,
        data: str | None = None,
        metadata: dict | str | None = None,
        name: str | None = None,
        description: str | None = None,
        max_execution_time: float | None = None,
        version: str | None = None,
        backend_requirements: dict | None = None,
        parameters: dict | None = None,
        return_values: dict | None = None,
        interim_results: dict | None = None,
        spec: dict | None = None,
    ) -> None:
        """Change an uploaded program. Jobs already queued keep the code they were submitted with."""
        program = self._uploaded(program_id, "updated")
        source = program.data
        if data is not None:
            source = registry.read_source(data)
            registry.check_source(source)
        meta = dict(program.metadata)
        if metadata is not None:
            meta.update(registry.load_metadata(metadata))
        meta = registry.merge_metadata(meta, **(spec or {}))
        meta = registry.merge_metadata(
            meta, name=name, description=description, max_execution_time=max_execution_time,
            version=version, backend_requirements=backend_requirements, parameters=parameters,
            return_values=return_values, interim_results=interim_results,
        )
        registry.check_metadata(meta)
        if not self._home.store.update_program(program.program_id, meta["name"], source, json.dumps(meta)):
            raise _name_taken(meta["name"])

    def upload_or_update_program(self, data: str, metadata: dict | str | None = None,
                                 name: str | None = None, **fields: Any) -> str:
        """Update the uploaded program called ``name`` (or with that id), else upload it; its id.

        ``name`` defaults to the metadata's ``name``. What ``%%qrt_program --update``
        does, so a cell can be re-run as often as it is edited. When ``name`` is the
        program's id the program keeps its name. ``fields`` are those of
        :meth:`upload_program` (``description``, ``max_execution_time``, ...).
        A built-in is never updated: its name is free for a program of one's own, as on
        IBM's service, so ``name="hello-world"`` updates the user's own ``hello-world``, or
        uploads it (id ``hello-world-<suffix>``).
        """
        meta = registry.load_metadata(metadata)
        key = name or meta.get("name")
        if not key:
            raise _exc("IBMInputValueError")("The program needs a name: give name= or a 'name' in metadata.")
        try:
            program = self.program(key)
        except _exc("RuntimeProgramNotFound"):
            program = None
        if program is not None and program.is_builtin:
            program = next((p for p in self.programs() if p.name == key and not p.is_builtin), None)
        if program is None:
            return self.upload_program(data, metadata=meta, name=key, **fields)
        self.update_program(program.program_id, data=data, metadata=meta, name=program.name, **fields)
        return program.program_id

    def delete_program(self, program_id: str) -> None:
        program = self._uploaded(program_id, "deleted")
        self._home.store.delete_program(program.program_id)

    def _uploaded(self, program_id: str, verb: str):
        program = self.program(program_id)
        if program.is_builtin:
            raise _exc("IBMNotAuthorizedError")(
                f"'{program_id}' is a built-in program and cannot be {verb}; upload your own instead."
            )
        return program

    # -- backends ------------------------------------------------------------------
    def backends(self, name: str | None = None, min_num_qubits: int | None = None,
                 simulator: bool | None = None, operational: bool | None = None) -> list:
        from .backends import LocalBackend, catalog

        found = []
        for info in catalog().values():
            if name is not None and info.name != name:
                continue
            if min_num_qubits is not None and info.num_qubits < min_num_qubits:
                continue
            if simulator is not None and info.simulator != simulator:
                continue
            found.append(LocalBackend(info, self._pending_for(info.name), self))
        return found

    def backend(self, name: str | None = None):
        """A backend by name; no name: the least busy."""
        if name is None:
            return self.least_busy()
        arguments.identifier("name", name, "a backend name")
        from .backends import BackendInfo, LocalBackend, backend_factory, catalog

        info = catalog().get(name)
        if info is None and ":" in name:
            try:
                backend_factory(name)
            except KeyError as exc:  # no package registered the prefix
                raise _unknown_backend_error()(exc.args[0]) from None
            # built in the worker by its factory (e.g. an IBM device for an uploaded program);
            # its size is not known here, so qubit checks are the factory's business
            info = BackendInfo(name=name, num_qubits=0, simulator=False, max_concurrency=1)
        if info is None:
            raise _unknown_backend_error()(unknown("backend", name, catalog()))
        return LocalBackend(info, self._pending_for(name), self)

    def _pending_for(self, name: str) -> Callable[[], int]:
        store = self._home.store
        return lambda: store.pending_counts().get(name, 0)

    def least_busy(self, min_num_qubits: int | None = None, filters: Callable | None = None):
        """The backend with the fewest pending jobs per free slot; ties go to the simulator,
        then to the smallest device that fits."""
        from .backends import LocalBackend, catalog

        pending = self._home.store.pending_counts()
        candidates = [
            info for info in catalog().values()
            if min_num_qubits is None or info.num_qubits >= min_num_qubits
        ]
        if filters is not None:
            candidates = [i for i in candidates if filters(LocalBackend(i, self._pending_for(i.name), self))]
        if not candidates:
            raise _unknown_backend_error()(f"No backend has {min_num_qubits} or more qubits.")
        best = min(candidates, key=lambda i: (pending.get(i.name, 0) / max(i.max_concurrency, 1),
                                               not i.simulator, i.num_qubits, i.name))
        return LocalBackend(best, self._pending_for(best.name), self)

    # -- jobs ---------------------------------------------------------------------
    def run(
        self,
        program_id: str,
        inputs: dict | Any,
        options: RuntimeOptions | dict | None = None,
        callback: Callable[[str, Any], None] | None = None,
        result_decoder=None,
        session_id: str | None = None,
    ):
        """Validate, record and queue a job; return its :class:`RuntimeJob` at once."""
        from .jobs import RuntimeJob

        program = self.program(program_id)
        opts = RuntimeOptions.coerce(options)
        if session_id is not None:
            opts.session_id = arguments.text("session_id", session_id, "a session id")
        inputs = self._inputs_dict(inputs)

        session = None
        if opts.session_id is not None:
            session = self.session_details(opts.session_id)
            if session["state"] != "open":
                raise _exc("RuntimeInvalidStateError")(
                    f"Session {opts.session_id} is {session['state']} and accepts no new jobs; "
                    "open a new Session."
                )
            if opts.backend_name is None:
                opts.backend_name = session["backend_name"]

        needed = max(int(program.backend_requirements.get("min_num_qubits", 0) or 0), _circuit_width(inputs))
        if opts.backend_name is None:
            backend = self.least_busy(min_num_qubits=needed or None)
        else:
            backend = self.backend(opts.backend_name)
            if needed and 0 < backend.num_qubits < needed:
                raise _exc("IBMInputValueError")(
                    f"Backend '{backend.name}' has {backend.num_qubits} qubits but program "
                    f"'{program.program_id}' with these inputs needs {needed}; choose a larger backend "
                    f"(service.least_busy(min_num_qubits={needed}))."
                )
        if session is not None and session["backend_name"] not in (None, backend.name):
            raise _exc("IBMInputValueError")(
                f"Session {opts.session_id} runs on '{session['backend_name']}', not '{backend.name}'."
            )

        try:
            inputs_text = codec.encode(inputs)
        except (TypeError, ValueError) as exc:
            raise _exc("IBMInputValueError")(
                f"Inputs of program '{program.program_id}' cannot be serialized: {exc}."
            ) from None
        except RecursionError:
            raise _exc("IBMInputValueError")(
                f"Inputs of program '{program.program_id}' are nested too deeply to serialize; "
                "pass flatter data (lists of values, arrays)."
            ) from None
        inputs_json = codec.json_form(inputs_text)
        unset = registry.unset_inputs(program, inputs_json)
        if unset:  # None for an optional parameter: not given, the program's default applies
            inputs_json = {k: v for k, v in inputs_json.items() if k not in unset}
            inputs_text = json.dumps(inputs_json)
        registry.validate_inputs(program, inputs_json, inputs_text)

        limit = program.max_execution_time
        if opts.max_execution_time is not None:
            limit = min(limit, opts.max_execution_time) if limit else opts.max_execution_time

        if result_decoder is None and program.is_builtin:
            result_decoder = registry.builtin_decoder(program.program_id)

        home = self._home
        scheduler = home.scheduler()
        if session is not None and session["backend_name"] is None:
            home.store.set_session_backend(opts.session_id, backend.name)
        job_id = new_job_id()
        jobs: list = []

        def recorded(row) -> None:  # in the store, not started yet: the callback misses nothing
            job = RuntimeJob(self, row, result_decoder=result_decoder)
            if callback is not None:
                job._attach(callback)
            jobs.append(job)

        with _store_errors():
            scheduler.submit(
                recorded,
                id=job_id,
                program_id=program.program_id,
                program_data=None if program.is_builtin else program.data,
                backend=backend.name,
                inputs=inputs_text,
                options=json.dumps(opts.to_dict()),
                session_id=opts.session_id,
                max_execution_time=limit,
                log_level=opts.log_level,
            )
        return jobs[0]

    @staticmethod
    def _inputs_dict(inputs) -> dict:
        if inputs is None:
            return {}
        if isinstance(inputs, dict):
            return dict(inputs)
        for attr in ("to_dict", "__dict__"):
            value = getattr(inputs, attr, None)
            if value is not None:
                return dict(value() if callable(value) else value)
        raise _exc("IBMInputValueError")("inputs must be a dict of program parameters.")

    def job(self, job_id: str):
        from .jobs import RuntimeJob

        arguments.identifier("job_id", job_id, "a job id")
        self._home.check_orphans()
        row = self._home.store.get_job(job_id)
        if row is None:
            recent = [r["id"] for r in self._home.store.list_jobs(limit=RECENT_JOBS)]
            raise _exc("RuntimeJobNotFound")(unknown("job", job_id, recent))
        decoder = registry.builtin_decoder(row["program_id"])
        return RuntimeJob(self, row, result_decoder=decoder)

    def jobs(self, limit: int | None = 10, skip: int = 0, program_id: str | None = None,
             pending: bool | None = None, backend_name: str | None = None,
             session_id: str | None = None, status: str | None = None) -> list:
        """Jobs newest first, across kernels and restarts.

        ``status`` (``"DONE"``, ``"ERROR"``, … or a ``JobStatus``) narrows to one status.
        """
        from .jobs import RuntimeJob

        limit, skip = arguments.count("limit", limit, allow_none=True), arguments.count("skip", skip)
        self._home.check_orphans()
        if program_id is not None and registry.builtin_program(program_id) is None:
            row = self._home.store.get_program(program_id)
            program_id = row["id"] if row is not None else program_id
        if status is not None:
            status = status_name(status)
        rows = self._home.store.list_jobs(limit=limit, skip=skip, program_id=program_id, pending=pending,
                                          backend_name=backend_name, session_id=session_id, status=status)
        return [RuntimeJob(self, row, result_decoder=registry.builtin_decoder(row["program_id"])) for row in rows]

    def delete_job(self, job_id: str) -> None:
        job = self.job(job_id)
        if not job.in_final_state():
            job.cancel()
            self._home.wait_final(job_id, 10)
        self._home.store.delete_job(job_id)

    # -- sessions -------------------------------------------------------------------
    def open_session(self, backend_name: str | None = None, max_time: float | None = None) -> str:
        if backend_name is not None:
            backend_name = self.backend(backend_name).name
        if max_time is not None:
            max_time = arguments.seconds("max_time", max_time)
        session_id = new_session_id()
        self._home.store.insert_session(session_id, backend_name, max_time)
        return session_id

    def close_session(self, session_id: str) -> None:
        self._session_row(session_id)
        self._home.store.close_session(session_id)
        self._home.wake_scheduler()  # its queued jobs lose their priority now

    def session_details(self, session_id: str) -> dict:
        row = self._session_row(session_id)
        state = row["state"]
        if state == "open" and row["max_time"] is not None and time.time() > row["created"] + row["max_time"]:
            self._home.store.close_session(session_id, state="expired")
            state = "expired"
        from datetime import datetime, timezone

        def dt(t):
            return None if t is None else datetime.fromtimestamp(t, tz=timezone.utc)

        return {
            "id": row["id"],
            "backend_name": row["backend"],
            "state": state,
            "created": dt(row["created"]),
            "closed": dt(row["closed"]),
            "max_time": row["max_time"],
            "jobs": self._home.store.session_job_ids(session_id),
        }

    def sessions(self, limit: int = 20, skip: int = 0) -> list[dict]:
        limit, skip = arguments.count("limit", limit), arguments.count("skip", skip)
        return [self.session_details(row["id"]) for row in self._home.store.list_sessions(limit, skip)]

    def _session_row(self, session_id: str):
        row = self._home.store.get_session(session_id)
        if row is None:
            raise _exc("IBMInputValueError")(f"Session not found: '{session_id}'.")
        return row

    # -- events -----------------------------------------------------------------------
    def subscribe(self, callback: Callable[[JobEvent], None]) -> Callable[[], None]:
        """Every job event of this home (see docs/internals.md); returns ``unsubscribe``."""
        return self._home.subscribe(callback, None)
