"""The load receiver tells a forged delivery from one its sender broke off: a process killed between
writing a request's headers and its body is not a bad signature."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

import pytest
from svix.webhooks import Webhook

from reliability._load_receiver import FlakyReceiver

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _deliver(receiver: FlakyReceiver, headers: dict[str, str], chunks: list[dict[str, Any]]) -> list[int]:
    pending = list(chunks)
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {"type": "http", "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(receiver(scope, receive, send))
    return statuses


def _signed(body: bytes, message_id: str) -> dict[str, str]:
    now = datetime.now(tz=UTC)
    signature = Webhook(SECRET).sign(message_id, now, body.decode())
    return {"svix-id": message_id, "svix-timestamp": str(int(now.timestamp())), "svix-signature": signature}


@pytest.mark.quick
def test_a_request_broken_off_mid_body_is_interrupted_not_forged() -> None:
    receiver = FlakyReceiver(SECRET, fail_every=1000)
    body = json.dumps({"event": "recording.done", "data": {}}).encode()
    headers = _signed(body, "msg_1")
    broken: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert _deliver(receiver, headers, broken) == []
    assert (receiver.interrupted, receiver.bad_signatures, receiver.messages) == (1, 0, {})

    whole: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]
    assert _deliver(receiver, headers, whole) == [204]
    assert list(receiver.messages) == ["msg_1"]

    forged: list[dict[str, Any]] = [
        {"type": "http.request", "body": body.replace(b"done", b"fail"), "more_body": False}
    ]
    assert _deliver(receiver, _signed(body, "msg_2"), forged) == [401]
    assert receiver.bad_signatures == 1
