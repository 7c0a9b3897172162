"""Argument parsing shared by the magics: line splitting, ``-i KEY=EXPR``, flag groups.

Why not ``magic_arguments.parse_argstring``: it splits the line like a POSIX
shell, which removes the quotes a Python expression needs
(``-i name="Bell pair"`` would arrive as ``name=Bell pair``) and cuts
``-i circuits=[bell, ghz]`` in two. :func:`split_line` splits like a shell
everywhere except in the value of ``-i``, which it reads like Python: quotes
are kept and brackets and strings may contain spaces. A whole ``-i`` value may
still be shell-quoted (``-i 'x=a + b'``): a value can only start with a quote
when it is quoted that way, since ``KEY`` is an identifier.

The flag groups are decorators built from ``magic_arguments.argument`` so that
magics that share a flag share its spelling and help text.
"""

from __future__ import annotations

import argparse
import keyword
import os
from typing import Any, Callable, Iterable, Mapping

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument

INPUT_FLAG = "-i"
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = set(_OPENERS.values())
_QUOTES = "'\""
# Backslash escapes outside quotes as in a POSIX shell, but not on Windows
# where it is the path separator (IPython's own arg_split makes the same choice).
_POSIX = os.name != "nt"


# ---------------------------------------------------------------- splitting


def split_line(line: str) -> list[str]:
    """Split a magic's argument line into argv tokens; see the module docstring."""
    return [token for token, _ in split_line_marked(line)]


def split_line_marked(line: str) -> list[tuple[str, bool]]:
    """Like :func:`split_line`, each token paired with "it holds an ``-i`` expression"."""
    tokens: list[tuple[str, bool]] = []
    pos, end = 0, len(line)
    while True:
        while pos < end and line[pos].isspace():
            pos += 1
        if pos >= end:
            return tokens
        if tokens and tokens[-1] == (INPUT_FLAG, False):
            # KEY=EXPR never starts with a quote; a value that does is shell-quoted whole.
            scan = _scan_shell_word if line[pos] in _QUOTES else _scan_expression
            token, pos = scan(line, pos)
            tokens.append((token, True))
        elif line.startswith(INPUT_FLAG, pos) and pos + 2 < end and _starts_identifier(line[pos + 2]):
            token, pos = _scan_expression(line, pos + 2)  # attached form: -ishots=100
            tokens.append((INPUT_FLAG + token, True))
        else:
            token, pos = _scan_shell_word(line, pos)
            tokens.append((token, False))


def _starts_identifier(char: str) -> bool:
    return char == "_" or char.isalpha()


def _scan_expression(line: str, pos: int) -> tuple[str, int]:
    """Read one Python expression token: up to whitespace outside brackets and strings."""
    start, end, depth = pos, len(line), 0
    while pos < end:
        char = line[pos]
        if char in _QUOTES:
            pos = _skip_python_string(line, pos)
            continue
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(depth - 1, 0)
        elif char.isspace() and depth == 0:
            break
        pos += 1
    return line[start:pos], pos


def _skip_python_string(line: str, pos: int) -> int:
    """Position just after the string literal starting at ``pos`` (or the end of line)."""
    quote = line[pos] * 3 if line.startswith(line[pos] * 3, pos) else line[pos]
    pos += len(quote)
    end = len(line)
    while pos < end:
        if line[pos] == "\\":
            pos += 2
        elif line.startswith(quote, pos):
            return pos + len(quote)
        else:
            pos += 1
    return end


def _scan_shell_word(line: str, pos: int) -> tuple[str, int]:
    """Read one shell word: quotes group and are removed, backslash escapes."""
    out: list[str] = []
    end = len(line)
    while pos < end and not line[pos].isspace():
        char = line[pos]
        if char == "'":
            close = line.find("'", pos + 1)
            close = end if close < 0 else close
            out.append(line[pos + 1 : close])
            pos = close + 1
        elif char == '"':
            pos += 1
            while pos < end and line[pos] != '"':
                if line[pos] == "\\" and pos + 1 < end and line[pos + 1] in '"\\$`':
                    pos += 1
                out.append(line[pos])
                pos += 1
            pos += 1
        elif char == "\\" and _POSIX and pos + 1 < end:
            out.append(line[pos + 1])
            pos += 2
        else:
            out.append(char)
            pos += 1
    return "".join(out), pos


# ---------------------------------------------------------------- -i KEY=EXPR


def parse_input(token: str) -> tuple[str, str]:
    """Split one ``KEY=EXPR`` into ``(key, expr)`` at the first ``=``.

    The first ``=`` is the right one: ``KEY`` must be an identifier, so an
    ``=`` inside the expression (``s="a=b"``, ``ok=a==b``) comes later.
    """
    key, sep, expr = token.partition("=")
    key, expr = key.strip(), expr.strip()
    if not sep or not key:
        raise UsageError(f"-i expects KEY=EXPR, got {token!r} (for example -i shots=1000)")
    if not key.isidentifier() or keyword.iskeyword(key):
        raise UsageError(f"-i {token}: {key!r} is not a valid input name (it must be a Python identifier)")
    if not expr:
        raise UsageError(f"-i {token}: the expression after '=' is missing")
    return key, expr


