"""The ``QRTMagics`` class: every ``%qrt_*`` magic, thin over the Python API.

Each magic parses its line (:mod:`.args`), calls the service that
:mod:`qrt_jupyter.active` says is current, and displays what it got
(:mod:`.render`, or the live widget of :mod:`qrt_jupyter.widgets`). Whatever a
magic does, Python can do with the same calls; the magics add only parsing,
defaults from configurable traits, and one-line ``UsageError``\\ s for user
mistakes instead of tracebacks.

Nothing here imports qiskit at module import: ``%load_ext`` must stay cheap.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import threading
from contextlib import contextmanager
from importlib import import_module
from typing import Any, Iterator, Mapping

from IPython.core.error import UsageError
from IPython.core.magic import (
    MAGIC_NO_VAR_EXPAND_ATTR,
    Magics,
    cell_magic,
    line_magic,
    magics_class,
    no_var_expand,
)
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from IPython.utils.text import DollarFormatter
from traitlets import Bool, Integer, TraitError, Unicode, validate
from traitlets.config import Configurable

from .. import active
from ..program_source import (
    ProgramSourceError,
    check_program_source,
    main_summary,
    merge_metadata,
    metadata_from_docstring,
)
from . import args as qargs
from .render import JobStatusLine, Table, first_line, status_name

#: how many names an error message lists ("available: a, b, c, …")
LISTED_NAMES = 6

_DOLLAR_FORMATTER = DollarFormatter()


@magics_class
class QRTMagics(Magics, Configurable):
    """Qiskit Runtime magics: ``%qrt_service``, ``%%qrt_program``, ``%qrt_run`` and friends.

    Defaults are configurable, e.g. ``%config QRTMagics.default_backend = "fake_manila"``
    or ``c.QRTMagics.default_shots = 2000`` in ``ipython_config.py``.
    """

    default_backend = Unicode(
        None,
        allow_none=True,
        help="Backend for %qrt_run when --backend is not given; None lets the service pick the least busy.",
    ).tag(config=True)
    default_shots = Integer(
        None,
        allow_none=True,
        help="shots input for %qrt_run when neither --shots nor -i shots= is given "
        "(only for programs that declare a 'shots' parameter).",
    ).tag(config=True)
    show_widget = Bool(
        True, help="Show the live job widget in a notebook; False shows a text status line instead."
    ).tag(config=True)
    home = Unicode(
        None,
        allow_none=True,
        help="Store directory of the local runtime the magics start (default: $QRT_HOME, else ~/.qrt).",
    ).tag(config=True)
    jobs_limit = Integer(10, help="How many jobs %qrt_jobs lists without --limit.").tag(config=True)
    default_max_execution_time = Integer(
        300,
        help="max_execution_time (seconds) of a program %%qrt_program uploads when neither "
        "--max-execution-time nor a 'max_execution_time:' docstring line gives one.",
    ).tag(config=True)

    @validate("default_shots", "jobs_limit", "default_max_execution_time")
    def _positive(self, proposal):
        value = proposal["value"]
        if value is not None and value <= 0:
            raise TraitError(f"{proposal['trait'].name} must be positive, got {value}")
        return value

    # ------------------------------------------------------------ %qrt_service

    @magic_arguments()
    @argument("kind", nargs="?", metavar="local|ibm|URL",
              help="the service to use: local, ibm, or a qrt-runtime server's http(s):// URL")
    @argument("--token-env", metavar="NAME", help="URL: the environment variable holding the token (default QRT_TOKEN)")
    @qargs.service_flags
    @qargs.output_flag("the service")
    @line_magic
    def qrt_service(self, line):
        """Choose the active runtime service, or show which one is active.

        ``%qrt_service local [--home DIR]`` uses the embedded local runtime
        (the default; no account, no network). ``%qrt_service ibm [--channel C]
        [--instance I] [--account NAME]`` connects to IBM Quantum with a saved
        account. Without arguments it says which service is active. The choice
        is shared with the dashboard and with ``qrt_jupyter.active.get_service()``.
        """
        args = self._parse(self.qrt_service, line)
        if args.kind and args.kind.startswith(("http://", "https://")):
            return self._use_remote(args)
        if args.kind not in (None, "local", "ibm"):
            raise UsageError(f"invalid choice: {args.kind!r} (choose local, ibm, or a server URL http://HOST:PORT)")
        if args.token_env:
            raise UsageError("--token-env applies only to %qrt_service URL (a qrt-runtime server)")
        ibm_flags = [f"--{name}" for name in ("channel", "instance", "account") if getattr(args, name)]
        kind = args.kind or ("ibm" if ibm_flags else "local" if args.home else None)
        if kind is None:
            service = active.current()
            if service is None:
                where = f" (home {self.home})" if self.home else ""
                print(f"No service chosen yet: the local runtime{where} starts on first use.")
            else:
                print(f"Active service: {active.describe(service)}")
            if args.out:
                self.shell.user_ns[args.out] = self._service()
            return
        if kind == "local":
            if ibm_flags:
                verb = "applies" if len(ibm_flags) == 1 else "apply"
                raise UsageError(f"{', '.join(ibm_flags)} {verb} only to %qrt_service ibm, not to local")
            with self._user_errors("local runtime"):
                service = active.use_local(args.home or self.home or None)
        else:
            if args.home:
                raise UsageError("--home applies only to %qrt_service local, not to ibm")
            try:
                with self._user_errors("IBM Quantum"):
                    service = active.use_ibm(channel=args.channel, instance=args.instance, account=args.account)
            except active.ServiceNotAvailable:
                raise UsageError(
                    "IBM support is not available in this qrt_jupyter yet; %qrt_service local uses the local runtime"
                ) from None
        if args.out:
            self.shell.user_ns[args.out] = service
        print(f"Active service: {active.describe(service)}")

    def _use_remote(self, args) -> None:
        """``%qrt_service URL [--token-env NAME]``: a qrt-runtime server becomes the active service."""
        import os

        if args.home or args.channel or args.instance or args.account:
            raise UsageError("--home, --channel, --instance and --account do not apply to a server URL")
        name = args.token_env or "QRT_TOKEN"
        token = os.environ.get(name)
        if args.token_env and not token:
            raise UsageError(f"the environment variable {name} is not set: export the token there first")
        with self._user_errors(args.kind):
            service = active.use_remote(args.kind, token=token)
        if args.out:
            self.shell.user_ns[args.out] = service
        print(f"Active service: {active.describe(service)}")

    # ------------------------------------------------------------ %%qrt_program

    @magic_arguments()
    @argument("name", nargs="?", metavar="NAME", help="the program's name (default: name: in the docstring)")
    @qargs.program_flags
    @cell_magic
    def qrt_program(self, line, cell):
        """Upload the cell as a runtime program and print its id; the cell is not run here.

        The cell must define ``main(backend, user_messenger, **kwargs)``. Its
        metadata comes from, weakest first: the cell's module docstring (a JSON
        object, or ``key: value`` lines such as ``max_execution_time: 300`` or
        ``parameters: {"properties": {...}}``, prose becoming the description),
        ``--metadata`` (a dict variable or a JSON file), then the flags. A cell
        that is just a ``def main`` uploads as it is: its description is the first
        line of ``main``'s docstring (else a plain default), its time limit
        ``QRTMagics.default_max_execution_time``; the upload line shows both.
        ``--update`` replaces the source and metadata of the program with that
        name (or id), and uploads it if there is none yet: a cell with
        ``--update`` can be re-run as often as it is edited.
        """
        args = self._parse(self.qrt_program, line)
        try:
            module = check_program_source(cell)
            docstring = ast.get_docstring(module, clean=True)
            metadata = metadata_from_docstring(docstring) if docstring else {}
        except ProgramSourceError as exc:
            raise UsageError(f"%%qrt_program: {exc}") from None
        if args.metadata:
            metadata = self._merge(metadata, self._metadata_argument(args.metadata))
        metadata = self._merge(
            metadata,
            {
                "name": args.name,
                "description": args.description,
                "max_execution_time": args.max_execution_time,
                "version": args.version,
            },
        )
        name = metadata.get("name")
        if not name:
            raise UsageError("the program needs a name: %%qrt_program NAME, or a 'name:' line in its docstring")
        service = self._service()
        with self._user_errors(f"program {name!r}"):
            program = self._existing_program(service, name) if args.update else None
            detail = ""
            if program is not None:
                program_id = _program_id(program) or name
                if program_id == name and getattr(program, "name", name) != name:
                    metadata["name"] = program.name  # NAME was the id: update, don't rename
                service.update_program(program_id, data=cell, metadata=metadata)
                verb = "Updated"
            else:
                detail = self._upload_defaults(name, module, metadata)
                self._check_new_program(service, name)
                program_id = service.upload_program(data=cell, metadata=metadata)
                verb = "Uploaded"
        print(f"{verb} program {name!r}: {program_id}{detail}")

    def _upload_defaults(self, name: str, module: ast.Module, metadata: dict) -> str:
        """Fill the metadata a bare ``def main`` cell leaves out, so the cell uploads as it is
        (the Python ``upload_program`` still wants them given, as the old API did); return
        the upload line's note of both values and where a default came from ("" when the
        cell or the flags gave both)."""
        description_from = time_from = ""
        if not metadata.get("description"):
            summary = main_summary(module)
            metadata["description"] = summary or f"{name}, uploaded with %%qrt_program"
            description_from = ", from main's docstring" if summary else ", the default"
        if not metadata.get("max_execution_time"):
            metadata["max_execution_time"] = self.default_max_execution_time
            time_from = ", QRTMagics.default_max_execution_time"
        if not (description_from or time_from):
            return ""
        return (f" (description {first_line(metadata['description'], limit=80)!r}{description_from}; "
                f"max_execution_time {metadata['max_execution_time']} s{time_from})")

    def _check_new_program(self, service, name: str) -> None:
        """Say in magic terms (--update) what an upload would refuse."""
        existing = self._existing_program(service, name)
        if existing is None:
            return
        raise UsageError(
            f"a program named {name!r} exists already ({_program_id(existing)}); "
            "add --update to replace it, or choose another name"
        )

    def _metadata_argument(self, value: str) -> dict:
        """``--metadata``: a variable (dict, or a path) in the user namespace, else a JSON file."""
        if value.isidentifier() and value in self.shell.user_ns:
            found = self.shell.user_ns[value]
            if isinstance(found, Mapping):
                return dict(found)
            if not isinstance(found, (str, os.PathLike)):
                raise UsageError(f"--metadata {value}: expected a dict or a JSON file path, got {type(found).__name__}")
            value = os.fspath(found)
        path = os.path.expanduser(value)
        if not os.path.isfile(path):
            raise UsageError(f"--metadata {value}: no such variable or file")
        try:
            with open(path, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--metadata {value}: cannot read it as JSON: {first_line(exc)}") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--metadata {value}: the JSON must be an object of metadata fields")
        return loaded

    @staticmethod
    def _merge(base: Mapping, override: Mapping) -> dict:
        try:
            return merge_metadata(base, override)
        except ProgramSourceError as exc:
            raise UsageError(f"%%qrt_program: {exc}") from None

    # ------------------------------------------------------------ %qrt_run

    @magic_arguments()
    @argument("program", metavar="PROGRAM", help="program id or name, e.g. hello-world, sampler, estimator")
    @qargs.backend_flag
    @qargs.run_flags
    @qargs.output_flag("the job")
    @qargs.wait_flag
    @qargs.widget_flag
    @no_var_expand  # done in _parse, around the -i expressions
    @line_magic
    def qrt_run(self, line):
        """Run a runtime program and show its live status; returns at once unless --wait.

        Inputs: ``--inputs VARIABLE`` (a dict), then each ``-i KEY=EXPR`` where
        EXPR is a Python expression evaluated in the user namespace
        (``-i circuits=bell -i shots=2000``; quote or bracket expressions with
        spaces: ``-i 'x=a + b'``, ``-i circuits=[bell, ghz]``), then
        ``--shots N``. ``-o NAME`` stores the job in the user namespace.
        IPython's ``$var`` / ``{expr}`` expansion applies to the other
        arguments (``%qrt_run $program -b {backend}``), never inside ``-i``.
        In a notebook the live job widget is shown (``--no-widget``: a text
        status line); in a terminal a status line. Ctrl-C during ``--wait``
        stops waiting, not the job.
        """
        args = self._parse(self.qrt_run, line)
        pairs = qargs.parse_inputs(args.input_exprs)
        inputs = self._inputs_variable(args.inputs) if args.inputs else {}
        evaluated = qargs.evaluate_inputs(pairs, self.shell.user_global_ns, self.shell.user_ns)
        if args.shots is not None and "shots" in evaluated:
            raise UsageError("shots is given twice (--shots and -i shots=...); give it once")
        inputs.update(evaluated)
        service = self._service()
        with self._user_errors():  # the runtime's messages name the program and the input
            program = self._program(service, args.program)
            program_id = _program_id(program) or args.program
            if args.shots is not None:
                inputs["shots"] = args.shots
            elif self.default_shots is not None and "shots" not in inputs and _declares_input(program, "shots"):
                inputs["shots"] = self.default_shots
            backend = args.backend or self.default_backend
            if backend:
                self._check_backend(service, backend)
            options = {
                key: value
                for key, value in (("backend_name", backend), ("max_execution_time", args.max_execution_time))
                if value is not None
            }
            job = service.run(program_id, inputs, options=options or None)
        if args.out:
            self.shell.user_ns[args.out] = job
        self._show_job(job, widget=args.widget, wait=args.wait)

    def _inputs_variable(self, name: str) -> dict:
        if name not in self.shell.user_ns:
            raise UsageError(f"--inputs {name}: no variable of that name; make a dict of inputs first")
        value = self.shell.user_ns[name]
        if not isinstance(value, Mapping):
            raise UsageError(f"--inputs {name}: expected a dict of program inputs, got {type(value).__name__}")
        return dict(value)

    # ------------------------------------------------------------ %qrt_jobs, %qrt_job, %qrt_cancel

    @magic_arguments()
    @qargs.job_filter_flags
    @line_magic
    def qrt_jobs(self, line):
        """List recent jobs of the active service, newest first (also jobs of earlier kernels)."""
        args = self._parse(self.qrt_jobs, line)
        if args.pending and args.finished:
            raise UsageError("--pending and --finished exclude each other; give one")
        pending = True if args.pending else False if args.finished else None
        service = self._service()
        with self._user_errors("%qrt_jobs"):
            program_id = args.program and self._program_id_or_given(service, args.program)
            jobs = service.jobs(
                limit=args.limit or self.jobs_limit,
                skip=args.skip,
                program_id=program_id,
                pending=pending,
                backend_name=args.backend,
            )
            rows = [
                (
                    _call(job, "job_id"),
                    _program_of(job),
                    _name_of(getattr(job, "backend_name", None) or _safe_call(job, "backend")),
                    status_name(_safe_call(job, "status")),
                    _safe_call(job, "creation_date"),
                )
                for job in jobs
            ]
        display(
            Table(
                ("job", "program", "backend", "status", "created"),
                rows,
                title=f"Jobs · {active.describe(service)}",
                empty="No jobs found. %qrt_run hello-world starts one.",
            )
        )

    @magic_arguments()
    @argument("job_id", nargs="?", metavar="JOB_ID", help="the job (default: the newest job)")
    @qargs.output_flag("the job")
    @qargs.wait_flag
    @qargs.widget_flag
    @line_magic
    def qrt_job(self, line):
        """Show a job's live widget (or status line) again, also for a job of an earlier kernel.

        Without JOB_ID: the newest job. ``-o NAME`` stores the job object.
        """
        args = self._parse(self.qrt_job, line)
        service = self._service()
        if args.job_id:
            job = self._job(service, args.job_id)
        else:
            with self._user_errors("%qrt_job"):
                newest = list(service.jobs(limit=1))
            if not newest:
                raise UsageError("there are no jobs yet; %qrt_run hello-world starts one")
            job = newest[0]
        if args.out:
            self.shell.user_ns[args.out] = job
        self._show_job(job, widget=args.widget, wait=args.wait)

    @magic_arguments()
    @argument("job_ids", nargs="+", metavar="JOB_ID", help="the jobs to cancel")
    @line_magic
    def qrt_cancel(self, line):
        """Cancel queued or running jobs."""
        args = self._parse(self.qrt_cancel, line)
        service = self._service()
        for job_id in args.job_ids:
            job = self._job(service, job_id)
            errors = _runtime_exceptions()
            with self._user_errors(f"job {job_id}"):
                try:
                    job.cancel()
                except errors.RuntimeInvalidStateError:
                    state = status_name(_safe_call(job, "status")) or "finished"
                    raise UsageError(
                        f"job {job_id} is {state} already; only queued or running jobs can be cancelled"
                    ) from None
            print(f"Cancelled job {job_id}")

    # ------------------------------------------------------------ %qrt_programs, %qrt_backends

    @magic_arguments()
    @argument("--refresh", action="store_true", help="ask the service again instead of using its cache")
    @line_magic
    def qrt_programs(self, line):
        """List the runtime programs of the active service (built-in and uploaded)."""
        args = self._parse(self.qrt_programs, line)
        service = self._service()
        with self._user_errors("%qrt_programs"):
            programs = service.programs(refresh=args.refresh)
            rows = [
                (
                    _program_id(p),
                    getattr(p, "name", ""),
                    getattr(p, "version", "") or "",
                    getattr(p, "max_execution_time", "") or "",
                    first_line(getattr(p, "description", "") or "", limit=500),
                )
                for p in programs
            ]
        display(
            Table(
                ("program", "name", "version", "max time (s)", "description"),
                rows,
                title=f"Programs · {active.describe(service)}",
                empty="No programs. %%qrt_program NAME uploads one.",
            )
        )

    @magic_arguments()
    @line_magic
    def qrt_backends(self, line):
        """List the backends of the active service with their queue lengths."""
        self._parse(self.qrt_backends, line)
        service = self._service()
        with self._user_errors("%qrt_backends"):
            rows = []
            for backend in service.backends():
                status = _safe_call(backend, "status")
                rows.append(
                    (
                        _name_of(backend),
                        getattr(backend, "num_qubits", ""),
                        getattr(status, "operational", None),
                        getattr(status, "pending_jobs", ""),
                        getattr(status, "status_msg", "") or "",
                    )
                )
        display(
            Table(
                ("backend", "qubits", "operational", "pending jobs", "status"),
                rows,
                title=f"Backends · {active.describe(service)}",
                empty="The service has no backends.",
            )
        )

    # ------------------------------------------------------------ %qrt_dashboard, %qrt_version

    @magic_arguments()
    @qargs.output_flag("the dashboard widget")
    @line_magic
    def qrt_dashboard(self, line):
        """Show the dashboard widget: jobs, backends and their queues, programs, sessions, live.

        Outside a notebook (terminal IPython) it prints the same summary as text.
        """
        args = self._parse(self.qrt_dashboard, line)
        Dashboard = self._widgets_attr("Dashboard")
        if Dashboard is None:
            raise UsageError("the dashboard is not available in this qrt_jupyter yet; use %qrt_jobs and %qrt_backends")
        self._service()  # the dashboard follows the active service; make sure there is one
        dashboard = Dashboard()
        if args.out:
            self.shell.user_ns[args.out] = dashboard
        if self._in_kernel():
            display(dashboard)
        else:
            print(dashboard.text_summary())
            if not args.out:
                dashboard.close()  # nothing will show it: stop its subscription

    @magic_arguments()
    @line_magic
    def qrt_version(self, line):
        """Show the versions of qrt_jupyter, Qiskit, Qiskit Aer, qiskit-ibm-runtime, Python and the OS."""
        self._parse(self.qrt_version, line)
        display(version_table())

    # ------------------------------------------------------------ shared helpers

    def _parse(self, magic, line: str):
        """Split with :func:`args.split_line` and parse; argparse errors become one clear line.

        Magics marked ``@no_var_expand`` (``%qrt_run``) get IPython's ``$var``
        / ``{expr}`` expansion here, for every token except ``-i`` values:
        those are Python already, and expanding them would turn a set literal
        ``{1, 2}`` into the text ``(1, 2)``.
        """
        name = magic.parser.prog
        marked = qargs.split_line_marked(line)
        if getattr(magic, MAGIC_NO_VAR_EXPAND_ATTR, False):
            tokens = [token if is_input else self._expand(token) for token, is_input in marked]
        else:
            tokens = [token for token, _ in marked]
        try:
            return magic.parser.parse_args(tokens)
        except UsageError as exc:
            message = str(exc)
            if "unrecognized arguments" in message and qargs.INPUT_FLAG in tokens:
                message += " (an -i expression with spaces needs quotes or brackets: -i 'x=a + b')"
            escape = "%%" if name in self.magics["cell"] else "%"
            raise UsageError(f"{escape}{name}: {message}; see {escape}{name}?") from None

    def _expand(self, token: str) -> str:
        """IPython's own ``$var`` / ``{expr}`` expansion, in the user namespace."""
        if "$" not in token and "{" not in token:
            return token
        try:
            return _DOLLAR_FORMATTER.vformat(token, args=[], kwargs=self.shell.user_ns)
        except Exception:  # as IPython does: what cannot be expanded stays as written
            return token

    def _service(self):
        """The active service; the magics' first need starts the local runtime under ``home``."""
        service = active.current()
        if service is None:
            with self._user_errors("local runtime"):
                service = active.use_local(self.home or None)
        return service

    def _in_kernel(self) -> bool:
        """A Jupyter kernel (widgets can render) rather than a terminal IPython."""
        return getattr(self.shell, "kernel", None) is not None

    @contextmanager
    def _user_errors(self, context: str = "") -> Iterator[None]:
        """Turn the runtime's user-facing exceptions into one-line ``UsageError``\\ s."""
        try:
            yield
        except UsageError:
            raise
        except Exception as exc:
            message = user_error_message(exc)
            if message is None:
                raise
            raise UsageError(f"{context}: {message}" if context else message) from None

    def _program(self, service, program: str):
        """The program by id, else by name; unknown → the names that do exist."""
        errors = _runtime_exceptions()
        try:
            return service.program(program)
        except errors.RuntimeProgramNotFound:
            pass
        programs = list(service.programs())
        for candidate in programs:
            if getattr(candidate, "name", None) == program:
                return candidate
        raise UsageError(
            f"unknown program {program!r}; available: {_few((_program_id(p) for p in programs), near=program)} "
            "(%qrt_programs lists them all)"
        )

    def _existing_program(self, service, name: str):
        """The uploaded program called ``name`` (or with that id), for ``--update``; None if
        there is none. A built-in's name is free for an upload of one's own (it gets its own
        id), so a built-in found by that name does not count."""
        try:
            program = self._program(service, name)
        except UsageError:
            return None
        if not getattr(program, "is_builtin", False):
            return program
        return next((p for p in service.programs()
                     if getattr(p, "name", None) == name and not getattr(p, "is_builtin", False)),
                    None)

    def _program_id_or_given(self, service, program: str) -> str:
        """For filters: a name becomes its id when the program still exists; else as given."""
        try:
            return _program_id(self._program(service, program)) or program
        except UsageError:
            return program

    def _check_backend(self, service, name: str) -> None:
        names = [_name_of(backend) for backend in service.backends()]
        if name not in names:
            raise UsageError(
                f"unknown backend {name!r}; available: {_few(names, near=name)} (%qrt_backends lists them all)"
            )

    def _job(self, service, job_id: str):
        """The job by id; unknown → a few recent ids, so a typo is easy to fix."""
        errors = _runtime_exceptions()
        with self._user_errors(f"job {job_id}"):
            try:
                return service.job(job_id)
            except errors.RuntimeJobNotFound:
                recent = [_call(job, "job_id") for job in service.jobs(limit=LISTED_NAMES)]
        hint = f"recent jobs: {_few(recent)}" if recent else "there are no jobs yet"
        raise UsageError(f"unknown job id {job_id!r}; {hint} (%qrt_jobs lists them)")

    @staticmethod
    def _widgets_attr(name: str):
        """``qrt_jupyter.widgets.<name>``, or None while the widgets are not built."""
        try:
            return getattr(import_module("qrt_jupyter.widgets"), name)
        except AttributeError:
            return None
        except ImportError as exc:
            # Only our own missing module means "not built yet"; a broken
            # dependency inside it is a real error and must show.
            if exc.name and (exc.name == "qrt_jupyter.widgets" or exc.name.startswith("qrt_jupyter.widgets.")):
                return None
            raise

    def _show_job(self, job, *, widget: bool, wait: bool) -> None:
        """The live widget in a notebook, else a text status line; then wait if asked."""
        watch = self._widgets_attr("watch") if (widget and self.show_widget and self._in_kernel()) else None
        if watch is not None:
            display(watch(job))
            if wait:
                self._wait(job)
            return
        in_kernel = self._in_kernel()
        view = _TextJobView(job, live=in_kernel or wait, in_kernel=in_kernel)
        if not wait:
            if not in_kernel and not view.line.final:
                job_id = view.line.job_id
                print(f"  %qrt_job {job_id} shows it again; %qrt_cancel {job_id} stops it")
            return
        if not self._wait(job):
            view.stop()
            return
        view.finish()
        if view.line.status == "DONE":
            with self._user_errors(f"job {view.line.job_id}"):
                display(job.result())

    @staticmethod
    def _wait(job) -> bool:
        """Block until the job ends; Ctrl-C stops waiting, not the job."""
        try:
            job.wait_for_final_state()
        except KeyboardInterrupt:
            job_id = _call(job, "job_id")
            print(f"Stopped waiting; job {job_id} keeps running (%qrt_cancel {job_id} stops it)")
            return False
        return True


