"""Driving one upload through the ingest protocol in-process, as the desktop app would."""

from __future__ import annotations

import json
from typing import Any

import httpx

from recall_sim.recorder.ingest import IngestClient, PartRef
from tests.support import BASE_URL, Sim


async def create_upload(
    sim: Sim, body: dict[str, Any] | None = None, api_key: str | None = None
) -> dict[str, Any]:
    response = await sim.client(api_key or "default").post("/api/v1/sdk_upload/", json=body)
    assert response.status_code == 201, response.text
    upload: dict[str, Any] = response.json()
    return upload


def ingest_client(sim: Sim, token: str) -> IngestClient:
    return IngestClient(BASE_URL, token, transport=httpx.ASGITransport(app=sim.app), chunk_size=4096)


async def record_and_upload(
    sim: Sim,
    media: bytes,
    *,
    upload: dict[str, Any] | None = None,
    media_format: str = "mp4",
    events: bytes | None = None,
    metadata: dict[str, Any] | None = None,
    platform: str = "zoom",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create (or use) an upload, start, upload the parts, end and finalize: (upload, finalize body)."""
    upload = upload or await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform=platform, title="Weekly sync", media_format=media_format)
        media_ref: PartRef = await client.upload_bytes(media, part="media")
        events_ref = (
            await client.upload_bytes(events, part="participant_events") if events is not None else None
        )
        meta_ref = None
        if metadata is not None:
            meta_ref = await client.upload_bytes(json.dumps(metadata).encode(), part="meeting_metadata")
        await client.end(3.0)
        finalized = await client.finalize(media_ref, events_ref, meta_ref)
    return upload, finalized


def event_types(sim: Sim) -> list[str]:
    return [e["type"] for e in sim.region.store.find("events")]
