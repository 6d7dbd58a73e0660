"""Playing the recorder's side of the real-time channel in-process, and endpoints that record what the
region delivers to them (an ASGI WebSocket transport: no sockets, virtual time)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws import WebSocketDisconnect as WebSocketRefused
from httpx_ws.transport import ASGIWebSocketTransport
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from recall_sim.seams import Clock
from tests.support import BASE_URL, Sim

STREAMING = {"recallai_streaming": {"language_code": "en"}}
REALTIME_URL = "ws://testserver/ingest/v1/realtime"


def person(pid: int, name: str, *, is_host: bool = False) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "is_host": is_host,
        "platform": "desktop",
        "extra_data": {},
        "email": None,
    }


ADA = person(100, "Ada", is_host=True)
BOB = person(200, "Bob")


def upload_body(endpoints: list[dict[str, Any]], *, transcript: bool = True) -> dict[str, Any]:
    config: dict[str, Any] = {"realtime_endpoints": endpoints}
    if transcript:
        config["transcript"] = {"provider": STREAMING, "metadata": {"kind": "live"}}
    return {"recording_config": config}


async def start(sim: Sim, token: str, platform: str = "zoom") -> dict[str, Any]:
    """The ingest start call, raw, so the test sees the whole response."""
    response = await sim.client(api_key=None, Authorization=f"UploadToken {token}").post(
        "/ingest/v1/recording/start", json={"platform": platform, "media_format": "mp4"}
    )
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


@dataclass
class RecorderSocket:
    """The recorder's end of the channel: sends frames with increasing `seq`, records what comes back
    with the clock's time."""

    socket: AsyncWebSocketSession
    clock: Clock
    seq: int = 0
    received: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    async def send(self, frame: dict[str, Any], *, seq: int | None = None) -> int:
        if seq is None:
            self.seq += 1
            seq = self.seq
        await self.socket.send_text(json.dumps({**frame, "seq": seq}))
        return seq

    async def raw(self, text: str) -> None:
        await self.socket.send_text(text)

    async def participant_event(self, action: str, who: dict[str, Any], at: float) -> int:
        frame = {
            "type": "participant_event",
            "event": f"participant_events.{action}",
            "participant": who,
            "timestamp": {"absolute": None, "relative": at},
            "data": None,
        }
        return await self.send(frame)

    async def word(self, utterance: int, who: dict[str, Any], text: str, start: float, end: float) -> int:
        frame = {
            "type": "speech_word",
            "utterance": utterance,
            "participant": who,
            "word": {"text": text, "start": start, "end": end},
        }
        return await self.send(frame)

    async def speech_end(self, utterance: int) -> int:
        return await self.send({"type": "speech_end", "utterance": utterance})

    def acks(self) -> list[int]:
        return [f["seq"] for _, f in self.received if f["type"] == "ack"]

    def events(self) -> list[tuple[float, dict[str, Any]]]:
        return [(t, f) for t, f in self.received if f["type"] == "event"]

    #: acknowledge events as the recorder does (the region resends an event until it is acknowledged)
    acknowledge: bool = True

    async def _read(self) -> None:
        while True:
            frame = json.loads(await self.socket.receive_text())
            self.received.append((self.clock.timestamp(), frame))
            if frame["type"] == "event" and self.acknowledge:
                await self.socket.send_text(json.dumps({"type": "event_ack", "id": frame["id"]}))


@asynccontextmanager
async def recorder_channel(sim: Sim, token: str | None, **headers: str) -> AsyncIterator[RecorderSocket]:
    if token is not None:
        headers.setdefault("Authorization", f"UploadToken {token}")
    async with (
        ASGIWebSocketTransport(app=sim.app) as transport,
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
        aconnect_ws(REALTIME_URL, client, headers=headers) as socket,
    ):
        recorder = RecorderSocket(socket, sim.clock)
        reader = asyncio.get_running_loop().create_task(recorder._read())
        try:
            yield recorder
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def refusal(sim: Sim, token: str) -> WebSocketRefused:
    """How the region refuses to open the channel for `token` (the handshake's close code and reason)."""
    try:
        async with recorder_channel(sim, token):
            pass
    except BaseExceptionGroup as group:
        error: BaseException = group
        while isinstance(error, BaseExceptionGroup):
            error = error.exceptions[0]
        if not isinstance(error, WebSocketRefused):
            raise
        return error
    except WebSocketRefused as error:
        return error
    raise AssertionError("the channel opened")


async def say(
    recorder: RecorderSocket,
    started: float,
    utterance: int,
    who: dict[str, Any],
    words: list[tuple[str, float, float]],
) -> None:
    """Stream one utterance as the recorder does: each word when its end passes, then its end."""
    for text, start, end in words:
        await recorder.clock.sleep_until(started + end)
        await recorder.word(utterance, who, text, start, end)
    await recorder.speech_end(utterance)


@asynccontextmanager
async def hosted(transport: ASGIWebSocketTransport) -> AsyncIterator[ASGIWebSocketTransport]:
    """`transport`, open for the block, its lifetime held by a task of its own.

    The transport keeps an anyio task group that must be entered and left by one task, and two such
    transports nested in one task break each other's cancel scopes; the recorder's connection is one
    too, so the endpoints' transport lives apart."""
    opened, finished = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with transport:
            opened.set()
            await finished.wait()

    holder = asyncio.get_running_loop().create_task(hold(), name="websocket transport")
    await opened.wait()
    try:
        yield transport
    finally:
        finished.set()
        await holder


@dataclass
class SocketEndpoint:
    """A `websocket` real-time endpoint: records every text frame with the clock's time."""

    clock: Clock
    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    connections: int = 0
    closed: int = 0
    #: how many connection attempts to refuse before accepting
    refuse: int = 0

    async def _serve(self, websocket: WebSocket) -> None:
        if self.refuse:
            self.refuse -= 1
            await websocket.close(code=1013, reason="try again later")
            return
        await websocket.accept()
        self.connections += 1
        try:
            while True:
                text = await websocket.receive_text()
                self.frames.append((self.clock.timestamp(), json.loads(text)))
        except WebSocketDisconnect:
            self.closed += 1

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[WebSocketRoute("/{path:path}", self._serve)])

    def events(self) -> list[str]:
        return [f["event"] for _, f in self.frames]
