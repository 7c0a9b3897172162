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
        ``%qrt_service http://HOST:PORT [--token-env NAME]`` uses a qrt-runtime
        server, with the token from ``$QRT_TOKEN`` (or the variable named).
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

    def _use_remote(self, args) -> None:
        """``%qrt_service URL [--token-env NAME]``: a qrt-runtime server becomes the active service."""
        import os

        if args.home or args.channel or args.instance or args.account:
            raise UsageError("--home, --channel, --instance and --account do not apply to a server URL")
        name = args.token_env or "QRT_TOKEN"
        token = os.environ.get(name)
        if args.token_env and not token:
            raise UsageError(f"the environment variable {name} is not set: export the token there first")
        with usage_errors(args.kind):
            service = active.use_remote(args.kind, token=token)
        if args.out:
            self.shell.user_ns[args.out] = service
        print(f"Active service: {active.describe(service)}")
