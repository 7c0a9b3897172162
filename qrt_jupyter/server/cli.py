"""``qrt-runtime``: ``serve`` and ``token create|list|revoke``.

``token create`` prints the token alone on stdout (so ``TOKEN=$(qrt-runtime
token create ...)`` works) and everything else on stderr; it is shown once.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone


def _home_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None,
                        help="the runtime's home directory (default: $QRT_HOME, else ~/.qrt)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qrt-runtime", description="The qrt_jupyter runtime server.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve a runtime home over HTTP and WebSockets")
    _home_arg(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    serve.add_argument("--certfile", help="TLS certificate (PEM); with --keyfile serves https/wss")
    serve.add_argument("--keyfile", help="TLS private key (PEM)")
    serve.add_argument("--max-body-bytes", type=int, default=None,
                       help="largest request body accepted (default 16 MiB); larger ones get 413")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--dask", metavar="ADDRESS", default=None,
                       help="run jobs on the workers of this Dask scheduler (tcp://HOST:8786) "
                            "instead of local worker processes")

    token = commands.add_parser("token", help="create, list or revoke access tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token and print it (shown once)")
    create.add_argument("name")
    create.add_argument("--role", action="append", required=True, choices=["manager", "writer", "reader"],
                        help="a role of the token; repeat for several")
    _home_arg(create)
    listing = token_commands.add_parser("list", help="names, roles, created, last used")
    _home_arg(listing)
    revoke = token_commands.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    _home_arg(revoke)
    return parser


def _home(value):
    from pathlib import Path

    from ..runtime.home import default_home

    return (Path(value).expanduser() if value else default_home()).resolve()


def _when(timestamp) -> str:
    if not timestamp:
        return "never"
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _token(args) -> int:
    from .tokens import TokenError, TokenFile

    tokens = TokenFile(_home(args.home))
    try:
        if args.token_command == "create":
            token = tokens.create(args.name, args.role)
            print(f"qrt-runtime: token {args.name!r} ({', '.join(args.role)}) created in {tokens.path}; "
                  "it is shown once, below", file=sys.stderr)
            print(token, flush=True)
        elif args.token_command == "list":
            rows = tokens.list()
            if not rows:
                print(f"no tokens in {tokens.path}", file=sys.stderr)
            for row in rows:
                print(f"{row['name']}\t{','.join(row['roles'])}\tcreated {_when(row['created'])}"
                      f"\tlast used {_when(row['last_used'])}")
        else:
            tokens.revoke(args.name)
            print(f"qrt-runtime: token {args.name!r} revoked", file=sys.stderr)
    except TokenError as exc:
        print(f"qrt-runtime: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "token":
        return _token(args)
    from .serve import serve

    if args.max_body_bytes is not None and args.max_body_bytes < 1:
        print("qrt-runtime: --max-body-bytes must be a positive number of bytes", file=sys.stderr)
        return 2
    serve(home=args.home, host=args.host, port=args.port, certfile=args.certfile, keyfile=args.keyfile,
          max_body_bytes=args.max_body_bytes, log_level=args.log_level, dask=args.dask)
    return 0
