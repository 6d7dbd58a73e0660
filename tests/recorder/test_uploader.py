"""The uploader against a region with faults: retries, backoff, Retry-After, network status, giving up, and
a process killed mid-upload (the next one resumes its files, never creates a part twice)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from recall_sim.recorder.errors import UploadFailedError
from recall_sim.recorder.ingest import IngestClient
from recall_sim.recorder.retry import Retrier, RetryPolicy
from recall_sim.recorder.storage import LocalRecording, RecordingStore
from recall_sim.recorder.uploader import Uploader
from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.seams import Randomness
from recall_sim.simulator.faults import FaultRuleCreate
from tests.simulator.ingest.helpers import create_upload, ingest_client
from tests.support import BASE_URL, Sim


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
async def test_a_file_just_created_is_sent_without_asking_its_offset_and_a_retry_asks(
    sim: Sim, tmp_path: Path
) -> None:
    local, token, media = await _local_recording(sim, tmp_path)
    asked: list[str] = []
    async with ingest_client(sim, token) as client:
        ask = client.offset

        async def offset(url: str) -> int:
            asked.append(url)
            return await ask(url)

        client.offset = offset  # type: ignore[method-assign]
        uploader = Uploader(client, local, Retrier(sim.clock, Randomness(5).stream("jitter")))
        segments = local.segments()
        urls = [await uploader.upload_segment(segments[0])]
        # Segment 1's PATCH is dropped on the way: its retry must learn what arrived.
        drop = FaultRuleCreate(route="/ingest/v1/files/*", methods=["PATCH"], drop=True, count=1)
        sim.control.add_fault(drop)
        urls += [await uploader.upload_segment(segment) for segment in segments[1:]]
        ref = await uploader.finish_segments()
        await uploader.finalize(ref, await uploader.upload_parts())
    assert asked == [urls[1]]  # only the retried file; each new file's first PATCH starts at 0
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
    from recall_sim.recorder.ingest import IngestError

    local, token, _ = await _local_recording(sim, tmp_path)
    sim.control.add_fault(FaultRuleCreate(route="/ingest/v1/files/", methods=["POST"], status=403, count=1))
    async with ingest_client(sim, token) as client:
        uploader = Uploader(client, local, Retrier(sim.clock, Randomness(4).stream("jitter")))
        started = sim.clock.timestamp()
        with pytest.raises(IngestError) as refused:
            await uploader.upload_whole()
    assert refused.value.status == 403
    assert sim.clock.timestamp() == started


class _Killed(BaseException):
    """The process died here: nothing after this point runs (not an error anything retries)."""


class _DiesAfter(httpx.AsyncBaseTransport):
    """Passes requests to the region; dies right after the region answered the `nth` one `matching`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, matching: str, nth: int = 1) -> None:
        self.inner = inner
        self.matching = matching
        self.left = nth

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == self.matching:
            self.left -= 1
            if self.left == 0:
                await response.aread()
                raise _Killed()
        return response


def _dying_client(sim: Sim, token: str, method: str, nth: int = 1) -> IngestClient:
    transport = _DiesAfter(httpx.ASGITransport(app=sim.app), method, nth)
    return IngestClient(BASE_URL, token, transport=transport)


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_part_killed_mid_upload_resumes_the_same_file(sim: Sim, tmp_path: Path) -> None:
    local, token, _ = await _local_recording(sim, tmp_path)
    metadata = json.dumps({"platform": "zoom", "title": "x" * 10_000, "url": None, "zoom": None}).encode()
    local.add_part("meeting_metadata", metadata)
    async with _dying_client(sim, token, "PATCH", nth=3) as client:
        uploader = Uploader(client, local, Retrier(sim.clock, Randomness(4).stream("j")), chunk_size=4096)
        with pytest.raises(_Killed):
            await uploader.upload_parts()  # participant_events in one PATCH, then metadata's first two
    [file] = [f for f in sim.region.tus.files.find() if f.part == "meeting_metadata"]
    assert file.offset == 2 * 4096  # what the region acknowledged before the process died
    async with ingest_client(sim, token) as client:
        again = Uploader(
            client, LocalRecording(local.directory), Retrier(sim.clock, Randomness(5).stream("j"))
        )
        refs = await again.upload_parts()
    # The same file, finished: the part was not sent a second time.
    assert sorted(f.part for f in sim.region.tus.files.find()) == ["meeting_metadata", "participant_events"]
    [same] = [f for f in sim.region.tus.files.find() if f.part == "meeting_metadata"]
    assert (same.id, same.offset) == (file.id, len(metadata))
    assert refs["meeting_metadata"].url.endswith(file.id)
    assert sim.region.blobs.read_bytes(same.blob) == metadata


@pytest.mark.parametrize("store_kind", ["memory"])
@pytest.mark.parametrize("mode", ["seed", "current"])
async def test_a_file_created_just_before_the_kill_is_adopted_not_created_again(
    sim: Sim, tmp_path: Path, mode: str
) -> None:
    local, token, media = await _local_recording(sim, tmp_path)
    rng = Randomness(6)
    # The region created the file; the process died before the journal heard of it.
    async with _dying_client(sim, token, "POST") as client:
        uploader = Uploader(client, local, Retrier(sim.clock, rng.stream("a")))
        first = uploader.upload_whole() if mode == "seed" else uploader.upload_segment(local.segments()[0])
        with pytest.raises(_Killed):
            await first
    assert len(sim.region.tus.files.find()) == 1
    async with ingest_client(sim, token) as client:
        again = Uploader(client, LocalRecording(local.directory), Retrier(sim.clock, rng.stream("b")))
        if mode == "seed":
            ref = await again.upload_whole()
        else:
            for segment in local.segments():
                await again.upload_segment(segment)
            ref = await again.finish_segments()
        await again.finalize(ref, await again.upload_parts())
    files = sim.region.tus.files.find()
    # One file per piece: the orphan was taken over (three partials and their final in current mode).
    expected = {"seed": ["media", "participant_events"], "current": ["media"] + ["segment"] * 3}[mode]
    assert sorted(f.part for f in files) == sorted(
        [*expected, *(["participant_events"] * (mode == "current"))]
    )
    [final] = [f for f in files if f.part == "media"]
    assert sim.region.blobs.read_bytes(final.blob) == media


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_concatenation_the_kill_kept_from_the_journal_is_adopted(sim: Sim, tmp_path: Path) -> None:
    local, token, media = await _local_recording(sim, tmp_path)
    async with ingest_client(sim, token) as client:
        uploader = Uploader(client, local, Retrier(sim.clock, Randomness(7).stream("a")))
        for segment in local.segments():
            await uploader.upload_segment(segment)
    async with _dying_client(sim, token, "POST") as client:
        with pytest.raises(_Killed):
            await Uploader(client, local, Retrier(sim.clock, Randomness(7).stream("b"))).finish_segments()
    async with ingest_client(sim, token) as client:
        again = Uploader(
            client, LocalRecording(local.directory), Retrier(sim.clock, Randomness(7).stream("c"))
        )
        ref = await again.finish_segments()
        await again.finalize(ref, await again.upload_parts())
    [final] = [f for f in sim.region.tus.files.find() if f.concat == "final"]
    assert ref.url.endswith(final.id)
    assert sim.region.blobs.read_bytes(final.blob) == media
