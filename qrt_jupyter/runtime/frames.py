"""The frames the client and its worker processes exchange over their socket: both ends.

A frame is ``multiprocessing.connection.Connection``'s wire format, kept so that
either end may still be a ``Connection``: a 4-byte big-endian signed length, or
``-1`` and then an 8-byte unsigned length for a payload of 2 GiB or more,
then the pickled message.

It is written out here rather than left to ``Connection`` because of the
reading side: ``Connection.recv`` makes two blocking reads per message, and
each gives up the GIL; while the kernel's other threads (the drain, the event
hub, a widget's pump) are busy, taking it back costs up to a switch interval
every time. A program publishing in a tight loop then waits on a full socket
for the client's reader, so watching a job made the job itself slower.
:class:`FrameReader` takes whatever has arrived in one read and decodes every
whole frame in it while the GIL is held.
"""

from __future__ import annotations

import os
import pickle
import select
import socket
import struct
import threading
from typing import Any

__all__ = ["LONG_FRAME", "FrameReader", "FrameWriter", "encode_frame", "frame_header", "split_frames"]

LONG_FRAME = 0x7FFFFFFF
"""The longest payload whose length fits the 4-byte header; longer ones use the 12-byte form."""

_SHORT = struct.Struct("!i")
_LONG = struct.Struct("!Q")


def frame_header(size: int) -> bytes:
    """The length header ``Connection`` writes before a payload of ``size`` bytes."""
    if size > LONG_FRAME:
        return _SHORT.pack(-1) + _LONG.pack(size)
    return _SHORT.pack(size)


def encode_frame(message: Any) -> bytes:
    """One whole frame: header and pickled ``message``."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return frame_header(len(payload)) + payload


def split_frames(buffer: bytearray) -> list:
    """Every whole message at the start of ``buffer``, which loses their bytes; a partial
    frame at the end stays for the next read."""
    pos, out = 0, []
    while (bounds := _payload_bounds(buffer, pos)) is not None:
        start, end = bounds
        out.append(pickle.loads(buffer[start:end]))
        pos = end
    if pos:
        del buffer[:pos]
    return out


def _payload_bounds(buffer: bytearray, pos: int) -> tuple[int, int] | None:
    """Where the payload of the frame at ``pos`` starts and ends; None if it is not all there."""
    if len(buffer) - pos < _SHORT.size:
        return None
    (size,) = _SHORT.unpack_from(buffer, pos)
    start = pos + _SHORT.size
    if size == -1:
        if len(buffer) - start < _LONG.size:
            return None
        (size,) = _LONG.unpack_from(buffer, start)
        start += _LONG.size
    return (start, start + size) if len(buffer) - start >= size else None


class FrameReader:
    """Reads frames off a file descriptor, many per system call (see the module docstring)."""

    CHUNK = 1 << 20

    def __init__(self, fd: int):
        self._fd = fd
        self._buffer = bytearray()
        self._ready: list = []

    def read(self) -> list | None:
        """Every whole message available, blocking until there is one; None at end of stream."""
        if self._ready:
            messages, self._ready = self._ready, []
            return messages
        while True:
            messages = split_frames(self._buffer)
            if messages:
                return messages
            chunk = os.read(self._fd, self.CHUNK)
            if not chunk:
                return None
            self._buffer += chunk

    def read_one(self) -> Any:
        """The next message, blocking; ``EOFError`` at end of stream (``Connection.recv``'s contract)."""
        if not self._ready:
            messages = self.read()
            if messages is None:
                raise EOFError("the other end closed the connection")
            self._ready = messages
        return self._ready.pop(0)

    def poll(self, timeout: float = 0.0) -> bool:
        """Whether a message (or the end of the stream) can be read without waiting past ``timeout``."""
        if self._ready or _payload_bounds(self._buffer, 0) is not None:
            return True
        readable, _, _ = select.select([self._fd], [], [], timeout)
        return bool(readable)


class FrameWriter:
    """Writes whole frames to a socket; safe to share between threads."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._lock = threading.Lock()

    def send(self, message: Any) -> None:
        """Write one message; ``OSError`` if the other end (or this socket) is closed."""
        self._write(encode_frame(message))

    def send_many(self, messages: list) -> None:
        """Write several messages with one system call, so that the reader gets them in
        one read (one wake-up of its thread, not one per message)."""
        self._write(b"".join(encode_frame(message) for message in messages))

    def _write(self, frames: bytes) -> None:
        with self._lock:
            self._sock.sendall(frames)
