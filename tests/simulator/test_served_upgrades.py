"""Upgrade requests on a served region, whose HTTP parser is uvicorn's httptools (h11 copied every tus
body several times): a WebSocket handshake is refused with an answer wherever no WebSocket lives, the
real-time channel still refuses and accepts as it should, and an upgrade nobody speaks is plain HTTP."""

from __future__ import annotations

import json
import re
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from httpx_ws import connect_ws

from recall_sim.simulator import Settings
from recall_sim.simulator.serve import ServedRegion, served

pytestmark = pytest.mark.served

HANDSHAKE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


@pytest.fixture(scope="module")
def region() -> Iterator[ServedRegion]:
    with served(Settings(seed=11)) as handle:
        yield handle


def exchange(region: ServedRegion, request: str, *, answers: int = 1, wait: float = 10.0) -> bytes:
    """Write `request` as is on a fresh connection; read until `answers` responses are whole or the
    server closes. A connection dropped without an answer reads as b""."""
    host, port = region.base_url.removeprefix("http://").rsplit(":", 1)
    received = b""
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(request.encode())
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _whole(received) < answers:
            if not select.select([sock], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    return received


def _whole(data: bytes) -> int:
    """How many complete responses (each with a Content-Length) `data` holds."""
    count = 0
    while (end := data.find(b"\r\n\r\n")) >= 0:
        head = data[:end].lower()
        length = int(head.split(b"content-length:")[1].split(b"\r\n")[0]) if b"content-length:" in head else 0
        if len(data) < end + 4 + length:
            break
        data = data[end + 4 + length :]
        count += 1
    return count


def statuses(answer: bytes) -> list[int]:
    """The status of each response in `answer` (a response starts right after the previous body)."""
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]


def test_the_served_region_parses_http_with_httptools(region: ServedRegion) -> None:
    assert region.server.config.http == "httptools"


def test_a_websocket_handshake_to_a_rest_route_is_refused_with_an_answer(region: ServedRegion) -> None:
    for path in ("/api/v1/recording/", "/ingest/v1/files/", "/no/such/path"):
        request = (
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Token {region.api_key}\r\n{HANDSHAKE}\r\n"
        )
        assert statuses(exchange(region, request)) == [403], path


def test_a_refused_realtime_handshake_answers_401_also_after_a_request_on_the_same_connection(
    region: ServedRegion,
) -> None:
    refused = (
        f"GET /ingest/v1/realtime HTTP/1.1\r\nHost: x\r\nAuthorization: UploadToken nope\r\n{HANDSHAKE}\r\n"
    )
    answer = exchange(region, refused)
    assert statuses(answer) == [401]
    assert json.loads(answer.partition(b"\r\n\r\n")[2]) == {"detail": "Invalid upload token."}
    # The handshake arrives behind a plain request on a kept-alive connection: the parser switches
    # protocols mid-stream.
    health = "GET /_simulator/health HTTP/1.1\r\nHost: x\r\n\r\n"
    assert statuses(exchange(region, health + refused, answers=2)) == [200, 401]


def test_an_upgrade_nobody_speaks_is_served_as_plain_http_body_and_all(region: ServedRegion) -> None:
    body = json.dumps({"recording_config": {}})
    request = (
        f"POST /api/v1/sdk_upload/ HTTP/1.1\r\nHost: x\r\nAuthorization: Token {region.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n{body}"
    )
    answer = exchange(region, request)
    assert statuses(answer) == [201]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["upload_token"]


def test_the_realtime_channel_still_opens_with_a_valid_token(region: ServedRegion) -> None:
    with httpx.Client(base_url=region.base_url, trust_env=False) as api:
        created = api.post("/api/v1/sdk_upload/", json={}, headers={"Authorization": region.api_key})
        auth = {"Authorization": f"UploadToken {created.json()['upload_token']}"}
        started = api.post("/ingest/v1/recording/start", json={"platform": "zoom"}, headers=auth).json()
    with (
        httpx.Client(trust_env=False) as client,
        connect_ws(started["realtime_url"], client, headers=auth, keepalive_ping_interval_seconds=None) as ws,
    ):
        ws.send_text(json.dumps({"type": "speech_end", "seq": 1, "utterance": 0}))
        assert json.loads(ws.receive_text(timeout=10)) == {"type": "ack", "seq": 1}
