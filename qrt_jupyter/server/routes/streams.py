"""WebSockets: one job's life as it happens (``/stream/jobs/{id}``), and every job's (``/stream/events``).

Events are only wake-ups for interim results: their text is read from the
store, which the scheduler writes *before* it emits the event. So a late
attach is one rule -- send every stored interim result from the next index
not yet sent -- and replay and live can neither skip nor repeat one: the
subscription is made first, the replay reads the store, and an event for an
index already sent is dropped. Events queue up while a frame is sent, and are
handled in batches (one store read per batch), which keeps a fast producer's
results in order at thousands of messages a second.
"""

from __future__ import annotations

import asyncio
import collections
import json
import threading

from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ...status import CANCELLED, DONE, ERROR, api_status, is_final, status_name
from ..auth import WS_CLOSE, authorized
from ..errors import ApiError, from_exception
from ..http import call, error_response
from .jobs import find_job

BATCH = 2000
_EVENT_KINDS = frozenset({"status", "queue", "backends"})  # /stream/events sends no results or logs


async def _refuse(ws: WebSocket, err: ApiError) -> None:
    await ws.close(code=WS_CLOSE.get(err.code, 1011), reason=err.message.encode()[:120].decode(errors="ignore"))


async def _open(ws: WebSocket, action: str) -> bool:
    """Accept, then authorize (close codes need an accepted socket): True if the stream may go on."""
    await ws.accept()
    try:
        await authorized(ws.app.state.tokens, ws.headers, action)
    except ApiError as err:
        await _refuse(ws, err)
        return False
    return True


