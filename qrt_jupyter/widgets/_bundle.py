"""One display rule for every qrt widget: the live view, plus static text for everyone else.

A widget's mime bundle alone shows nothing where no widget manager runs
(terminal IPython, nbconvert without saved widget state, GitHub's viewer);
adding ``text/plain`` and ``text/html`` summaries there is what lets a job or
the dashboard still say what happened.
"""

from __future__ import annotations

from typing import Any


def with_static_summaries(bundle: Any, text: str, html: str) -> dict:
    """``bundle`` (as ``_repr_mimebundle_`` returned it) with the two summaries added."""
    if isinstance(bundle, tuple):  # (data, metadata)
        bundle = bundle[0]
    bundle = dict(bundle or {})
    bundle["text/plain"] = text
    bundle["text/html"] = html
    return bundle
