"""``%qrt_service``: choose the active runtime service (:mod:`qrt_jupyter.active`) or say which it is."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from .. import active
from . import args as qargs
from .base import MagicsBase
from .errors import usage_errors

__all__ = ["ServiceMagics"]


@magics_class
class ServiceMagics(MagicsBase):
    @magic_arguments()
    @argument("kind", nargs="?", choices=("local", "ibm"), metavar="local|ibm", help="the service to use")
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
            with usage_errors("local runtime"):
                service = active.use_local(args.home or self.home or None)
        else:
            if args.home:
                raise UsageError("--home applies only to %qrt_service local, not to ibm")
            with usage_errors("IBM Quantum"):
                service = active.use_ibm(channel=args.channel, instance=args.instance, account=args.account)
        if args.out:
            self.shell.user_ns[args.out] = service
        print(f"Active service: {active.describe(service)}")
