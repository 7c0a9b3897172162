"""``qrt_jupyter.remote``: the client of a qrt-runtime server (layer 2, see DESIGN.md).

``RemoteRuntimeService(url, token)`` has the ``LocalRuntimeService`` API; its jobs
(``RemoteRuntimeJob``) have the ``RuntimeJob`` API, with events pushed over WebSockets.
Nothing heavy is imported until a name is used.
"""

from importlib import import_module

_EXPORTS = {
    "RemoteRuntimeService": "qrt_jupyter.remote.service",
    "RemoteRuntimeJob": "qrt_jupyter.remote.jobs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'qrt_jupyter.remote' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
