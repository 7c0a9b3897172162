"""Values to and from the JSON text the runtime stores and sends: ``RuntimeEncoder`` / ``RuntimeDecoder``.

Everything a job carries (inputs, interim results, the result) travels and is
stored as the text ``qiskit_ibm_runtime``'s encoder writes, so IBM's clients
and ours read it alike. This module is the one place that encodes and decodes
it. ``qiskit_ibm_runtime`` is imported on first use, never at import.
"""

from __future__ import annotations

import json
from typing import Any

from .._lazy import import_heavy

__all__ = ["decode", "decode_lenient", "encode", "encode_result", "json_form"]

ARRAY_COMPRESSION = 1
"""zlib level of the arrays this runtime writes. ``RuntimeEncoder`` uses zlib's default (6):
for a sampler's shots that took a third of encoding a Bell job's result, and level 1 packs
shots nearly as tight (259 vs 212 bytes for 1,024 Bell shots). Any level decompresses alike."""

_decoder = None
_encoder = None
_strict_encoder = None


def _shared_decoder():
    """One ``RuntimeDecoder`` for every call and thread.

    Building a ``JSONDecoder`` per call was much of the cost of decoding a small
    interim result (BENCHMARKS.md, commit a13dbbd). A decoder keeps no state between calls, so one serves all
    threads (``json.loads`` itself shares one default decoder).
    """
    global _decoder
    if _decoder is None:
        import base64
        import io
        import zlib

        import_heavy("qiskit_ibm_runtime")  # a client's first run() or result() imports it here
        from qiskit_ibm_runtime import RuntimeDecoder

        from . import npy

        class Decoder(RuntimeDecoder):
            """``RuntimeDecoder`` whose arrays come from :func:`npy.load` (one parse per header)."""

            def object_hook(self, obj: Any) -> Any:
                value = obj.get("__value__")
                # short strings are RuntimeDecoder's extrapolator names, not arrays
                if obj.get("__type__") == "ndarray" and isinstance(value, str) and len(value) > 40:
                    try:
                        return npy.load(io.BytesIO(zlib.decompress(base64.standard_b64decode(value))))
                    except Exception:  # not what RuntimeEncoder writes: RuntimeDecoder says what it is
                        pass
                return super().object_hook(obj)

        _decoder = Decoder()
    return _decoder


def _shared_encoder() -> type[json.JSONEncoder]:
    """``RuntimeEncoder``, with arrays written by :func:`npy.dumps` and compressed at
    :data:`ARRAY_COMPRESSION`: the same ``{"__type__": "ndarray", ...}`` objects, which
    ``RuntimeDecoder`` (IBM's client's too) reads as it reads ``RuntimeEncoder``'s."""
    global _encoder
    if _encoder is None:
        import base64
        import zlib

        import numpy as np

        import_heavy("qiskit_ibm_runtime")  # a client's first run() imports it here
        from qiskit_ibm_runtime import RuntimeEncoder

        from . import npy

        class Encoder(RuntimeEncoder):
            def default(self, obj: Any) -> Any:
                if type(obj) is np.ndarray and not obj.dtype.hasobject:  # a subclass: RuntimeEncoder's way
                    packed = zlib.compress(npy.dumps(obj), ARRAY_COMPRESSION)
                    return {"__type__": "ndarray", "__value__": base64.standard_b64encode(packed).decode("ascii")}
                return super().default(obj)

        _encoder = Encoder
    return _encoder


def encode(value: Any, encoder: type[json.JSONEncoder] | None = None) -> str:
    """``value`` as ``RuntimeEncoder`` (or ``encoder``) JSON text; ``TypeError``/``ValueError`` if it cannot be."""
    return json.dumps(value, cls=encoder or _shared_encoder())


def encode_result(value: Any) -> str:
    """:func:`encode` for a job's result, where a callable is an error.

    ``RuntimeEncoder`` writes ``null`` for a callable with only a warning: a result
    silently becoming ``None`` is data lost. Here it raises ``TypeError`` naming the
    callable's type instead.
    """
    global _strict_encoder
    if _strict_encoder is None:
        import warnings

        class StrictEncoder(_shared_encoder()):
            def default(self, obj: Any) -> Any:
                if callable(obj):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        value = super().default(obj)
                    if value is None:
                        raise TypeError(type(obj).__name__)
                    return value
                return super().default(obj)

        _strict_encoder = StrictEncoder
    return json.dumps(value, cls=_strict_encoder)


def decode(text: str) -> Any:
    """The value ``RuntimeEncoder`` JSON text stands for (circuits as circuits, arrays as arrays)."""
    return _shared_decoder().decode(text)


_PLAIN_JSON_MARKERS = ("__type__", "program")  # decode_many spells them out again, for speed
"""What ``RuntimeDecoder`` acts on: ``{"__type__": ...}`` objects, and a top-level
``program``/``params`` pair (executor inputs). Text holding neither word decodes to the
same value with plain ``json``."""


def decode_many(texts: list[str]) -> list[Any]:
    """:func:`decode` of each text, in one pass where that gives the same values.

    A running program's interim results arrive by the thousand; decoding each alone
    costs a Python-level ``RuntimeDecoder`` call per text. Texts that ``RuntimeDecoder``
    would leave as plain JSON are joined into one array and parsed by ``json``'s C
    scanner at once; the rest are decoded alone. Raises what :func:`decode` raises for
    the first text that is not JSON (a caller wanting to skip it decodes one by one).
    """
    joined = ",".join(texts)
    if not any(marker in joined for marker in _PLAIN_JSON_MARKERS):  # the common case: all plain
        plain = list(range(len(texts)))
    else:
        plain = [i for i, text in enumerate(texts) if "__type__" not in text and "program" not in text]
        joined = ",".join([texts[i] for i in plain])
    values: list[Any] = [None] * len(texts)
    if plain:
        try:
            parsed = json.loads("[" + joined + "]")
        except ValueError:
            parsed = None  # one bad text (or two that join into something else): one by one
        if parsed is not None and len(parsed) == len(plain):
            if len(plain) == len(texts):
                return parsed
            for i, value in zip(plain, parsed):
                values[i] = value
        else:
            plain = []
    done = set(plain)
    for i, text in enumerate(texts):
        if i not in done:
            values[i] = decode(text)
    return values


def decode_lenient(raw: Any) -> Any:
    """:func:`decode` for what a program may hand back: bytes are read as UTF-8, text that
    is not JSON comes back as it is, and an already decoded value passes through."""
    if isinstance(raw, (bytes, bytearray)):
        raw = raw.decode("utf-8")
    if not isinstance(raw, str):
        return raw
    try:
        return decode(raw)
    except json.JSONDecodeError:
        return raw


def json_form(text: str) -> Any:
    """Encoded text as plain JSON data (``{"__type__": ..., "__value__": ...}`` objects
    left as dicts): what a program's JSON Schema describes."""
    return json.loads(text)