async def _run_until_disconnect(ws: WebSocket, sender) -> None:
    """Run ``sender`` until it ends or the client goes away, whichever is first."""

    async def receive() -> None:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass

    tasks = [asyncio.ensure_future(sender), asyncio.ensure_future(receive())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                if not isinstance(exc, (WebSocketDisconnect, RuntimeError, OSError)):
                    await _refuse(ws, from_exception(exc))  # e.g. the job was deleted: 4404
    finally:
        for task in tasks:
            task.cancel()


class _Inbox:
    """Runtime events handed from the runtime's delivery thread to this stream's event loop.

    The thread appends to a deque and wakes the loop only when no wake-up is pending, so a
    burst of thousands of events costs a few loop wake-ups, not one each.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, kinds: frozenset | None = None):
        self._loop = loop
        self._kinds = kinds
        self._items: collections.deque = collections.deque()
        self._ready = asyncio.Event()
        self._lock = threading.Lock()
        self._wake_pending = False

    def deliver(self, event) -> None:  # on the runtime's delivery thread
        if self._kinds is not None and event.kind not in self._kinds:
            return
        self._items.append(event)
        with self._lock:
            if self._wake_pending:
                return
            self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed: the stream is over
            pass

    def _wake(self) -> None:
        with self._lock:
            self._wake_pending = False
        self._ready.set()

    async def batch(self) -> list:
        """The events that arrived, oldest first (at least one; at most BATCH)."""
        while not self._items:
            self._ready.clear()
            if self._items:
                break
            await self._ready.wait()
        out = []
        while self._items and len(out) < BATCH:
            out.append(self._items.popleft())
        return out


class _JobStream:
    def __init__(self, ws: WebSocket, job, since: int):
        self.ws = ws
        self.job = job
        self.next = since
        self.status = None

    async def send(self, frames: list[dict]) -> None:
        for frame in frames:
            await self.ws.send_text(json.dumps(frame))

    async def interim_frames(self, upto: int | None = None) -> list[dict]:
        rows = await call(self.job.interim_results_json, self.next)
        frames = []
        for index, text in rows:
            if upto is not None and index > upto:
                break
            if index != self.next:  # a hole would be a lost result: stop before it
                break
            frames.append({"type": "interim", "index": index, "data": text})
            self.next = index + 1
        return frames

    async def finish(self, status: str, frames: list[dict]) -> None:
        frames += await self.interim_frames()
        job = self.job

        def final() -> dict:
            return {"type": "final", "status": api_status(status),
                    "result": job.result_json() if status == DONE else None,
                    "error": job.error_message() if status in (ERROR, CANCELLED) else None}

        frames.append(await call(final))
        await self.send(frames)
        await self.ws.close(code=1000)

    async def run(self) -> None:
        inbox = _Inbox(asyncio.get_running_loop())
        unsubscribe = await call(self.job.subscribe, inbox.deliver)
        try:
            self.status = status_name(await call(self.job.status))
            await self.send([{"type": "ack", "job_id": self.job.job_id(), "status": api_status(self.status)}])
            frames = await self.interim_frames()
            if is_final(self.status):
                await self.finish(self.status, frames)
                return
            await self.send(frames)
            while True:
                if await self.handle(await inbox.batch()):
                    return
        finally:
            await call(unsubscribe)

    async def handle(self, batch: list) -> bool:
        """Send one batch of events as frames, in order; True once the final frame went out."""
        top = max((e.index for e in batch if e.kind == "interim"), default=-1)
        rows = await self.interim_frames(upto=top) if top >= self.next else []
        frames: list[dict] = []
        for event in batch:
            if event.kind == "interim":
                while rows and rows[0]["index"] <= event.index:
                    frames.append(rows.pop(0))
            elif event.kind == "log":
                frames.append({"type": "log", "data": event.data})
            elif event.kind == "queue":
                frames.append({"type": "queue", "position": event.data})
            elif event.kind == "status":
                status = status_name(event.data)
                if is_final(status):
                    await self.finish(status, frames + rows)
                    return True
                if status != self.status:
                    self.status = status
                    frames.append({"type": "status", "status": api_status(status)})
        await self.send(frames + rows)
        return False


async def stream_job(ws: WebSocket) -> None:
    if not await _open(ws, "job.read"):
        return
    try:
        raw = ws.query_params.get("since") or "0"
        if not raw.isdigit() or len(raw) > 12:
            raise ApiError(400, f"since must be a non-negative integer, not {raw[:20]!r}")
        job = await call(find_job, ws.app.state.service, ws.path_params["id"])
    except Exception as exc:
        await _refuse(ws, from_exception(exc))
        return
    await _run_until_disconnect(ws, _JobStream(ws, job, int(raw)).run())


async def stream_events(ws: WebSocket) -> None:
    """Status and queue changes of every job, and backend queue lengths: what a dashboard draws."""
    if not await _open(ws, "job.read"):
        return

    async def run() -> None:
        inbox = _Inbox(asyncio.get_running_loop(), _EVENT_KINDS)
        unsubscribe = await call(ws.app.state.service.subscribe, inbox.deliver)
        try:
            await ws.send_text(json.dumps({"type": "ack"}))
            while True:
                for event in await inbox.batch():
                    if event.kind == "status":
                        frame = {"type": "status", "job_id": event.job_id, "status": api_status(event.data)}
                    elif event.kind == "queue":
                        frame = {"type": "queue", "job_id": event.job_id, "position": event.data}
                    else:  # "backends"
                        frame = {"type": "backends", "pending": event.data}
                    await ws.send_text(json.dumps(frame))
        finally:
            await call(unsubscribe)

    await _run_until_disconnect(ws, run())


async def needs_websocket(request: Request):
    return error_response(ApiError(426, f"{request.url.path[:200]} is a WebSocket: connect with ws:// or wss:// "
                                        "(see docs/server.md)"))


ROUTES = [
    WebSocketRoute("/stream/jobs/{id}", stream_job),
    WebSocketRoute("/stream/events", stream_events),
    Route("/stream/jobs/{id}", needs_websocket, methods=["GET"]),
    Route("/stream/events", needs_websocket, methods=["GET"]),
]
