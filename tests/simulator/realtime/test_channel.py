"""The recorder's real-time WebSocket, played in-process: acks, idempotent resends, transcript partials
and finals on the virtual clock, and the ids the start response promises."""

from __future__ import annotations

import pytest

from recall_sim.simulator.settings import RealtimeSettings
from tests.simulator.ingest.helpers import create_upload
from tests.simulator.realtime.helpers import ADA, BOB, recorder_channel, refusal, say, start, upload_body
from tests.support import Sim

LATENCY = RealtimeSettings()


async def test_the_start_response_names_endpoints_and_artifacts_as_the_recording_does(sim: Sim) -> None:
    endpoints = [
        {"type": "desktop_sdk_callback", "events": ["transcript.data"], "metadata": {"n": "1"}},
        {"type": "webhook", "url": "http://backend.test/rt", "events": ["participant_events.join"]},
    ]
    upload = await create_upload(sim, upload_body(endpoints))
    started = await start(sim, upload["upload_token"])
    recording = (await sim.client().get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert [e["id"] for e in started["realtime_endpoints"]] == [
        e["id"] for e in recording["realtime_endpoints"]
    ]
    assert [(e["type"], e["events"], e["metadata"]) for e in started["realtime_endpoints"]] == [
        ("desktop_sdk_callback", ["transcript.data"], {"n": "1"}),
        ("webhook", ["participant_events.join"], {}),
    ]
    assert set(started["participant_events"]) == {"id", "metadata"}
    assert started["transcript"]["metadata"] == {"kind": "live"}
    assert len({started["participant_events"]["id"], started["transcript"]["id"]}) == 2

    plain = await create_upload(sim)
    without = await start(sim, plain["upload_token"])
    assert without["realtime_endpoints"] == []
    assert without["transcript"] is None
    assert without["participant_events"]["id"] != started["participant_events"]["id"]


async def test_partials_follow_each_word_and_the_final_follows_the_utterance(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    started = await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        t0 = sim.clock.timestamp()
        await say(recorder, t0, 0, ADA, [("hello", 0.5, 0.9), ("team", 1.0, 1.3)])
        await say(recorder, t0, 1, BOB, [("hi", 2.0, 2.4)])
        await sim.clock.sleep(2)
        events = [(round(t - t0, 3), f["event"], f["data"]) for t, f in recorder.events()]
    partial, final = LATENCY.partial_latency, LATENCY.final_latency
    assert [(at, name, [w["text"] for w in data["data"]["words"]]) for at, name, data in events] == [
        (round(0.9 + partial, 3), "transcript.partial_data", ["hello"]),
        (round(1.3 + partial, 3), "transcript.partial_data", ["hello", "team"]),
        (round(1.3 + final, 3), "transcript.data", ["hello", "team"]),
        (round(2.4 + partial, 3), "transcript.partial_data", ["hi"]),
        (round(2.4 + final, 3), "transcript.data", ["hi"]),
    ]
    data = events[2][2]
    assert data["data"]["participant"] == ADA
    assert data["data"]["words"][1] == {
        "text": "team",
        "start_timestamp": {"relative": 1.0},
        "end_timestamp": {"relative": 1.3},
    }
    assert data["transcript"] == started["transcript"]
    assert data["recording"] == {"id": upload["recording_id"], "metadata": {}}
    assert data["realtime_endpoint"] is None  # no desktop_sdk_callback endpoint: the SDK names its own
    assert recorder.acks() == list(range(1, 6))


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_resent_frame_is_acknowledged_and_changes_nothing(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        await recorder.word(0, ADA, "hello", 0.0, 0.4)
        await recorder.word(0, ADA, "again", 0.5, 0.8)
        await sim.clock.sleep(0.1)
    # A network drop: the ack of seq 2 was lost, so the recorder resends it after reconnecting.
    async with recorder_channel(sim, upload["upload_token"]) as again:
        await again.send({"type": "speech_word", "utterance": 0, "participant": ADA,
                          "word": {"text": "again", "start": 0.5, "end": 0.8}}, seq=2)  # fmt: skip
        again.seq = 2
        await again.speech_end(0)
        await sim.clock.sleep(2)
        finals = [f["data"] for _, f in again.events() if f["event"] == "transcript.data"]
    assert again.acks() == [2, 3]
    assert [[w["text"] for w in d["data"]["words"]] for d in finals] == [["hello", "again"]]
    session = sim.control.realtime.session(upload["recording_id"])
    assert [w["text"] for w in session.utterances["0"]["words"]] == ["hello", "again"]
    assert session.last_seq == 3


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_events_for_a_disconnected_recorder_wait_for_it(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        await recorder.word(0, ADA, "hello", 0.0, 0.4)
        await recorder.speech_end(0)
    await sim.clock.sleep(5)
    async with recorder_channel(sim, upload["upload_token"]) as again:
        await sim.clock.sleep(0.1)
        assert [f["event"] for _, f in again.events()] == ["transcript.partial_data", "transcript.data"]


async def test_an_event_not_acknowledged_is_sent_again_after_a_reconnect(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as lost:
        lost.acknowledge = False  # the connection dies before the recorder can answer
        await lost.word(0, ADA, "hello", 0.0, 0.4)
        await lost.speech_end(0)
        await sim.clock.sleep(2)
        [(_, partial)] = lost.events()  # one at a time: the final waits for the partial's ack
    async with recorder_channel(sim, upload["upload_token"]) as again:
        await sim.clock.sleep(0.1)
        events = [f for _, f in again.events()]
    assert [f["event"] for f in events] == ["transcript.partial_data", "transcript.data"]
    assert events[0]["id"] == partial["id"]  # the same event, which the recorder dedupes
    deliveries = sim.region.realtime.deliveries.records.find({"recording_id": upload["recording_id"]})
    assert {d.status for d in deliveries} == {"delivered"}


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_without_a_streaming_provider_words_are_kept_but_no_transcript_events_are_sent(
    sim: Sim,
) -> None:
    upload = await create_upload(sim, upload_body([], transcript=False))
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        await recorder.word(0, ADA, "hello", 0.0, 0.4)
        await recorder.speech_end(0)
        await sim.clock.sleep(2)
        assert recorder.events() == []
        assert recorder.acks() == [1, 2]


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_the_channel_needs_a_started_unfinalized_recording_and_readable_frames(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    for token, reason in (
        ("not-a-token", "Invalid upload token."),
        (upload["upload_token"], "No recording has been started with this upload token."),
    ):
        refused = await refusal(sim, token)
        assert (refused.code, refused.reason) == (1008, reason)
    await start(sim, upload["upload_token"])
    async with recorder_channel(sim, upload["upload_token"]) as recorder:
        await recorder.raw("not json")
        await recorder.send({"type": "speech_word", "utterance": "first"})
        await recorder.send({"type": "shout"})
        await sim.clock.sleep(0.1)
    errors = [f for _, f in recorder.received]
    assert [(e["type"], e["seq"]) for e in errors] == [("error", None), ("error", 1), ("error", 2)]
    assert errors[0]["detail"] == "The frame is not JSON."
    assert errors[1]["detail"].startswith("speech_word.utterance")
