"""Reading a server's WebSocket frames with websocket-client (what the tests and benchmarks share)."""

from __future__ import annotations

import json
import struct

import websocket


def connect(server, path: str, token: str | None, timeout: float = 120.0):
    header = [f"Authorization: Bearer {token}"] if token else []
    return websocket.create_connection(server.ws_url + path, header=header, timeout=timeout,
                                       sslopt={"cert_reqs": 0})


def read_all(ws) -> tuple[list[dict], int, str]:
    """Every text frame up to the close frame; (frames, close code, close reason)."""
    frames = []
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
            try:
                ws.close()
            except Exception:
                pass
            return frames, code, data[2:].decode("utf-8", "replace")
        if opcode == websocket.ABNF.OPCODE_TEXT:
            frames.append(json.loads(data))
