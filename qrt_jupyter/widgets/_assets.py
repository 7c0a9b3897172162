"""Where the anywidget ES modules are, in a source checkout and in an installed wheel.

The wheel force-includes the repository's ``js/`` as ``qrt_jupyter/js/``; an
editable install reads ``<repo>/js/`` directly, so a change to a front end is
picked up without a build step.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def asset_path(name: str) -> Path:
    """The file ``name`` from ``qrt_jupyter/js/`` (wheel) or ``<repo>/js/`` (source tree)."""
    for folder in (_PACKAGE / "js", _PACKAGE.parent / "js"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"front-end asset {name!r} is missing: neither {_PACKAGE / 'js'} nor {_PACKAGE.parent / 'js'} has it"
    )