class _TextJobView:
    """The text status line of one job, kept current from the job's events.

    In a notebook it is one output updated in place (``display_id``); in a
    terminal each change is printed as a new line, and only while the magic
    waits, so nothing is printed into the user's prompt later.
    """

    def __init__(self, job, live: bool, in_kernel: bool):
        self.job = job
        self._lock = threading.RLock()
        self._ready = False
        self._shown = ""
        self._unsubscribe = None
        self._kernel_handle = None
        backend = _safe_call(job, "backend")
        self.line = JobStatusLine(
            job,
            status="",
            program_id=_program_of(job),
            backend=_name_of(backend) if backend is not None else "",
        )
        subscribe = getattr(job, "subscribe", None)
        if live and callable(subscribe):
            # Subscribe before reading the status, so no change falls in between.
            self._unsubscribe = subscribe(self._on_event)
        with self._lock:
            self.line.status = status_name(_safe_call(job, "status"))
            if self.line.status == "QUEUED":
                self.line.queue_position = _safe_call(job, "queue_position")
            self._note_error()
            if in_kernel:
                self._kernel_handle = display(self.line, display_id=True)
                self._shown = repr(self.line)
            self._ready = True
            self._emit()
        if self.line.final:
            self.stop()

    def _on_event(self, event) -> None:
        with self._lock:
            if self.line.apply(event):
                self._note_error()
                self._emit()
        if self.line.final:
            self.stop()

    def _note_error(self) -> None:
        if self.line.status == "ERROR" and not self.line.error:
            self.line.error = first_line(_safe_call(self.job, "error_message") or "")

    def finish(self) -> None:
        """After waiting: show the final state even if no event said so (yet)."""
        with self._lock:
            if not self.line.final:
                self.line.status = status_name(_safe_call(self.job, "status"))
                self.line.queue_position = None
                self._note_error()
            self._emit()
        self.stop()

    def _emit(self) -> None:
        """Show the line if it changed; called with the lock held."""
        text = repr(self.line)
        if not self._ready or text == self._shown:
            return
        self._shown = text
        if self._kernel_handle is not None:
            self._kernel_handle.update(self.line)
        else:
            print(text, flush=True)

    def stop(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()


# ---------------------------------------------------------------- helpers without state


def user_error_message(exc: BaseException) -> str | None:
    """A one-line message for exceptions that report a user's mistake, else None.

    The runtime raises qiskit-ibm-runtime's own exception classes (so IBM
    code catches them unchanged); they exist only once that package was
    imported, so look in ``sys.modules`` rather than importing it here.
    """
    ibm = sys.modules.get("qiskit_ibm_runtime.exceptions")
    if ibm is not None and isinstance(
        exc, (ibm.IBMError, ibm.RuntimeJobFailureError, ibm.RuntimeJobTimeoutError)
    ):
        return first_line(getattr(exc, "message", None) or exc, limit=None) or type(exc).__name__
    if (type(exc).__module__ or "").startswith("qrt_jupyter.ibm"):
        return first_line(exc, limit=None) or type(exc).__name__
    schema = sys.modules.get("jsonschema.exceptions")
    if schema is not None and isinstance(exc, schema.ValidationError):
        return f"invalid inputs: {first_line(exc.message, limit=None)}"
    if isinstance(exc, ProgramSourceError):
        return str(exc)
    return None


def _runtime_exceptions():
    """``qiskit_ibm_runtime.exceptions``, imported only when a service is in use."""
    from qiskit_ibm_runtime import exceptions

    return exceptions


def _call(obj: Any, name: str) -> Any:
    """``obj.name()`` or ``obj.name``: the seeds have methods where V2 jobs have properties."""
    attr = getattr(obj, name, None)
    return attr() if callable(attr) else attr


def _safe_call(obj: Any, name: str) -> Any:
    """Like :func:`_call` for optional facts in listings: a fact that cannot be read is blank."""
    try:
        return _call(obj, name)
    except Exception:
        return None


def _name_of(obj: Any) -> str:
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    name = _call(obj, "name")
    return name if isinstance(name, str) else str(obj)


def _program_of(job: Any) -> str:
    """The program a job runs; qiskit-ibm-runtime's V2 jobs call it ``primitive_id``."""
    for attr in ("program_id", "primitive_id"):
        value = _safe_call(job, attr)
        if isinstance(value, str) and value:
            return value
    return ""


def _program_id(program: Any) -> str:
    return getattr(program, "program_id", None) or getattr(program, "id", None) or ""


def _few(names, near: str | None = None) -> str:
    """A short list for an error message; names that look like ``near`` (a typo) first."""
    names = [str(name) for name in names if name]
    if not names:
        return "none"
    if near:
        import difflib  # only when an error message is being written

        close = difflib.get_close_matches(near, names, n=LISTED_NAMES, cutoff=0.6)
        names = close + [name for name in names if name not in close]
    shown = ", ".join(names[:LISTED_NAMES])
    return shown + (", …" if len(names) > LISTED_NAMES else "")


def _declares_input(program: Any, key: str) -> bool:
    """Whether the program's parameter schema names ``key``; unknown schema → False."""
    schema = getattr(program, "parameters", None)
    if callable(schema):
        try:
            schema = schema()
        except Exception:
            schema = None
    if schema is None:
        spec = getattr(program, "spec", None)
        schema = spec.get("parameters") if isinstance(spec, Mapping) else None
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return isinstance(properties, Mapping) and key in properties


def version_table() -> Table:
    """The versions people ask for in a bug report; from package metadata, importing nothing heavy."""
    import platform  # here, not at module level: %load_ext stays cheap
    from importlib import metadata as importlib_metadata

    from .._version import __version__

    rows = [("qrt_jupyter", __version__)]
    for label, dist in (
        ("qiskit", "qiskit"),
        ("qiskit-aer", "qiskit-aer"),
        ("qiskit-ibm-runtime", "qiskit-ibm-runtime"),
        ("IPython", "ipython"),
    ):
        try:
            rows.append((label, importlib_metadata.version(dist)))
        except importlib_metadata.PackageNotFoundError:
            rows.append((label, "not installed"))
    rows.append(("Python", f"{platform.python_version()} ({platform.python_implementation()})"))
    rows.append(("OS", platform.platform()))
    return Table(("software", "version"), rows, title="Version information")


__all__ = ["QRTMagics", "user_error_message", "version_table"]
