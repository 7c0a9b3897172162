"""``QRTMagics``: every ``%qrt_*`` magic, and the defaults they share as configurable traits.

The magics themselves live in one module per concept (:mod:`.service`,
:mod:`.programs`, :mod:`.run`, :mod:`.jobs`, :mod:`.backends`,
:mod:`.dashboard`, :mod:`.version`); this class joins them so that one
``%load_ext`` registers them all and ``%config QRTMagics.default_backend =
"fake_manila"`` (or ``c.QRTMagics.default_shots = 2000`` in
``ipython_config.py``) configures them. Each magic parses its line, calls the
Python API of the service that :mod:`qrt_jupyter.active` says is current, and
displays what it got; the magics add only parsing, these defaults, and
one-line ``UsageError``\\ s for user mistakes.

Nothing here imports qiskit at module import: ``%load_ext`` must stay cheap.
"""

from __future__ import annotations

from traitlets import Bool, Integer, TraitError, Unicode, validate
from traitlets.config import Configurable

from .backends import BackendMagics
from .base import combine_magics
from .dashboard import DashboardMagics
from .errors import user_error_message
from .jobs import JobMagics
from .programs import ProgramMagics
from .run import RunMagics
from .service import ServiceMagics
from .version import VersionMagics, version_table

__all__ = ["QRTMagics", "user_error_message", "version_table"]


@combine_magics
class QRTMagics(
    ServiceMagics,
    ProgramMagics,
    RunMagics,
    JobMagics,
    BackendMagics,
    DashboardMagics,
    VersionMagics,
    Configurable,
):
    """Qiskit Runtime magics: ``%qrt_service``, ``%%qrt_program``, ``%qrt_run`` and friends.

    Defaults are configurable, e.g. ``%config QRTMagics.default_backend = "fake_manila"``
    or ``c.QRTMagics.default_shots = 2000`` in ``ipython_config.py``.
    """

    default_backend = Unicode(
        None,
        allow_none=True,
        help="Backend for %qrt_run when --backend is not given; None lets the service pick the least busy.",
    ).tag(config=True)
    default_shots = Integer(
        None,
        allow_none=True,
        help="shots input for %qrt_run when neither --shots nor -i shots= is given "
        "(only for programs that declare a 'shots' parameter); None leaves it to the program "
        "(the built-ins use qrt_jupyter.runtime.programs.DEFAULT_SHOTS).",
    ).tag(config=True)
    show_widget = Bool(
        True, help="Show the live job widget in a notebook; False shows a text status line instead."
    ).tag(config=True)
    home = Unicode(
        None,
        allow_none=True,
        help="Store directory of the local runtime the magics start (default: $QRT_HOME, else ~/.qrt).",
    ).tag(config=True)
    jobs_limit = Integer(10, help="How many jobs %qrt_jobs lists without --limit.").tag(config=True)
    default_max_execution_time = Integer(
        300,
        help="max_execution_time (seconds) of a program %%qrt_program uploads when neither "
        "--max-execution-time nor a 'max_execution_time:' docstring line gives one.",
    ).tag(config=True)

    @validate("default_shots", "jobs_limit", "default_max_execution_time")
    def _positive(self, proposal):
        value = proposal["value"]
        if value is not None and value <= 0:
            raise TraitError(f"{proposal['trait'].name} must be positive, got {value}")
        return value
