"""The region's media analysis reads an MP4's speech track in the same demux pass as its audio and video:
the utterances, the duration and the refusals are the same as reading each on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.scenarios.sample_media import make_mp3, make_mp4, media_duration, utterance
from recall_sim.simulator.processing.containers import MediaRejected, inspect_container
from recall_sim.simulator.processing.media import analyse_media
from recall_sim.simulator.processing.speech import read_speech_track

SPEECH = [
    utterance(1, "Ada", [("first", 0.2, 0.6), ("hello", 0.7, 1.1)], is_host=True),
    utterance(2, "Grace", [("second", 1.5, 1.9), ("words", 2.0, 2.4)]),
]


@pytest.mark.parametrize("fragmented", [True, False])
def test_an_mp4s_speech_is_read_in_the_media_pass(tmp_path: Path, fragmented: bool) -> None:
    path = tmp_path / "r.mp4"
    data = make_mp4(3.0, fragmented=fragmented, speech=SPEECH)
    path.write_bytes(data)
    report = analyse_media(path)
    on_its_own = read_speech_track(path, inspect_container(path))
    assert report.utterances == on_its_own
    assert [u["words"][0]["text"] for u in report.utterances] == ["first", "second"]
    assert report.duration == pytest.approx(media_duration(data), abs=0.01)
    assert report.has_video
    assert report.has_audio


def test_an_mp4_without_a_speech_track_has_no_utterances(tmp_path: Path) -> None:
    path = tmp_path / "r.mp4"
    path.write_bytes(make_mp4(2.0))
    assert analyse_media(path).utterances == []


def test_an_mp3s_speech_tag_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.mp3"
    path.write_bytes(make_mp3(2.0, speech=SPEECH))
    report = analyse_media(path)
    assert report.kind == "mp3"
    assert [u["words"][0]["text"] for u in report.utterances] == ["first", "second"]


def test_a_speech_sample_that_is_not_json_refuses_the_media(tmp_path: Path) -> None:
    path = tmp_path / "r.mp4"
    broken = [utterance(1, "Ada", [("x", 0.1, 0.3)])]
    data = make_mp4(2.0, speech=broken)
    marker = b'"words": ['
    assert data.count(marker) == 1
    path.write_bytes(data.replace(marker, b'"words": {'))  # same length: the container stays whole
    with pytest.raises(MediaRejected) as refused:
        analyse_media(path)
    assert refused.value.sub_code == "speech_track_invalid"
