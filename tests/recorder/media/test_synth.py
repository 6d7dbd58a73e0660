"""Synthetic content: pure functions of script, profile and time; voices and tiles tell people apart."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from recall_sim.recorder.media import STANDARD, TINY, MediaProfile, get_profile
from recall_sim.recorder.media.synth import AudioSynth, Scene, Tile, VideoSynth, participant_colour, voice_for
from tests.recorder.media.support import SR, dominant_frequency, meeting, rms


def test_audio_does_not_depend_on_how_it_is_chunked() -> None:
    synth = AudioSynth(meeting(), SR, start_at=0.5)
    whole = synth.render(0, 10 * SR, [(3.0, 4.0)])
    parts = np.concatenate(
        [synth.render(a, b - a, [(3.0, 4.0)]) for a, b in [(0, 777), (777, 40_000), (40_000, 80_000)]]
    )
    assert np.array_equal(whole, parts)
    assert rms(whole[3 * SR : 4 * SR]) == 0.0
    assert rms(whole[int(1.0 * SR) : int(2.5 * SR)]) > 0.03
    assert np.abs(whole).max() <= 1.0


def test_each_voice_has_its_own_pitch_and_timbre() -> None:
    voices = [voice_for(pid) for pid in (100, 200, 300, 400, 500)]
    pitches = sorted(v.f0 for v in voices)
    assert all(b / a > 1.05 for a, b in itertools.pairwise(pitches))
    assert all(110 <= v.f0 <= 340 for v in voices)
    for v in voices:
        assert v.harmonics[0] == max(v.harmonics)
        assert sum(v.harmonics) == pytest.approx(1.0)
    assert voice_for(100) == voice_for(100)
    script = meeting()
    synth = AudioSynth(script, SR, start_at=0.0)
    first = script.utterances[0]
    audio = synth.render(round(first.start * SR), round((first.end - first.start) * SR))
    assert dominant_frequency(audio) == pytest.approx(voice_for(first.participant_id).f0, rel=0.05)


def test_tiles_show_presence_webcam_speaker_and_share() -> None:
    script = meeting()
    video = VideoSynth(script, STANDARD, start_at=0.0)
    early = video.scene_at(1.2)  # Ada speaks with her webcam on; Cy is there, camera off; Bob not yet
    assert early == Scene(tiles=(Tile(100, True, True), Tile(300, False, False)), sharer=None)
    image = video.render(early)
    colours = {tuple(int(c) for c in px) for px in image.reshape(-1, 3)}
    assert participant_colour(100) in colours
    assert (255, 214, 10) in colours  # the active speaker's border
    share = video.scene_at(14.0)
    assert share.sharer == 300
    shared = video.render(share)
    assert (shared[40:300, 20:400] == 236).all(axis=-1).mean() > 0.5  # a large light document area
    assert video.render(None).max() == 0
    assert video.scene_for(1.0, blank=[(0.5, 2.0)]) is None


def test_an_uncapturable_window_keeps_its_last_picture() -> None:
    script = meeting()
    blocked = type(script)(**{**script.__dict__, "uncapturable": ((12.0, 20.0),)})
    video = VideoSynth(blocked, TINY, start_at=0.0)
    assert video.scene_for(15.0) == video.scene_at(11.999)
    assert video.scene_for(20.0) == video.scene_at(20.0)
    late = VideoSynth(blocked, TINY, start_at=13.0)  # recording began while it was hidden
    assert late.scene_for(1.0) is None


def test_profiles() -> None:
    assert get_profile("tiny") is TINY
    assert (TINY.gop, TINY.fragments_per_segment, TINY.ticks_per_frame) == (2, 10, 4000)
    assert STANDARD.x264_options()["x264-params"] == "keyint=30:min-keyint=30:scenecut=0"
    with pytest.raises(ValueError, match="unknown media profile"):
        get_profile("huge")
    fields = {**TINY.__dict__}
    with pytest.raises(ValueError, match="even"):
        MediaProfile(**{**fields, "width": 95})
    with pytest.raises(ValueError, match="divide"):
        MediaProfile(**{**fields, "fps": 3})
    with pytest.raises(ValueError, match="whole"):
        MediaProfile(**{**fields, "fragment_duration": 0.75})
