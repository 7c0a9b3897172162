"""``qrt_jupyter.remote``: clients of a qrt-runtime server (layer 2, see DESIGN.md)."""

from .ibm_client import ibm_client

__all__ = ["ibm_client"]
