"""The ``user_messenger`` a program's ``main`` receives, inside the worker process."""

from __future__ import annotations

import json
import threading
from typing import Any

from . import codec


class UserMessenger:
    """Sends interim results from a running program back to the runtime.

    Same signature as the old runtime's ``UserMessenger.publish``: each message is
    encoded right here (with ``RuntimeEncoder`` unless another encoder is given),
    so a message that cannot be serialized fails in the program, where the user
    can see which one, rather than later in the client.

    ``UserMessenger()`` with no arguments is the old runtime's stand-in for trying a
    program's ``main`` in the notebook before uploading it: ``publish`` prints the JSON it
    would send (the final result too), one line per message.
    """

    def __init__(self, send=None, job_id: str | None = None):
        self._send = send
        self._job_id = job_id
        self._lock = threading.Lock()
        self.final_result: str | None = None

    def publish(self, message: Any, encoder: type[json.JSONEncoder] | None = None, final: bool = False) -> None:
        """Publish an interim result (or, with ``final=True``, the job's result)."""
        text = codec.encode(message, encoder)
        if self._send is None:
            print(text)
            return
        if final:
            self.final_result = text
            return
        with self._lock:
            self._send(("interim", self._job_id, text))
