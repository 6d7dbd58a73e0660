"""Voiced recordings: espeak-ng speaks the script's words in each participant's own voice, the speech
track stays the script's, the same script gives the same bytes, and a missing synthesiser is named."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from recall_sim.recorder.media import STANDARD, TINY, MeetingEncoder, get_profile
from recall_sim.recorder.media.profiles import voiced
from recall_sim.recorder.media.voices import SynthesiserMissing, VoicedAudio, speak, voice_of
from recall_sim.recorder.meetings import load_meeting
from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.programs import require_program


def encoded(profile_name: str, meeting: str = "one-on-one") -> tuple[bytes, list[dict[str, object]]]:
    script = load_meeting(meeting)
    segments: list[bytes] = []
    encoder = MeetingEncoder(
        script, get_profile(profile_name), kind="mp3", on_segment=lambda s: segments.append(s.data)
    )
    summary = encoder.close(script.duration)
    return b"".join(segments[i] for i in summary.concatenation), summary.speech_json()


def decoded(data: bytes, tmp_path: Path) -> np.ndarray:
    path = tmp_path / "decoded.mp3"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])


def test_a_voiced_profile_is_named_so_a_recovered_recording_is_captured_the_same_way() -> None:
    assert get_profile("tiny+voices") == voiced(TINY)
    assert get_profile("standard+voices").voices
    assert get_profile(voiced(STANDARD).name) == voiced(STANDARD)
    assert not get_profile("tiny").voices
    with pytest.raises(ValueError, match="unknown media profile"):
        get_profile("huge+voices")


def test_voiced_media_speaks_deterministically_and_keeps_the_speech_track(tmp_path: Path) -> None:
    require_program("espeak-ng", "espeak-ng")
    placeholder, placeholder_speech = encoded("tiny")
    first, speech = encoded("tiny+voices")
    again, _ = encoded("tiny+voices")
    assert first == again
    assert first != placeholder
    # Transcripts are made from the speech track: the script's words, exactly as without voices.
    assert speech == placeholder_speech
    # The sound is espeak-ng's: where the first utterance is spoken, the samples are its voice's.
    script = load_meeting("one-on-one")
    opening = script.utterances[0]
    samples = decoded(first, tmp_path)
    begin = round(opening.words[0].start * TINY.sample_rate)
    assert float(np.abs(samples[begin : begin + TINY.sample_rate // 2]).max()) > 0.05


def test_each_participant_speaks_in_a_voice_of_their_own() -> None:
    script = load_meeting("standup")
    voices = {voice_of(script, p.id) for p in script.participants}
    assert len(voices) == len(script.participants)


def test_voices_render_the_same_samples_however_the_range_is_cut() -> None:
    require_program("espeak-ng", "espeak-ng")
    script = load_meeting("one-on-one")
    audio = VoicedAudio(script, 8000, 0.0)
    whole = audio.render(0, 8000 * 6)
    parts = np.concatenate([audio.render(n, 1000) for n in range(0, 8000 * 6, 1000)])
    assert np.array_equal(whole, parts)
    assert np.array_equal(audio.render(0, 8000 * 6, blank=[(0.0, 6.0)]), np.zeros(8000 * 6, np.float32))
    assert speak("hello", "en-us", 50, 160, 8000).size > 0


def test_without_the_synthesiser_a_voiced_recording_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without espeak-ng
    with pytest.raises(SynthesiserMissing, match="apt-get install espeak-ng"):
        VoicedAudio(load_meeting("one-on-one"), 8000, 0.0)
    result = CliRunner().invoke(build_app(), ["record", "--voices", "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "apt-get install espeak-ng" in result.output
    assert "Traceback" not in result.output
