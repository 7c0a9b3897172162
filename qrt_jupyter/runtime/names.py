"""Resolving names people type: the closest known ones, and the one-line "unknown" message.

A mistyped program, backend or job id is the most common user mistake; the
answer should name what does exist, nearest first, in the same words
everywhere (the service's exceptions, the magics' ``UsageError``, the worker's
backend factory). Standard library only, and ``difflib`` is imported when a
message is written, not before.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["LISTED", "closest", "unknown"]

LISTED = 5
"""How many known names an "unknown" message lists when none is close to the one given."""

_CUTOFF = 0.6
_SPREAD = 0.15

_PREFIXES = ("ibmq_", "ibm_", "fake_")
"""Prefixes people leave out or add: ``manila`` means ``fake_manila``; ``ibmq_manila`` too."""


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``choices`` that ``name`` was probably meant to be, best first.

    Names are compared without case and without an ``ibmq_``/``ibm_``/``fake_``
    prefix: the same name that way is nearest, then similar spellings
    (``difflib``'s ratio of at least 0.6, and not far behind the best one, so a
    clear typo gets one answer), then names that contain what was typed.
    """
    known = [c for c in dict.fromkeys(str(c) for c in choices if c) if c != name]
    if not name or not known or n <= 0:
        return []
    from difflib import SequenceMatcher  # only when a suggestion is being made

    typed = _bare(name)
    scored = sorted(((SequenceMatcher(None, typed, _bare(c)).ratio(), i) for i, c in enumerate(known)),
                    key=lambda pair: (-pair[0], pair[1]))
    best = scored[0][0]
    similar = [known[i] for ratio, i in scored if ratio >= max(_CUTOFF, best - _SPREAD)]
    containing = [c for c in known if typed in c.lower()]
    return list(dict.fromkeys(similar + containing))[:n]


def unknown(kind: str, name: str, choices: Iterable[str], *, n: int = 3) -> str:
    """The message for a ``kind`` (``"backend"``, ``"program"``, ``"job"``) that does not exist.

    ``unknown backend 'fake_manla'. Did you mean 'fake_manila'?`` when a known
    name is close; else a few known names (``Known backends: a, b, … (61 in
    all).``), or that there are none yet.
    """
    known = list(dict.fromkeys(str(c) for c in choices if c))
    near = closest(name, known, n)
    if near:
        hint = "Did you mean " + " or ".join(repr(c) for c in near) + "?"
    elif known:
        shown = ", ".join(known[:LISTED])
        more = f", … ({len(known)} in all)" if len(known) > LISTED else ""
        hint = f"Known {kind}s: {shown}{more}."
    else:
        hint = f"There are no {kind}s yet."
    return f"unknown {kind} {name!r}. {hint}"


def _bare(name: str) -> str:
    lowered = name.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            return lowered[len(prefix):]
    return lowered
