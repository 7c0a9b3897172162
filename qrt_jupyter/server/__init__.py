"""The runtime server (layer 2): one runtime home behind the old runtime REST API.

``qrt-runtime serve`` (:mod:`.serve`) runs :func:`create_app` under uvicorn;
tokens and roles are in :mod:`.tokens` and :mod:`.auth`; each resource's
routes in :mod:`.routes`; the JSON shapes in :mod:`.wire`. The wire contract
is docs/server.md. Imports layer 1 (``qrt_jupyter.runtime``) and
``qrt_jupyter.status`` only; nothing here is imported by ``import qrt_jupyter``.
"""


def create_app(*args, **kwargs):
    """See :func:`qrt_jupyter.server.app.create_app` (imported on first use: Starlette is optional)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
