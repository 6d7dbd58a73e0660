"""A partner's backend, as scenarios need one: it behaves as Recall's samples tell a backend to.

- It creates the sdk upload when the desktop app asks for a token (retrying 5xx and 429 as a careful
  client does: after `Retry-After`, else a second).
- It receives webhooks: verifies every delivery's signature with the official `svix` library's signer
  (the timestamp is checked against the scenario's clock, since svix's own `verify` reads the machine's),
  answers 503 during the scenario's outages, and dedupes on the message id, as Svix's at-least-once
  delivery requires.
- On the upload's completion it looks the recording up by `desktop_sdk_upload_id` (as the samples do),
  downloads its media and participant data, and asks for an async transcript if the scenario says so;
  on `transcript.done` it downloads the transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from recall_sim.scenarios.receiver_wire import json_object, signed_by
from recall_sim.seams import Clock

__all__ = ["Backend", "Delivery"]

_COMPLETE = ("sdk_upload.complete", "sdk_upload.completed")


@dataclass
class Delivery:
    """One webhook request the backend received, and what it made of it."""

    at: float
    msg_id: str
    event: str
    status: int
    verified: bool
    duplicate: bool
    body: dict[str, Any]


@dataclass
class Backend:
    clock: Clock
    api: httpx.AsyncClient
    #: the secret(s) deliveries are signed with (the endpoint's for seed, the workspace's for current)
    secret: Callable[[], str]
    recording_config: dict[str, Any] | None = None
    create_transcript: str | None = None
    #: (from, until) clock timestamps during which webhooks are answered 503
    outages: list[tuple[float, float]] = field(default_factory=list)
    on_note: Callable[[str, dict[str, Any]], None] | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    #: what the backend downloaded: kind -> bytes, per recording id
    downloads: dict[str, dict[str, bytes]] = field(default_factory=dict)
    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)
    transcripts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: what the real-time webhook endpoint received, in order
    realtime: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _work: set[asyncio.Task[None]] = field(default_factory=set)
    _collected: set[str] = field(default_factory=set)

    def _note(self, kind: str, **data: Any) -> None:
        if self.on_note is not None:
            self.on_note(kind, data)

    # -- the desktop app's token endpoint --------------------------------------------------------

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A Recall API call, retried on 5xx and 429 after Retry-After (else a second), and on a refused
        connection with backoff, up to 10 times."""
        for attempt in range(10):
            try:
                response = await self.api.request(method, path, **kwargs)
            except httpx.TransportError:
                if attempt == 9:
                    raise
                await self.clock.sleep(2.0**attempt)  # the region is restarting: back off
                continue
            if response.status_code < 500 and response.status_code != 429:
                return response
            retry_after = response.headers.get("retry-after", "")
            await self.clock.sleep(float(retry_after) if retry_after.isdigit() else 1.0)
        return response

    async def create_upload_token(self) -> str:
        body = {"recording_config": self.recording_config} if self.recording_config is not None else None
        response = await self._call("POST", "/api/v1/sdk_upload/", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"sdk upload not created: {response.status_code} {response.text}")
        upload = response.json()
        self.uploads.append(upload)
        self._note("sdk_upload_created", id=upload["id"], recording_id=upload["recording_id"])
        return str(upload["upload_token"])

    # -- webhooks ----------------------------------------------------------------------------------

    def _in_outage(self) -> bool:
        now = self.clock.timestamp()
        return any(start <= now < end for start, end in self.outages)

    async def _webhook(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        msg_id = headers.get("svix-id") or headers.get("webhook-id") or ""
        payload = json_object(body)
        event = str(payload.get("event", ""))
        verified = signed_by(self.secret(), headers, body, self.clock.timestamp())
        status = 503 if self._in_outage() else (200 if verified else 401)
        duplicate = msg_id in self.seen
        self.deliveries.append(
            Delivery(self.clock.timestamp(), msg_id, event, status, verified, duplicate, payload)
        )
        self._note("webhook", msg_id=msg_id, event_type=event, status=status, duplicate=duplicate)
        if status == 200 and not duplicate:
            self.seen[msg_id] = payload
            self._react(event, payload)
        return Response("ok" if status == 200 else "unavailable", status_code=status)

    async def _realtime(self, request: Request) -> Response:
        """A real-time `webhook` endpoint: unsigned POSTs of `{"event", "data"}`, in order."""
        payload = json_object(await request.body())
        self.realtime.append(payload)
        self._note("realtime_webhook", event_type=payload.get("event"))
        return Response("ok")

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/recall/webhook", self._webhook, methods=["POST"]),
                Route("/recall/realtime", self._realtime, methods=["POST"]),
            ]
        )

    def _react(self, event: str, payload: dict[str, Any]) -> None:
        data = payload.get("data") or {}
        if event in _COMPLETE:
            upload_id = (data.get("sdk_upload") or {}).get("id")
            if upload_id and upload_id not in self._collected:  # complete and its alias both come
                self._collected.add(upload_id)
                self._spawn(self._collect(str(upload_id)))
        elif event == "transcript.done":
            transcript_id = (data.get("transcript") or {}).get("id")
            if transcript_id:
                self._spawn(self._collect_transcript(str(transcript_id)))

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    async def settle(self) -> None:
        while self._work:
            await asyncio.gather(*list(self._work), return_exceptions=True)

    # -- after the upload --------------------------------------------------------------------------

    async def _download(self, recording_id: str, kind: str, url: str | None) -> None:
        if not url:
            return
        response = await self._call("GET", url)
        if response.status_code != 200:
            self.errors.append(f"download {kind} of {recording_id}: {response.status_code}")
            return
        self.downloads.setdefault(recording_id, {})[kind] = response.content

    async def _collect(self, upload_id: str) -> None:
        found = await self._call("GET", "/api/v1/recording/", params={"desktop_sdk_upload_id": upload_id})
        results = found.json().get("results") or []
        if not results:
            self.errors.append(f"no recording for sdk upload {upload_id}")
            return
        recording = results[0]
        self.recordings[recording["id"]] = recording
        self._note("recording_found", id=recording["id"], status=recording["status"]["code"])
        shortcuts = recording.get("media_shortcuts") or {}
        for kind in ("video_mixed", "audio_mixed"):
            shortcut = shortcuts.get(kind) or {}
            await self._download(recording["id"], kind, (shortcut.get("data") or {}).get("download_url"))
        events = (shortcuts.get("participant_events") or {}).get("data") or {}
        for name in ("participant_events", "participants", "speaker_timeline"):
            await self._download(recording["id"], name, events.get(f"{name}_download_url"))
        if self.create_transcript is not None:
            body = _transcript_request(self.create_transcript)
            response = await self._call(
                "POST", f"/api/v1/recording/{recording['id']}/create_transcript/", json=body
            )
            self._note("transcript_requested", recording_id=recording["id"], status=response.status_code)
            if response.status_code not in (200, 201):
                self.errors.append(f"create_transcript: {response.status_code} {response.text[:200]}")

    async def _collect_transcript(self, transcript_id: str) -> None:
        response = await self._call("GET", f"/api/v1/transcript/{transcript_id}/")
        transcript = response.json()
        self.transcripts[transcript_id] = transcript
        recording_id = (transcript.get("recording") or {}).get("id", "")
        await self._download(recording_id, "transcript", (transcript.get("data") or {}).get("download_url"))


#: the seed document's request, verbatim, for its provider; other providers with their defaults
_SEED_TRANSCRIPT_REQUEST = {
    "provider": {"assembly_ai_async": {"language_code": "en", "speaker_labels": True, "diarization": True}},
    "diarization": {"algorithm_priority": ["speaker_timeline"]},
}


def _transcript_request(provider: str) -> dict[str, Any]:
    if provider == "assembly_ai_async":
        return _SEED_TRANSCRIPT_REQUEST
    return {"provider": {provider: {}}}
