"""Layer 6, IPython magics for qrt_jupyter: ``%load_ext qrt_jupyter`` registers them.

One module per concept (``service``, ``programs``, ``run``, ``jobs``,
``backends``, ``dashboard``, ``version``), joined in one ``QRTMagics``
instance per shell, registered as a configurable so that
``%config QRTMagics.default_backend = "fake_manila"`` works.
"""

from __future__ import annotations

from .core import QRTMagics

__all__ = ["QRTMagics", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython) -> None:
    """Register the ``%qrt_*`` magics on ``ipython``; imports no qiskit."""
    ipython.register_magics(QRTMagics(shell=ipython))  # Magics(shell=...) joins shell.configurables


def unload_ipython_extension(ipython) -> None:
    """Remove the magics again, so ``%reload_ext qrt_jupyter`` gets fresh ones.

    IPython has no public "unregister"; the magics tables and the registry
    are the dicts ``register_magics`` filled, so undo exactly that.
    """
    manager = ipython.magics_manager
    magics = manager.registry.pop(QRTMagics.__name__, None)
    if magics is None:
        return
    for kind, names in magics.magics.items():
        table = manager.magics.get(kind, {})
        for name in names:
            table.pop(name, None)
    if magics in ipython.configurables:
        ipython.configurables.remove(magics)
