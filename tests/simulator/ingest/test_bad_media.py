"""Media that cannot become a recording fails the upload and the recording with a sub_code saying why;
the token stays spent and the stored parts stay inspectable."""

from __future__ import annotations

import pytest

from recall_sim.scenarios.sample_media import make_mp3, make_mp4
from tests.simulator.ingest.helpers import create_upload, event_types, ingest_client, record_and_upload
from tests.support import Sim


def _corrupt(data: bytes) -> bytes:
    damaged = bytearray(data)
    for i in range(len(damaged) // 2, len(damaged) // 2 + 400):
        damaged[i] ^= 0x5A
    return bytes(damaged)


CASES = {
    "empty": (b"", "mp4", "media_empty"),
    "truncated fragmented mp4": (make_mp4(3.0)[:-700], "mp4", "media_truncated"),
    "truncated plain mp4": (make_mp4(3.0, fragmented=False)[:-300], "mp4", "media_truncated"),
    "corrupt mp4": (_corrupt(make_mp4(3.0)), "mp4", "media_corrupt"),
    "truncated mp3": (make_mp3(2.0)[:-50], "mp3", "media_truncated"),
    "wrong type": (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40), "mp4", "media_unsupported_format"),
    "json": (b'{"not": "media"}', "mp4", "media_unsupported_format"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_media_fails_with_a_sub_code(sim: Sim, case: str) -> None:
    media, media_format, sub_code = CASES[case]
    upload, _ = await record_and_upload(sim, media, media_format=media_format)
    await sim.clock.sleep(1)
    api = sim.client()
    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"] == {**recording["status"], "code": "failed", "sub_code": sub_code}
    assert all(v is None for v in recording["media_shortcuts"].values())
    upload_now = (await api.get(f"/api/v1/sdk_upload/{upload['id']}/")).json()
    assert (upload_now["status"]["code"], upload_now["status"]["sub_code"]) == ("failed", sub_code)
    assert event_types(sim)[-2:] == ["recording.failed", "sdk_upload.failed"]
    async with ingest_client(sim, upload["upload_token"]) as client:
        status = await client.status()
    assert status["finalized"] is True
    assert [f["part"] for f in status["files"]] == ["media"]
    stored = sim.region.tus.files_of(upload["id"])[0]
    assert sim.region.blobs.read_bytes(stored.blob) == media


async def test_malformed_participant_events_fail_the_upload(sim: Sim) -> None:
    upload, _ = await record_and_upload(sim, make_mp4(1.0), events=b'[{"action": "dance"}]')
    await sim.clock.sleep(1)
    recording = (await sim.client().get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert (recording["status"]["code"], recording["status"]["sub_code"]) == (
        "failed",
        "participant_events_invalid",
    )


async def test_processing_steps_follow_the_realistic_delays(sim: Sim) -> None:
    from recall_sim.simulator.settings import Settings

    region_settings: Settings = sim.region.settings
    sim.region.settings = region_settings.model_copy(update={"delays": "realistic"})
    sim.region.ctx.settings = sim.region.settings
    upload = await create_upload(sim)
    await record_and_upload(sim, make_mp4(4.0), upload=upload)
    api = sim.client()
    assert (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()["status"][
        "code"
    ] == "processing"
    await sim.clock.sleep(5)
    mid = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert mid["status"]["code"] == "processing"
    assert mid["media_shortcuts"]["video_mixed"]["status"]["code"] == "processing"
    assert mid["media_shortcuts"]["video_mixed"]["data"]["download_url"] is None
    await sim.clock.sleep(30)
    done = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert done["status"]["code"] == "done"
    assert done["media_shortcuts"]["video_mixed"]["data"]["download_url"] is not None
