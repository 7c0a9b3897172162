"""``%qrt_run``: run a program or a built-in primitive with inputs from the user namespace."""

from __future__ import annotations

from typing import Mapping

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments

from . import args as qargs
from .base import MagicsBase
from .errors import usage_errors

__all__ = ["RunMagics"]


@magics_class
class RunMagics(MagicsBase):
    default_backend: str | None
    default_shots: int | None

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
        if args.shots is not None:
            inputs["shots"] = args.shots
        service = self._service()
        with usage_errors():  # the service's messages name the program, the backend or the input
            if self.default_shots is not None and "shots" not in inputs:
                from ..runtime.programs import declares_input

                if declares_input(service.program(args.program), "shots"):
                    inputs["shots"] = self.default_shots
            options = {
                key: value
                for key, value in (
                    ("backend_name", args.backend or self.default_backend),
                    ("max_execution_time", args.max_execution_time),
                )
                if value is not None
            }
            job = service.run(args.program, inputs, options=options or None)
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
