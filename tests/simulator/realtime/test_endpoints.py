"""Real-time endpoints named in the upload: webhook endpoints get POSTs, websocket endpoints get text
frames, each only the events it subscribes to, in order; a failing webhook is retried 60 times, 1 s
apart, then given up; all of it inspectable on the control plane."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from httpx_ws.transport import ASGIWebSocketTransport

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.seams import VirtualClock
from recall_sim.simulator.settings import RealtimeSettings
from tests.simulator.ingest.helpers import create_upload
from tests.simulator.realtime.helpers import (
    ADA,
    BOB,
    SocketEndpoint,
    hosted,
    recorder_channel,
    say,
    start,
    upload_body,
)
from tests.support import Sim, make_sim

HOOK_URL = "http://backend.test/realtime"
SOCKET_URL = "ws://backend.test/stream"


@pytest.fixture
def receiver(clock: VirtualClock) -> WebhookReceiver:
    return WebhookReceiver(clock, path=None)


@pytest.fixture
def endpoint(clock: VirtualClock) -> SocketEndpoint:
    return SocketEndpoint(clock)


@asynccontextmanager
async def region(
    clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver, endpoint: SocketEndpoint
) -> AsyncIterator[Sim]:
    async with hosted(ASGIWebSocketTransport(app=endpoint.app)) as sockets:
        sim = make_sim(clock, tmp_path, webhook_transport=receiver.transport(), realtime_transport=sockets)
        await sim.region.start()
        try:
            yield sim
        finally:
            await sim.aclose()
            sim.close()


async def play_meeting(sim: Sim, token: str) -> float:
    """Ada joins and speaks, Bob joins and answers; the recorder stops. Returns the start time."""
    async with recorder_channel(sim, token) as recorder:
        t0 = sim.clock.timestamp()
        await recorder.participant_event("join", ADA, 0.0)
        await recorder.participant_event("speech_on", ADA, 0.5)
        await say(recorder, t0, 0, ADA, [("hello", 0.5, 0.9), ("Bob", 1.0, 1.3)])
        await recorder.participant_event("speech_off", ADA, 1.3)
        await recorder.participant_event("join", BOB, 1.5)
        await say(recorder, t0, 1, BOB, [("hi", 2.0, 2.4)])
        await recorder.send({"type": "end"})
        await sim.clock.sleep(2)
    return t0


def words_of(body: dict[str, Any]) -> list[str]:
    return [w["text"] for w in body["data"]["data"]["words"]]


async def test_webhook_and_websocket_endpoints_receive_what_they_subscribe_to_in_order(
    clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver, endpoint: SocketEndpoint
) -> None:
    async with region(clock, tmp_path, receiver, endpoint) as sim:
        endpoints = [
            {"type": "webhook", "url": HOOK_URL, "events": ["participant_events.join", "transcript.data"]},
            {
                "type": "websocket",
                "url": SOCKET_URL,
                "events": ["participant_events.speech_on", "transcript.partial_data", "transcript.data"],
                "metadata": {"team": "core"},
            },
        ]
        upload = await create_upload(sim, upload_body(endpoints))
        started = await start(sim, upload["upload_token"])
        hook_id, socket_id = (e["id"] for e in started["realtime_endpoints"])
        t0 = await play_meeting(sim, upload["upload_token"])

    hooks = receiver.bodies()
    # Bob joins (at 1.3 s) before Ada's final arrives (0.8 s after her last word ends at 1.3 s).
    assert [b["event"] for b in hooks] == [
        "participant_events.join",
        "participant_events.join",
        "transcript.data",
        "transcript.data",
    ]
    assert [words_of(b) for b in hooks if b["event"] == "transcript.data"] == [["hello", "Bob"], ["hi"]]
    join = hooks[0]["data"]
    assert join["data"]["participant"] == ADA
    assert join["data"]["timestamp"] == {"absolute": "2025-01-06T09:00:00.000000Z", "relative": 0.0}
    assert join["realtime_endpoint"] == {"id": hook_id, "metadata": {}}
    assert join["participant_events"] == started["participant_events"]
    assert join["recording"] == {"id": upload["recording_id"], "metadata": {}}
    assert all(
        "svix-signature" not in r.headers and "webhook-signature" not in r.headers
        for r in receiver.deliveries
    )

    assert endpoint.events() == [
        "participant_events.speech_on",
        "transcript.partial_data",
        "transcript.partial_data",
        "transcript.data",
        "transcript.partial_data",
        "transcript.data",
    ]
    frames = [f for _, f in endpoint.frames]
    assert frames[3]["data"]["realtime_endpoint"] == {"id": socket_id, "metadata": {"team": "core"}}
    assert frames[3]["data"]["transcript"] == started["transcript"]
    # Each frame as the event happened: the final 0.8 s after the utterance's last word.
    final_at = next(t for t, f in endpoint.frames if f["event"] == "transcript.data")
    assert final_at - t0 == pytest.approx(1.3 + RealtimeSettings().final_latency, abs=1e-3)
    # One connection for the whole recording, closed once the recorder ended and every event was out.
    assert (endpoint.connections, endpoint.closed) == (1, 1)


async def test_a_failing_realtime_webhook_is_retried_60_times_1_s_apart_then_given_up(
    clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver, endpoint: SocketEndpoint
) -> None:
    receiver.fail(61)
    async with region(clock, tmp_path, receiver, endpoint) as sim:
        events = ["participant_events.join"]
        upload = await create_upload(
            sim, upload_body([{"type": "webhook", "url": HOOK_URL, "events": events}])
        )
        await start(sim, upload["upload_token"])
        async with recorder_channel(sim, upload["upload_token"]) as recorder:
            await recorder.participant_event("join", ADA, 0.0)
            await recorder.participant_event("join", BOB, 0.1)
            await sim.clock.sleep(70)
        deliveries = sim.control.realtime.deliveries(recording_id=upload["recording_id"])

    first, second = deliveries
    assert (first.status, first.attempts, first.error) == ("failed", 61, "HTTP 500")
    assert (second.status, second.attempts) == ("delivered", 1)
    attempts = [r.at for r in receiver.deliveries]
    assert len(attempts) == 62
    assert [round(b - a, 6) for a, b in itertools.pairwise(attempts[:61])] == [1.0] * 60
    # Bob's join waited behind Ada's: a realtime endpoint gets its events in order.
    names = [d.body["data"]["data"]["participant"]["name"] for d in receiver.deliveries]
    assert names == ["Ada"] * 61 + ["Bob"]


async def test_a_websocket_endpoint_that_refuses_is_connected_to_again_and_keeps_the_order(
    clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver, endpoint: SocketEndpoint
) -> None:
    endpoint.refuse = 2
    async with region(clock, tmp_path, receiver, endpoint) as sim:
        events = ["participant_events.join"]
        body = upload_body([{"type": "websocket", "url": SOCKET_URL, "events": events}])
        upload = await create_upload(sim, body)
        await start(sim, upload["upload_token"])
        async with recorder_channel(sim, upload["upload_token"]) as recorder:
            t0 = sim.clock.timestamp()
            await recorder.participant_event("join", ADA, 0.0)
            await recorder.participant_event("join", BOB, 0.1)
            await sim.clock.sleep(5)
        first, second = sim.control.realtime.deliveries(recording_id=upload["recording_id"])
    assert (first.status, first.attempts, first.error) == ("delivered", 3, None)
    assert (second.status, second.attempts) == ("delivered", 1)
    assert [f["data"]["data"]["participant"]["name"] for _, f in endpoint.frames] == ["Ada", "Bob"]
    assert endpoint.frames[0][0] - t0 == pytest.approx(2.0)
    assert endpoint.connections == 1


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_the_control_plane_lists_deliveries_and_the_stream(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        await recorder.word(0, ADA, "hello", 0.0, 0.4)
        await recorder.speech_end(0)
        await sim.clock.sleep(2)
    control = sim.client(api_key=None)
    listed = (
        await control.get(f"/_simulator/realtime/deliveries?recording_id={upload['recording_id']}")
    ).json()
    assert [(d["endpoint_type"], d["event"], d["status"]) for d in listed] == [
        ("desktop_sdk_callback", "transcript.partial_data", "delivered"),
        ("desktop_sdk_callback", "transcript.data", "delivered"),
    ]
    assert listed[1]["payload"]["type"] == "event"
    one = await control.get(f"/_simulator/realtime/deliveries/{listed[0]['id']}")
    assert one.json() == listed[0]
    session = (await control.get(f"/_simulator/realtime/sessions/{upload['recording_id']}")).json()
    assert session["utterances"]["0"]["words"] == [{"text": "hello", "start": 0.0, "end": 0.4}]
    assert session["connected"] is False
    assert (await control.get("/_simulator/realtime/sessions/unknown")).status_code == 404


async def test_pending_realtime_retries_survive_a_restart(
    clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver
) -> None:
    receiver.fail(3)
    sim = make_sim(clock, tmp_path, "sqlite", webhook_transport=receiver.transport())
    await sim.region.start()
    events = ["participant_events.join"]
    upload = await create_upload(sim, upload_body([{"type": "webhook", "url": HOOK_URL, "events": events}]))
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        await recorder.participant_event("join", ADA, 0.0)
        await sim.clock.sleep(1.5)
    await sim.aclose()
    restarted = sim.restart()
    await restarted.region.start()
    try:
        await clock.sleep(5)
        (delivery,) = restarted.control.realtime.deliveries(recording_id=upload["recording_id"])
    finally:
        await restarted.aclose()
        restarted.close()
    assert (delivery.status, delivery.attempts) == ("delivered", 4)
    assert len(receiver.deliveries) == 4
