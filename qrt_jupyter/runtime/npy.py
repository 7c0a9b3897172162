"""Arrays to and from ``.npy`` bytes, each distinct header made or read once: what
``RuntimeEncoder`` and ``RuntimeDecoder`` do for an ``ndarray`` (``np.save``, ``np.load``),
minus building or parsing the same header again and again.

Every sampler result carries its shots as an ``ndarray`` in ``.npy`` form, and ``np.load``
parses the header (a Python dict literal) with ``ast.literal_eval`` each time: about half of
decoding a Bell job's result (BENCHMARKS.md, issue 17). A runtime's results repeat a handful
of headers (the same shape and dtype job after job), so :func:`load` keeps what numpy's own
header reader made of each header's bytes and builds the array from the data that follows.
Anything unusual (an object dtype, Fortran order, a header numpy cannot read, too few bytes)
goes to ``np.load`` itself, which gives the same array or the same error as before.
:func:`dumps` is the other way: the bytes ``np.save`` writes, with the header of each
(dtype, shape) built once.
"""

from __future__ import annotations

import io
import threading
from typing import Any, BinaryIO

__all__ = ["dumps", "load"]

MAX_HEADERS = 64
"""Distinct headers remembered; beyond this the cache starts over (it is only a shortcut)."""

_MAGIC = b"\x93NUMPY"
_headers: dict[bytes, tuple[Any, tuple[int, ...], int] | None] = {}  # bytes -> (dtype, shape, count)
_lock = threading.Lock()
_written: dict[tuple[str, tuple[int, ...]], bytes] = {}  # (dtype.str, shape) -> np.save's header


def dumps(array: Any) -> bytes:
    """``np.save(buff, array, allow_pickle=False)``'s bytes, byte for byte.

    A C-contiguous array of a plain dtype (no fields, no objects) takes its header from
    the cache, keyed by what the header says (``dtype.str`` names byte order, kind and
    size; the shape); anything else is written by ``np.save`` itself.
    """
    dtype = array.dtype
    if not array.flags.c_contiguous or dtype.fields is not None or dtype.hasobject \
            or dtype.subdtype is not None or dtype.metadata:
        return _saved(array)
    key = (dtype.str, array.shape)
    with _lock:
        header = _written.get(key)
    if header is None:
        data = _saved(array)
        _remember(_written, key, data[:len(data) - array.nbytes])
        return data
    return header + array.tobytes()


def _remember(cache: dict, key: Any, value: Any) -> None:
    """Keep ``value`` under ``key``; a cache grown to :data:`MAX_HEADERS` starts over."""
    with _lock:
        if len(cache) >= MAX_HEADERS:
            cache.clear()
        cache[key] = value


def _saved(array: Any) -> bytes:
    import numpy as np

    with io.BytesIO() as buff:
        np.save(buff, array, allow_pickle=False)
        return buff.getvalue()


def load(buff: BinaryIO) -> Any:
    """The array in the ``.npy`` stream ``buff``, as ``np.load(buff)`` gives it (writable)."""
    import numpy as np

    data = buff.read()
    parsed = _header(data)
    if parsed is not None:
        dtype, shape, count, offset = parsed
        if len(data) - offset == count * dtype.itemsize:  # else truncated or padded: numpy's own error
            return np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape).copy()
    return np.load(io.BytesIO(data), allow_pickle=False)


def _header(data: bytes) -> tuple[Any, tuple[int, ...], int, int] | None:
    """(dtype, shape, item count, data offset) of a C-order, plain-dtype ``.npy``; else None."""
    if len(data) < 10 or not data.startswith(_MAGIC) or data[6] not in (1, 2, 3):
        return None
    if data[6] == 1:
        end = 10 + int.from_bytes(data[8:10], "little")
    else:
        if len(data) < 12:
            return None
        end = 12 + int.from_bytes(data[8:12], "little")
    key = data[:end]
    with _lock:
        known = _headers.get(key, False)
    if known is False:
        known = _read_header(key)
        _remember(_headers, key, known)
    if known is None:
        return None
    dtype, shape, count = known
    return dtype, shape, count, end


def _read_header(key: bytes) -> tuple[Any, tuple[int, ...], int] | None:
    """What numpy's own reader makes of a header, if :func:`load` can take it from there."""
    import numpy as np
    from numpy.lib import format as npy_format

    readers = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
    stream = io.BytesIO(key)
    try:
        reader = readers.get(npy_format.read_magic(stream))
        if reader is None:  # a version without a public reader: np.load reads it
            return None
        shape, fortran_order, dtype = reader(stream)
    except Exception:  # numpy's error comes from np.load itself
        return None
    if fortran_order or dtype.hasobject or dtype.itemsize == 0:
        return None
    return dtype, tuple(shape), int(np.prod(shape, dtype=np.int64))
