"""``%qrt_backends``: the active service's backends and their queues."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import magic_arguments

from ..status import fact, name_of
from .base import MagicsBase
from .errors import usage_errors

__all__ = ["BackendMagics"]


@magics_class
class BackendMagics(MagicsBase):
    @magic_arguments()
    @line_magic
    def qrt_backends(self, line):
        """List the backends of the active service with their queue lengths."""
        self._parse(self.qrt_backends, line)
        service = self._service()
        with usage_errors("%qrt_backends"):
            rows = []
            for backend in service.backends():
                status = fact(backend, "status")
                rows.append(
                    (
                        name_of(backend),
                        getattr(backend, "num_qubits", ""),
                        getattr(status, "operational", None),
                        getattr(status, "pending_jobs", ""),
                        getattr(status, "status_msg", "") or "",
                    )
                )
        self._show_listing(
            "Backends", service, ("backend", "qubits", "operational", "pending jobs", "status"), rows, empty="The service has no backends."
        )
