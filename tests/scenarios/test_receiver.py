"""The webhook receiver (scenarios.receiver) every suite delivers to: what it answers by rule, what it
verifies with svix, what it keeps once, and a request its sender broke off mid-body (a process killed
between headers and body), which is interrupted, not forged."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from svix.webhooks import Webhook

from recall_sim.scenarios.receiver import DROP, REDIRECT, THROTTLED, WEBHOOK_PATH, WebhookReceiver, hang
from recall_sim.seams import VirtualClock, machine_timestamp

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _body(event: str = "recording.done") -> bytes:
    return json.dumps({"event": event, "data": {}}).encode()


def _signed(body: bytes, message_id: str, at: float | None = None) -> dict[str, str]:
    moment = datetime.fromtimestamp(machine_timestamp() if at is None else at, tz=UTC)
    signature = Webhook(SECRET).sign(message_id, moment, body.decode())
    return {
        "svix-id": message_id,
        "svix-timestamp": str(int(moment.timestamp())),
        "svix-signature": signature,
    }


def _deliver(receiver: WebhookReceiver, headers: dict[str, str], chunks: list[dict[str, Any]]) -> list[int]:
    """Drive the receiver's ASGI app directly, the request's body arriving as `chunks`."""
    pending = list(chunks)
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http",
        "method": "POST",
        "path": WEBHOOK_PATH,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(receiver(scope, receive, send))
    return statuses


def _post(receiver: WebhookReceiver, body: bytes, headers: dict[str, str], path: str = WEBHOOK_PATH) -> int:
    async def post() -> int:
        async with httpx.AsyncClient(transport=receiver.transport(), base_url="http://hooks.test") as client:
            return (await client.post(path, content=body, headers=headers)).status_code

    return asyncio.run(post())


def test_a_request_broken_off_mid_body_is_interrupted_not_forged() -> None:
    receiver = WebhookReceiver(secret=SECRET, machine_time=True, status=204)
    body = _body()
    headers = _signed(body, "msg_1")
    broken: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert _deliver(receiver, headers, broken) == []
    assert (receiver.interrupted, receiver.bad_signatures(), receiver.messages) == (1, 0, {})

    whole: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]
    assert _deliver(receiver, headers, whole) == [204]
    assert list(receiver.messages) == ["msg_1"]

    forged: list[dict[str, Any]] = [
        {"type": "http.request", "body": body.replace(b"done", b"fail"), "more_body": False}
    ]
    assert _deliver(receiver, _signed(body, "msg_2"), forged) == [401]
    assert receiver.bad_signatures() == 1
    assert [d.verified for d in receiver.deliveries] == [True, False]


def test_every_nth_attempt_fails_and_each_message_is_kept_once() -> None:
    receiver = WebhookReceiver(secret=SECRET, machine_time=True, status=204, fail_every=3)
    statuses = []
    for message_id in ["msg_1", "msg_2", "msg_3", "msg_3", "msg_2", "msg_4"]:
        body = _body(f"event.{message_id}")
        statuses.append(_post(receiver, body, _signed(body, message_id)))
    assert statuses == [204, 204, 500, 204, 204, 500]
    assert receiver.failed_on_purpose() == 2
    assert receiver.bad_signatures() == 0
    assert receiver.duplicates() == 1  # msg_2's second 204
    assert receiver.events() == ["event.msg_1", "event.msg_2", "event.msg_3"]
    assert receiver.attempts_per_message() == {"msg_1": 1, "msg_2": 2, "msg_3": 2, "msg_4": 1}


def test_signatures_are_checked_on_the_receivers_clock_unless_it_keeps_the_machines_time() -> None:
    clock = VirtualClock()
    on_region_time = WebhookReceiver(clock, lambda: SECRET)
    body = _body()
    assert _post(on_region_time, body, _signed(body, "msg_1", at=clock.timestamp())) == 200
    assert _post(on_region_time, body, _signed(body, "msg_2")) == 401  # the machine's time is far off
    on_machine_time = WebhookReceiver(clock, SECRET, machine_time=True)
    assert _post(on_machine_time, body, _signed(body, "msg_2")) == 200
    assert _post(on_machine_time, body, _signed(body, "msg_1", at=clock.timestamp())) == 401


def test_without_a_secret_it_records_every_request_at_any_path_or_only_its_own() -> None:
    anywhere = WebhookReceiver(path=None)
    assert _post(anywhere, _body(), {"webhook-id": "msg_1"}, path="/a") == 200
    assert _post(anywhere, b"not json", {}, path="/b") == 200
    assert [(d.path, d.verified, d.body, d.raw) for d in anywhere.deliveries] == [
        ("/a", None, {"event": "recording.done", "data": {}}, _body()),
        ("/b", None, {}, b"not json"),
    ]
    own = WebhookReceiver()
    assert _post(own, _body(), {}, path="/elsewhere") == 404
    assert own.deliveries == []


def test_scripted_answers_then_the_usual_one() -> None:
    receiver = WebhookReceiver(path=None).then(REDIRECT).then(THROTTLED).fail(1, 503)
    receiver.fail_next(1)
    statuses = [_post(receiver, _body(), {"svix-id": f"msg_{n}"}) for n in range(5)]
    assert statuses == [302, 429, 503, 503, 200]
    receiver.always(DROP)
    with pytest.raises(httpx.RemoteProtocolError):
        _post(receiver, _body(), {"svix-id": "msg_5"})
    receiver.recover()
    assert _post(receiver, _body(), {"svix-id": "msg_5"}) == 200
    assert receiver.events() == ["recording.done", "recording.done"]  # msg_4 and msg_5
    assert [d.status for d in receiver.refused()] == [302, 429, 503, 503]


async def test_latency_and_a_hang_pass_on_the_receivers_loop(clock: VirtualClock) -> None:
    receiver = WebhookReceiver(clock, path=None, latency=2.0).then(hang(30.0))
    async with httpx.AsyncClient(transport=receiver.transport(), base_url="http://hooks.test") as client:
        start = clock.timestamp()
        assert (await client.post("/", content=_body())).status_code == 200
        assert clock.timestamp() - start == pytest.approx(32.0)
        assert (await client.post("/", content=_body())).status_code == 200
        assert clock.timestamp() - start == pytest.approx(34.0)


def test_requests_without_a_message_id_are_each_a_message() -> None:
    receiver = WebhookReceiver(path=None)
    for name in ["Ada", "Ada", "Bob"]:
        assert (
            _post(receiver, json.dumps({"event": "participant_events.join", "name": name}).encode(), {})
            == 200
        )
    assert [b["name"] for b in receiver.bodies()] == ["Ada", "Ada", "Bob"]
    assert receiver.duplicates() == 0


@pytest.mark.served
@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_a_204_receiver_answers_without_a_body_on_a_kept_alive_connection(http: str) -> None:
    """A 204 carries no body: one sent anyway would reach a kept-alive client as the start of its next
    response (httptools passes it to the socket as it is)."""
    from recall_sim.scenarios.served import serve_app

    receiver = WebhookReceiver(path="/hook", status=204)
    with serve_app(receiver, http=http) as url, httpx.Client(base_url=url) as client:
        answers = [client.post("/hook", json={"event": "recording.done", "n": n}) for n in range(3)]
    assert [(a.status_code, a.content) for a in answers] == [(204, b"")] * 3
    assert len(receiver.deliveries) == 3


def test_the_wire_helpers_a_partner_imports_from_the_receiver_are_the_wire_modules_own() -> None:
    """Partners import every name of `scenarios.receiver.__all__` from there; the wire helpers among
    them are `scenarios.receiver_wire`'s, not copies."""
    from recall_sim.scenarios import receiver, receiver_wire

    for name in receiver.__all__:
        assert hasattr(receiver, name), name
    shared = set(receiver.__all__) & set(receiver_wire.__all__)
    assert {"TIMESTAMP_TOLERANCE", "json_object", "signed_by", "undelivered_report"} <= shared
    for name in shared:
        assert getattr(receiver, name) is getattr(receiver_wire, name), name
