"""`recall-sim upload FILE --transcript WORDS`: the words supplied with a partner's own recording become
its speech track, so its transcript has exactly those words and speakers; and without them, spoken
English is recognised."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import httpx
import jiwer
import pytest
from typer.testing import CliRunner

from recall_sim.recorder.supplied_words import read_words_file
from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.programs import require_program
from recall_sim.scenarios.sample_media import make_mp3, make_mp4
from recall_sim.scenarios.spoken_media import normalised, script_words, spoken_mp3
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import ServedRegion, served
from tests.simulator.transcription.test_recognition import SENTENCES_WER

cli = build_app()

ADA = {
    "id": 7,
    "name": "Ada Lovelace",
    "is_host": True,
    "platform": "desktop",
    "extra_data": {},
    "email": "ada@example.com",
}
GRACE = {
    "id": 9,
    "name": "Grace Hopper",
    "is_host": False,
    "platform": "unknown",
    "extra_data": {},
    "email": None,
}


def _stamp(seconds: float) -> dict[str, Any]:
    return {"relative": seconds, "absolute": "2026-01-05T10:00:00Z"}


DOWNLOAD = [
    {
        "participant": ADA,
        "words": [
            {"text": t, "start_timestamp": _stamp(s), "end_timestamp": _stamp(e)}
            for t, s, e in (("good", 0.5, 0.8), ("morning", 0.9, 1.3), ("everyone", 1.4, 1.9))
        ],
    },
    {
        "participant": GRACE,
        "words": [
            {"text": t, "start_timestamp": _stamp(s), "end_timestamp": _stamp(e)}
            for t, s, e in (("shall", 2.2, 2.5), ("we", 2.6, 2.7), ("start", 2.8, 3.2))
        ],
    },
]
WEBVTT = """WEBVTT

1
00:00:00.500 --> 00:00:01.900
<v Ada Lovelace>Good morning everyone</v>

00:00:02.200 --> 00:00:03.200
<v Grace Hopper>Shall we start?
"""
SRT = """1
00:00:00,500 --> 00:00:01,900
Ada Lovelace: Good morning everyone

2
00:00:02,200 --> 00:00:03,200
Grace Hopper: Shall we start?
"""


def said(download: list[dict[str, Any]]) -> list[tuple[str | None, str, float, float]]:
    return [
        (
            s["participant"]["name"],
            w["text"],
            w["start_timestamp"]["relative"],
            w["end_timestamp"]["relative"],
        )
        for s in download
        for w in s["words"]
    ]


def in_file(path: Path) -> list[tuple[str | None, str, float, float]]:
    return [
        (u["participant"]["name"], w["text"], w["start"], w["end"])
        for u in read_words_file(path)
        for w in u["words"]
    ]


def test_each_format_reads_to_the_same_words_and_speakers(tmp_path: Path) -> None:
    (tmp_path / "words.json").write_text(json.dumps(DOWNLOAD))
    (tmp_path / "words.vtt").write_text(WEBVTT)
    (tmp_path / "words.srt").write_text(SRT)
    from_json = in_file(tmp_path / "words.json")
    assert from_json == [("Ada Lovelace", "good", 0.5, 0.8), ("Ada Lovelace", "morning", 0.9, 1.3),
                         ("Ada Lovelace", "everyone", 1.4, 1.9), ("Grace Hopper", "shall", 2.2, 2.5),
                         ("Grace Hopper", "we", 2.6, 2.7), ("Grace Hopper", "start", 2.8, 3.2)]  # fmt: skip
    captions = in_file(tmp_path / "words.vtt")
    assert captions == in_file(tmp_path / "words.srt")
    assert [(name, text) for name, text, _, _ in captions] == [
        ("Ada Lovelace", "Good"),
        ("Ada Lovelace", "morning"),
        ("Ada Lovelace", "everyone"),
        ("Grace Hopper", "Shall"),
        ("Grace Hopper", "we"),
        ("Grace Hopper", "start?"),
    ]
    # A cue's words share its span in order, inside it.
    assert captions[0][2] == 0.5
    assert captions[2][3] <= 1.9
    assert all(a[3] <= b[2] for a, b in itertools.pairwise(captions))


def test_a_caption_without_a_speaker_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    media = tmp_path / "meeting.mp3"
    media.write_bytes(make_mp3(2.0))
    words = tmp_path / "words.vtt"
    words.write_text("WEBVTT\n\n00:00:00.500 --> 00:00:01.000\nhello there\n")
    result = CliRunner().invoke(cli, ["upload", str(media), "--api-key", "k", "--transcript", str(words)])
    assert result.exit_code == 2
    assert "--transcript" in result.output
    assert "<v Name>" in result.output
    assert "Traceback" not in result.output


def upload(region: ServedRegion, media: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        cli, ["upload", str(media), "--base-url", region.base_url, "--api-key", region.api_key, *extra]
    )
    assert result.exit_code == 0, result.output
    recordings = httpx.get(
        f"{region.base_url}/api/v1/recording/", headers={"Authorization": f"Token {region.api_key}"}
    ).json()["results"]
    return str(recordings[0]["id"])


def transcript_of(region: ServedRegion, recording_id: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Ask for a transcript and wait until it is done (a served region: real time passes)."""
    headers = {"Authorization": f"Token {region.api_key}"}
    with httpx.Client(base_url=region.base_url, headers=headers, timeout=30) as api:
        created = api.post(f"/api/v1/recording/{recording_id}/create_transcript/", json=body)
        assert created.status_code == 200, created.text
        deadline = time.monotonic() + 300
        while True:
            transcript = api.get(f"/api/v1/transcript/{created.json()['id']}/").json()
            if transcript["status"]["code"] != "processing":
                break
            assert time.monotonic() < deadline, "the transcript never finished"
            time.sleep(0.2)
        assert transcript["status"]["code"] == "done", transcript["status"]
        download: list[dict[str, Any]] = api.get(transcript["data"]["download_url"]).json()
        return download


BODY = {"provider": {"recallai_async": {"language_code": "en"}}}


@pytest.mark.served
def test_upload_with_words_gives_a_transcript_of_exactly_those_words(tmp_path: Path) -> None:
    files = {"json": json.dumps(DOWNLOAD), "vtt": WEBVTT, "srt": SRT}
    with served(Settings(seed=21, data_dir=tmp_path / "data")) as region:
        for n, (kind, text) in enumerate(files.items()):
            words = tmp_path / f"words.{kind}"
            words.write_text(text)
            # The JSON goes with an MP4 (a mov_text track is added), the captions with MP3s (an ID3 tag).
            media = tmp_path / f"meeting-{n}.{'mp4' if kind == 'json' else 'mp3'}"
            media.write_bytes(make_mp4(4.0) if kind == "json" else make_mp3(4.0))
            recording_id = upload(region, media, "--transcript", str(words))
            download = transcript_of(region, recording_id, BODY)
            assert said(download) == in_file(words), kind
            if kind == "json":
                assert [s["participant"] for s in download] == [ADA, GRACE]
            else:
                assert [s["participant"]["id"] for s in download] == [1, 2]


@pytest.mark.served
def test_an_uploaded_mp3_of_spoken_english_is_recognised(tmp_path: Path) -> None:
    require_program("espeak-ng", "espeak-ng")
    media = spoken_mp3(tmp_path / "spoken.mp3")
    with served(Settings(seed=22, data_dir=tmp_path / "data")) as region:
        recording_id = upload(region, media)
        download = transcript_of(region, recording_id, BODY)
    heard = normalised(" ".join(text for _, text, _, _ in said(download)))
    assert jiwer.wer(script_words(), heard) <= SENTENCES_WER
