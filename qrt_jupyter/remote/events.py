"""``service.subscribe``: every job's events of a server, pushed over ``/stream/events``.

The dashboard of a local service hears the scheduler's events in-process; the
dashboard of a remote one hears the same :class:`~qrt_jupyter.runtime.events.JobEvent`
kinds (``status``, ``queue``, and ``backends`` with an empty job id) from here, for
every client's jobs, so it shows a job submitted by curl the moment it is queued.
A dashboard lives as long as the notebook: when the server restarts, the stream is
opened again (``forever``) until the dashboard unsubscribes.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from ..runtime.events import JobEvent
from ..status import status_name
from .streams import StreamReader

log = logging.getLogger(__name__)


def event_from(message: dict) -> JobEvent | None:
    """The ``JobEvent`` of one message of ``/stream/events`` (None for a kind we don't know)."""
    kind = message.get("type")
    now = time.time()
    if kind == "status":
        return JobEvent(str(message.get("job_id", "")), "status", status_name(message.get("status")), now)
    if kind == "queue":
        return JobEvent(str(message.get("job_id", "")), "queue", message.get("position"), now)
    if kind == "backends":
        return JobEvent("", "backends", dict(message.get("pending") or {}), now)
    return None


class ServiceEvents:
    """One reader of ``/stream/events`` calling ``callback(event)`` on its own thread."""

    def __init__(self, client, callback: Callable[[JobEvent], None]):
        self._callback = callback
        self._reader = StreamReader(client, lambda: "/stream/events", self._on_message, self._ended,
                                    name="qrt-remote-events", forever=True)

    def start(self) -> "ServiceEvents":
        self._reader.start()
        return self

    def stop(self) -> None:
        self._reader.stop()

    def _on_message(self, message: dict) -> bool:
        event = event_from(message)
        if event is not None and not self._reader.stopped:
            self._callback(event)  # if it raises, the reader logs it and reads on
        return False

    @staticmethod
    def _ended(error: BaseException | None) -> None:
        if error is not None:
            log.warning("qrt_jupyter stopped following the server's events: %s", error)
