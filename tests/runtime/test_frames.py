"""The worker frame format: both ends agree with each other and with multiprocessing's Connection."""

from __future__ import annotations

import pickle
import socket
import struct
import threading
from multiprocessing.connection import Connection

import pytest

from qrt_jupyter.runtime.frames import (
    LONG_FRAME,
    FrameReader,
    FrameWriter,
    encode_frame,
    frame_header,
    split_frames,
)


def test_short_and_long_headers_are_connections():
    assert frame_header(5) == struct.pack("!i", 5)
    assert frame_header(LONG_FRAME) == struct.pack("!i", LONG_FRAME)
    # 2 GiB and more: -1, then the length in 8 bytes
    assert frame_header(LONG_FRAME + 1) == struct.pack("!i", -1) + struct.pack("!Q", LONG_FRAME + 1)
    assert frame_header(3 << 31) == struct.pack("!iQ", -1, 3 << 31)


def test_split_frames_reads_the_long_form_and_waits_for_a_whole_frame():
    payload = pickle.dumps(("result", "job", "x" * 100))
    long_form = struct.pack("!i", -1) + struct.pack("!Q", len(payload)) + payload  # as sent past 2 GiB
    buffer = bytearray(long_form + encode_frame(("idle", "job")))
    assert split_frames(buffer) == [("result", "job", "x" * 100), ("idle", "job")]
    assert buffer == b""
    # a header that announces more than has arrived: nothing is decoded, nothing is lost
    huge = bytearray(frame_header(5 << 30) + b"partial")
    assert split_frames(huge) == [] and huge == frame_header(5 << 30) + b"partial"
    for cut in (1, 4, 11):  # inside the 4-byte header, after it, inside the 8-byte length
        part = bytearray(long_form[:cut])
        assert split_frames(part) == [] and len(part) == cut


def test_a_frame_split_anywhere_is_read_once_whole():
    frames = encode_frame(("interim", "job", '{"i": 1}')) + encode_frame(("log", "job", "stdout", "hi\n"))
    for cut in range(len(frames) + 1):
        buffer = bytearray(frames[:cut])
        got = split_frames(buffer)
        buffer += frames[cut:]
        got += split_frames(buffer)
        assert got == [("interim", "job", '{"i": 1}'), ("log", "job", "stdout", "hi\n")]


def test_writer_to_reader_over_a_socket_and_poll():
    a, b = socket.socketpair()
    writer, reader = FrameWriter(a), FrameReader(b.fileno())
    assert not reader.poll(0)
    writer.send(("run", "job", 1))
    writer.send(("stop",))
    assert reader.poll(1.0)
    assert reader.read_one() == ("run", "job", 1)
    assert reader.poll(0)  # the second one arrived with the first
    assert reader.read_one() == ("stop",)
    a.close()
    with pytest.raises(EOFError):
        reader.read_one()
    with pytest.raises(OSError):
        writer.send(("late",))
    b.close()


def test_send_many_arrives_in_one_read():
    a, b = socket.socketpair()
    writer, reader = FrameWriter(a), FrameReader(b.fileno())
    writer.send_many([("result", "job", "{}"), ("idle", "job")])
    assert reader.read() == [("result", "job", "{}"), ("idle", "job")]
    a.close()
    b.close()


def test_both_ends_speak_with_multiprocessing_connection():
    ours, theirs = socket.socketpair()
    conn = Connection(theirs.detach())
    writer, reader = FrameWriter(ours), FrameReader(ours.fileno())
    writer.send(("ready", 1))
    assert conn.recv() == ("ready", 1)
    big = ("result", "job", "y" * 100_000)  # Connection writes header and payload apart
    thread = threading.Thread(target=conn.send, args=(big,))
    thread.start()
    assert reader.read_one() == big
    thread.join()
    conn.close()
    ours.close()
