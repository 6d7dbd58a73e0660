"""The uploader against a region with faults: retries, backoff, Retry-After, network status, giving up."""

from __future__ import annotations

from pathlib import Path

import pytest

from recorder.errors import UploadFailedError
from recorder.retry import Retrier, RetryPolicy
from recorder.storage import LocalRecording, RecordingStore
from recorder.uploader import Uploader
from seams import Randomness
from simulator.api.faults import FaultRuleCreate
from tests.media import make_mp4
from tests.simulator.ingest.helpers import create_upload, ingest_client
from tests.support import Sim


async def _local_recording(sim: Sim, tmp_path: Path) -> tuple[LocalRecording, str, bytes]:
    upload = await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform="zoom")
    media = make_mp4(2.0)
    local = RecordingStore(tmp_path / "recordings").create("r", upload_token=upload["upload_token"])
    third = len(media) // 3
    for i, (a, b) in enumerate(((0, third), (third, 2 * third), (2 * third, len(media)))):
        local.add_segment(media[a:b], float(i), float(i + 1))
    local.add_part("participant_events", b"[]")
    return local, upload["upload_token"], media


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_seed_mode_retries_5xx_and_429_and_reports_progress(sim: Sim, tmp_path: Path) -> None:
    local, token, media = await _local_recording(sim, tmp_path)
    sim.control.add_fault(FaultRuleCreate(route="/ingest/v1/files/*", methods=["PATCH"], status=503, count=2))
    sim.control.add_fault(
        FaultRuleCreate(
            route="/ingest/v1/files/*", methods=["PATCH"], status=429, count=1, headers={"Retry-After": "7"}
        )
    )
    progress: list[int] = []
    async with ingest_client(sim, token) as client:
        uploader = Uploader(client, local, Retrier(sim.clock, Randomness(1).stream("jitter")))
        started = sim.clock.timestamp()
        ref = await uploader.upload_whole(progress.append)
        waited = sim.clock.timestamp() - started
        parts = await uploader.upload_parts()
        await uploader.finalize(ref, parts)
    assert ref.sha256 == local.media_sha256()
    assert waited >= 7  # the 429's Retry-After was honoured
    assert progress == sorted(progress)
    assert progress[-1] == 100
    await sim.clock.sleep(1)
    recording = (
        await sim.client().get(f"/api/v1/recording/{sim.region.recordings.records.find()[0].id}/")
    ).json()
    assert recording["status"]["code"] == "done"
    video = (
        await sim.client().get(recording["media_shortcuts"]["video_mixed"]["data"]["download_url"])
    ).content
    assert video == media


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_current_mode_concatenates_segments_across_dropped_connections(
    sim: Sim, tmp_path: Path
) -> None:
    local, token, media = await _local_recording(sim, tmp_path)
    sim.control.add_fault(FaultRuleCreate(route="/ingest/v1/files/*", methods=["PATCH"], drop=True, count=2))
    network: list[str] = []
    async with ingest_client(sim, token) as client:
        uploader = Uploader(
            client, local, Retrier(sim.clock, Randomness(2).stream("jitter"), on_network=network.append)
        )
        for segment in local.segments():
            await uploader.upload_segment(segment)
        ref = await uploader.finish_segments()
        await uploader.finalize(ref, await uploader.upload_parts())
    assert network == ["disconnected", "reconnected"]
    final = sim.region.tus.files.get(ref.url.rsplit("/", 1)[-1])
    assert final is not None
    assert sim.region.blobs.read_bytes(final.blob) == media


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_the_uploader_gives_up_after_its_budget_and_keeps_the_recording(
    sim: Sim, tmp_path: Path
) -> None:
    local, token, _ = await _local_recording(sim, tmp_path)
    sim.control.add_fault(FaultRuleCreate(route="/ingest/v1/files/*", status=500))
    async with ingest_client(sim, token) as client:
        uploader = Uploader(
            client, local, Retrier(sim.clock, Randomness(3).stream("jitter"), RetryPolicy(budget=120))
        )
        started = sim.clock.timestamp()
        with pytest.raises(UploadFailedError):
            await uploader.upload_whole()
        assert 120 <= sim.clock.timestamp() - started <= 120 + 36
    assert len(local.segments()) == 3
    assert not local.finished


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_refusals_that_retrying_cannot_fix_are_raised_at_once(sim: Sim, tmp_path: Path) -> None:
    from recorder.ingest import IngestError

    local, token, _ = await _local_recording(sim, tmp_path)
    sim.control.add_fault(FaultRuleCreate(route="/ingest/v1/files/", methods=["POST"], status=403, count=1))
    async with ingest_client(sim, token) as client:
        uploader = Uploader(client, local, Retrier(sim.clock, Randomness(4).stream("jitter")))
        started = sim.clock.timestamp()
        with pytest.raises(IngestError) as refused:
            await uploader.upload_whole()
    assert refused.value.status == 403
    assert sim.clock.timestamp() == started
