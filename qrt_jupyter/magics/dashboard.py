"""``%qrt_dashboard``: the dashboard widget of the active service (its text summary in a terminal)."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import magic_arguments
from IPython.display import display

from . import args as qargs
from .base import MagicsBase

__all__ = ["DashboardMagics"]


@magics_class
class DashboardMagics(MagicsBase):
    @magic_arguments()
    @qargs.output_flag("the dashboard widget")
    @line_magic
    def qrt_dashboard(self, line):
        """Show the dashboard widget: jobs, backends and their queues, programs, sessions, live.

        Outside a notebook (terminal IPython) it prints the same summary as text.
        """
        args = self._parse(self.qrt_dashboard, line)
        from ..widgets.dashboard import Dashboard  # ipywidgets: only when asked for

        self._service()  # the dashboard follows the active service; make sure there is one
        dashboard = Dashboard()
        if args.out:
            self.shell.user_ns[args.out] = dashboard
        if self._in_kernel():
            display(dashboard)
        else:
            print(dashboard.text_summary())
            if not args.out:
                dashboard.close()  # nothing will show it: stop its subscription
