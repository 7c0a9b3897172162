"""Public names resolved on first use (PEP 562), for the packages whose import must stay cheap.

``import qrt_jupyter`` and ``%load_ext qrt_jupyter`` cost milliseconds because a
package's public names are only a table of where each lives; the module that
defines one (and qiskit behind it) is imported when the name is first read.
"""

from __future__ import annotations

import gc
from importlib import import_module
from typing import Callable


def lazy_exports(package: str, exports: dict[str, str], namespace: dict,
                 listed: list[str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``exports`` maps a name to the module that
    defines it (absolute, or relative to ``package``); a resolved name is kept in ``namespace``
    so the lookup happens once; ``__dir__`` lists ``listed``."""

    def __getattr__(name: str):
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return list(listed)

    return __getattr__, __dir__


def import_heavy(*modules: str) -> None:
    """Import ``modules`` (qiskit, Aer, qiskit_ibm_runtime) with the cyclic collector paused.

    Such an import allocates hundreds of thousands of objects that all stay alive, and the
    collections they set off find nothing to free: a tenth of the second and more that
    qiskit, Aer and qiskit_ibm_runtime take to import (BENCHMARKS.md, issue 17). The
    collector is switched back on afterwards, if it was on before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for module in modules:
            import_module(module)
    finally:
        if was_enabled:
            gc.enable()
