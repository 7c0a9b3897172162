"""Logging for the server: to stderr, with every token taken out before a line is written.

Our own code never logs a token, but the libraries under it may: at debug
level the WebSocket library logs each handshake's headers, Authorization
included. So a filter on every handler rewrites any ``qrt_<id>_<secret>``
and the value of any Authorization / X-Access-Token header (whatever token a
client sent, ours or not) before the record is formatted, tracebacks too.
"""

from __future__ import annotations

import logging
import re
import sys

_SECRETS = re.compile(
    r"(?P<id>qrt_[0-9a-f]{12}_)[A-Za-z0-9_-]+"
    r"|(?P<header>(?:authorization|x-access-token)['\"]?\s*[:=,]\s*b?['\"]?)[^\r\n'\"]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with token secrets and credential header values replaced by ``[redacted]``."""

    def replace(match: re.Match) -> str:
        return (match.group("id") or match.group("header")) + "[redacted]"

    return _SECRETS.sub(replace, text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def configure(level: str) -> None:
    """Our logger at ``level``, everyone else's at WARNING, all to stderr, all redacted."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("qrt_jupyter").setLevel(getattr(logging, level.upper(), logging.INFO))
    guard_handlers()


def guard_handlers() -> None:
    """Put the filter on every handler there is now (call again after uvicorn configures its own)."""
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if not any(isinstance(f, RedactTokens) for f in handler.filters):
                handler.addFilter(RedactTokens())
