"""One module per resource, each a thin translation from HTTP to ``LocalRuntimeService``."""

from . import backends, jobs, programs, sessions, streams

ROUTES = programs.ROUTES + jobs.ROUTES + backends.ROUTES + sessions.ROUTES + streams.ROUTES
