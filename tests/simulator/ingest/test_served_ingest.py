"""Ingest over real sockets: the official tus client (tuspy) and the `recall-sim upload` command."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import httpx
import pytest
from tusclient import client as tus_client
from typer.testing import CliRunner

from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.sample_media import make_mp3, make_mp4, media_duration, stream_layout
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served

cli = build_app()

pytestmark = pytest.mark.served


def _create_and_start(base_url: str, api_key: str) -> dict[str, str]:
    with httpx.Client(base_url=base_url) as api:
        upload = api.post("/api/v1/sdk_upload/", headers={"Authorization": f"Token {api_key}"}).json()
        started = api.post(
            "/ingest/v1/recording/start",
            headers={"Authorization": f"UploadToken {upload['upload_token']}"},
            json={"platform": "zoom"},
        )
        assert started.status_code == 201, started.text
    return dict(upload)


def test_tuspy_uploads_and_resumes_and_the_bytes_stored_are_the_bytes_sent(tmp_path: Path) -> None:
    data = make_mp4(4.0) * 3  # any bytes will do for the transfer; size spans several chunks
    with served(Settings(seed=3, data_dir=tmp_path)) as region:
        upload = _create_and_start(region.base_url, region.api_key)
        tus = tus_client.TusClient(
            f"{region.base_url}/ingest/v1/files/",
            headers={"Authorization": f"UploadToken {upload['upload_token']}"},
        )
        first = tus.uploader(
            file_stream=io.BytesIO(data), chunk_size=8192, metadata={"part": "media"}, upload_checksum=True
        )
        first.CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)
        first.set_url(first.create_url())
        first.upload(stop_at=len(data) // 2)  # the transfer is interrupted halfway
        assert first.offset >= len(data) // 2
        url = first.url

        resumed = tus.uploader(file_stream=io.BytesIO(data), url=url, chunk_size=8192, upload_checksum=True)
        assert resumed.offset == first.offset  # asked the server where to go on from
        resumed.upload()
        assert resumed.offset == len(data)

        record = region.region.tus.files.get(url.rsplit("/", 1)[-1])
        assert record is not None
        assert region.region.blobs.read_bytes(record.blob) == data


def test_recall_sim_upload_of_an_mp4_ends_done_with_the_same_media(tmp_path: Path) -> None:
    media = make_mp4(3.0)
    source = tmp_path / "meeting.mp4"
    source.write_bytes(media)
    with served(Settings(seed=4, data_dir=tmp_path / "data")) as region:
        result = CliRunner().invoke(
            cli,
            [
                "upload",
                str(source),
                "--base-url",
                region.base_url,
                "--api-key",
                region.api_key,
                "--title",
                "Retro",
            ],
        )
        assert result.exit_code == 0, result.output
        assert ": done" in result.output
        recordings = httpx.get(
            f"{region.base_url}/api/v1/recording/", headers={"Authorization": f"Token {region.api_key}"}
        ).json()["results"]
        [recording] = recordings
        video_url = recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]
        downloaded = httpx.get(video_url).content
        assert stream_layout(downloaded) == stream_layout(media)
        assert media_duration(downloaded) == media_duration(media)
        assert recording["media_shortcuts"]["meeting_metadata"]["data"]["title"] == "Retro"


def test_recall_sim_upload_of_an_mp3_yields_audio_mixed(tmp_path: Path) -> None:
    source = tmp_path / "huddle.mp3"
    source.write_bytes(make_mp3(2.0))
    events = tmp_path / "events.json"
    events.write_text(json.dumps([]))
    with served(Settings(seed=5, data_dir=tmp_path / "data")) as region:
        result = CliRunner().invoke(
            cli,
            ["upload", str(source), "--base-url", region.base_url, "--api-key", region.api_key,
             "--events", str(events), "--platform", "slack", "--metadata", "team=core"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "audio_mixed.download_url" in result.output
        uploads = httpx.get(
            f"{region.base_url}/api/v1/sdk_upload/", headers={"Authorization": f"Token {region.api_key}"}
        ).json()["results"]
        assert uploads[0]["metadata"] == {"team": "core"}
        assert uploads[0]["status"]["code"] == "complete"


def test_recall_sim_upload_of_a_broken_file_reports_the_failure(tmp_path: Path) -> None:
    source = tmp_path / "broken.mp4"
    source.write_bytes(make_mp4(3.0)[:-500])
    with served(Settings(seed=6, data_dir=tmp_path / "data")) as region:
        result = CliRunner().invoke(
            cli, ["upload", str(source), "--base-url", region.base_url, "--api-key", region.api_key]
        )
        assert result.exit_code == 1
        assert "failed media_truncated" in result.output