def parse_inputs(tokens: Iterable[str]) -> list[tuple[str, str]]:
    """Every ``-i`` token parsed; a key given twice is a mistake, not "last one wins"."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for token in tokens:
        key, expr = parse_input(token)
        if key in seen:
            raise UsageError(f"-i {key} is given twice; give each input once")
        seen.add(key)
        pairs.append((key, expr))
    return pairs


def evaluate_inputs(
    pairs: Iterable[tuple[str, str]], global_ns: dict[str, Any], local_ns: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Evaluate each expression in the user's namespace; a failure names the input."""
    values: dict[str, Any] = {}
    for key, expr in pairs:
        try:
            code = compile(expr, f"<-i {key}>", "eval")
        except SyntaxError as exc:
            raise UsageError(f"-i {key}={expr}: not a Python expression ({exc.msg})") from None
        try:
            values[key] = eval(code, global_ns, local_ns)  # noqa: S307 - the user's own expression
        except Exception as exc:
            raise UsageError(f"-i {key}={expr} failed: {type(exc).__name__}: {exc}") from None
    return values


# ---------------------------------------------------------------- value types


def positive_int(text: str) -> int:
    """argparse type: a whole number above zero (shots, limits, seconds)."""
    return _whole_number(text, minimum=1)


def non_negative_int(text: str) -> int:
    """argparse type: a whole number, zero allowed (``--skip``)."""
    return _whole_number(text, minimum=0)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def identifier(text: str) -> str:
    """argparse type: a name to bind in the user namespace."""
    if not text.isidentifier() or keyword.iskeyword(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid Python variable name")
    return text


# ---------------------------------------------------------------- flag groups


def flags(*decorators: Callable) -> Callable:
    """Bundle argument decorators into one, keeping their order in ``%magic?``."""

    def apply(func):
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def output_flag(what: str) -> Callable:
    """``-o/--out NAME``: bind what the magic made (job, service, widget) to a user variable."""
    return argument("-o", "--out", metavar="NAME", type=identifier, help=f"store {what} in the user namespace as NAME")

widget_flag = argument(
    "--no-widget",
    dest="widget",
    action="store_false",
    help="show a text status line instead of the live job widget",
)

wait_flag = argument("--wait", action="store_true", help="block until the job has finished")

backend_flag = argument(
    "-b", "--backend", metavar="NAME", help="backend to run on (default: QRTMagics.default_backend, else the least busy)"
)

run_flags = flags(
    argument(
        INPUT_FLAG,
        dest="input_exprs",
        action="append",
        default=[],
        metavar="KEY=EXPR",
        help="a program input; EXPR is a Python expression evaluated in the user namespace (repeatable)",
    ),
    argument("--inputs", metavar="VARIABLE", help="a dict of program inputs from the user namespace (-i overrides)"),
    argument("-s", "--shots", type=positive_int, metavar="N", help="the shots input (default: QRTMagics.default_shots)"),
    argument("--max-execution-time", type=positive_int, metavar="S", help="time limit for the job, in seconds"),
)

job_filter_flags = flags(
    argument("-n", "--limit", type=positive_int, metavar="N", help="how many jobs (default: QRTMagics.jobs_limit)"),
    argument("--skip", type=non_negative_int, default=0, metavar="N", help="skip the N newest jobs"),
    argument("-p", "--program", metavar="ID", help="only jobs of this program"),
    argument("-b", "--backend", metavar="NAME", help="only jobs on this backend"),
    argument("--pending", action="store_true", help="only queued or running jobs"),
    argument("--finished", action="store_true", help="only jobs that have finished"),
)

service_flags = flags(
    argument("--home", metavar="DIR", help="local: directory of the job store (default: QRTMagics.home, $QRT_HOME, ~/.qrt)"),
    argument("--dask", metavar="ADDRESS", help="local: run the jobs on this Dask scheduler's workers (tcp://HOST:8786)"),
    argument("--channel", metavar="C", help="ibm: ibm_quantum_platform or ibm_cloud"),
    argument("--instance", metavar="I", help="ibm: the instance (CRN or hub/group/project)"),
    argument("--account", metavar="NAME", help="ibm: the name of a saved account"),
)

program_flags = flags(
    argument("--max-execution-time", type=positive_int, metavar="S", help="the program's time limit, in seconds"),
    argument("--description", metavar="TEXT", help="what the program does"),
    argument("--version", metavar="V", help="the program's version"),
    argument(
        "--metadata",
        metavar="JSON_FILE_OR_VARIABLE",
        help="metadata in the runtime program format: a dict variable or a JSON file",
    ),
    argument("--update", action="store_true", help="replace the program of this name instead of uploading a new one"),
)
