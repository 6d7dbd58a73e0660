"""The real-time channel over real sockets: a served region, a recorder connecting on loopback."""

from __future__ import annotations

import json

import httpx
import pytest
from httpx_ws import WebSocketUpgradeError, connect_ws

from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served
from tests.simulator.realtime.helpers import ADA, upload_body


@pytest.mark.served
def test_a_recorder_streams_to_a_served_region_over_a_websocket() -> None:
    settings = Settings(seed=7, time_scale=1.0, realtime={"partial_latency": 0.0, "final_latency": 0.0})
    with served(settings) as region, httpx.Client(base_url=region.base_url, trust_env=False) as api:
        created = api.post(
            "/api/v1/sdk_upload/", json=upload_body([]), headers={"Authorization": region.api_key}
        )
        token = created.json()["upload_token"]
        auth = {"Authorization": f"UploadToken {token}"}
        started = api.post("/ingest/v1/recording/start", json={"platform": "zoom"}, headers=auth).json()
        assert started["realtime_url"].startswith("ws://127.0.0.1:")
        with httpx.Client(trust_env=False) as client:
            bad = {"Authorization": "UploadToken nope"}
            with (
                pytest.raises(WebSocketUpgradeError) as refused,
                connect_ws(started["realtime_url"], client, headers=bad),
            ):
                pass
        assert refused.value.response.status_code == 401
        handshake = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        }
        denied = api.get("/ingest/v1/realtime", headers={**handshake, **bad})
        assert (denied.status_code, denied.json()) == (401, {"detail": "Invalid upload token."})
        with (
            httpx.Client(trust_env=False) as client,
            connect_ws(
                started["realtime_url"], client, headers=auth, keepalive_ping_interval_seconds=None
            ) as socket,
        ):
            word = {"text": "hello", "start": 0.0, "end": 0.4}
            frame = {"type": "speech_word", "seq": 1, "utterance": 0, "participant": ADA, "word": word}
            socket.send_text(json.dumps(frame))
            socket.send_text(json.dumps({"type": "speech_end", "seq": 2, "utterance": 0}))
            received = []
            while len(received) < 4:
                received.append(json.loads(socket.receive_text(timeout=5)))
                if received[-1]["type"] == "event":  # the next event comes once this one is acknowledged
                    socket.send_text(json.dumps({"type": "event_ack", "id": received[-1]["id"]}))
    assert sorted(f.get("seq", 0) for f in received if f["type"] == "ack") == [1, 2]
    events = [f["event"] for f in received if f["type"] == "event"]
    assert events == ["transcript.partial_data", "transcript.data"]
