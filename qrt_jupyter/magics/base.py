"""What every ``%qrt_*`` magic shares: parsing its line, the active service, showing a job.

Each concept's magics are a mixin of :class:`MagicsBase` in a module of their
own (:mod:`.service`, :mod:`.programs`, :mod:`.run`, :mod:`.jobs`,
:mod:`.backends`, :mod:`.dashboard`, :mod:`.version`); :mod:`.core` combines
them into ``QRTMagics``, which holds the configurable defaults.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import MAGIC_NO_VAR_EXPAND_ATTR, Magics, magics_class
from IPython.display import display
from IPython.utils.text import DollarFormatter

from .. import active
from ..status import DONE
from . import args as qargs
from .errors import usage_errors
from .render import Table

__all__ = ["MagicsBase", "combine_magics"]

_DOLLAR_FORMATTER = DollarFormatter()


@magics_class
class MagicsBase(Magics):
    """Parsing, the service, errors and job display for the magics of every module."""

    # The configurable defaults (QRTMagics' traits) the helpers below read.
    home: str | None
    show_widget: bool

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
            with usage_errors("local runtime"):
                service = active.use_local(self.home or None)
        return service

    def _in_kernel(self) -> bool:
        """A Jupyter kernel (widgets can render) rather than a terminal IPython."""
        return getattr(self.shell, "kernel", None) is not None

    def _show_listing(self, what: str, service: Any, columns: tuple, rows: list, empty: str) -> None:
        """A listing of the service's programs, jobs or backends, titled with which service it is."""
        display(Table(columns, rows, title=f"{what} · {active.describe(service)}", empty=empty))

    def _show_job(self, job: Any, *, widget: bool, wait: bool) -> None:
        """:func:`qrt_jupyter.show`, then what only a magic adds: hints and the result.

        The widget when wanted and possible, else the text status line; after
        ``--wait`` the text view also displays the result, as a cell would.
        """
        from ..monitor import monitor_job
        from ..widgets.job_views import show

        notebook = widget and self.show_widget and self._in_kernel()
        show(job, wait=wait, notebook=notebook)
        snapshot = monitor_job(job).snapshot
        job_id = snapshot.job_id
        if snapshot.is_final:
            if wait and not notebook and snapshot.status == DONE:
                if not snapshot.has_result:
                    raise UsageError(f"job {job_id}: {snapshot.error or 'the result cannot be read'}")
                display(snapshot.result)
        elif wait:  # Ctrl-C stopped the wait
            print(f"  %qrt_cancel {job_id} stops it")
        elif not self._in_kernel():
            print(f"  %qrt_job {job_id} shows it again; %qrt_cancel {job_id} stops it")


def combine_magics(cls: type) -> type:
    """``@magics_class`` for a class made of magics mixins: their tables, merged.

    ``magics_class`` registers only the magics defined in the class body; a
    class that inherits its magics from mixins (each registered by its own
    ``@magics_class``) needs their tables joined.
    """
    cls = magics_class(cls)
    for kind in ("line", "cell"):
        table: dict = {}
        for base in reversed(cls.__mro__[1:]):
            table.update(vars(base).get("magics", {}).get(kind, {}))
        table.update(cls.magics[kind])
        cls.magics[kind] = table
    return cls
