"""``%qrt_version``: the versions people ask for in a bug report."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import magic_arguments
from IPython.display import display

from .base import MagicsBase
from .render import Table

__all__ = ["VersionMagics", "version_table"]


@magics_class
class VersionMagics(MagicsBase):
    @magic_arguments()
    @line_magic
    def qrt_version(self, line):
        """Show the versions of qrt_jupyter, Qiskit, Qiskit Aer, qiskit-ibm-runtime, Python and the OS."""
        self._parse(self.qrt_version, line)
        display(version_table())


def version_table() -> Table:
    """From package metadata, importing nothing heavy."""
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
