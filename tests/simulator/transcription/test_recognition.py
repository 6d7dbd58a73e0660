"""Media with audio and no speech track (a partner's own recording) is transcribed by recognising its
audio: real words with times, speakers by channel, and the recogniser's time on the region's clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jiwer
import pytest

from recall_sim.scenarios.programs import require_program
from recall_sim.scenarios.spoken_media import SENTENCES, normalised, script_words, spoken_mp3
from recall_sim.seams import VirtualClock
from recall_sim.simulator.transcription.listening import RECOGNITION_SECONDS_PER_MEDIA_SECOND
from recall_sim.simulator.transcription.recognition import recognise
from tests.simulator.ingest.helpers import create_upload, event_types, record_and_upload
from tests.simulator.transcription.helpers import AUDIO_ONLY, SEED_BODY, create_transcript
from tests.support import Sim, make_sim

#: benchmarks/speech_recognition.py's word error rate on the spoken sentences (README, Transcription),
#: with room for one more word wrong
SENTENCES_WER = 0.45


@pytest.fixture
def said(tmp_path: Path) -> Path:
    require_program("espeak-ng", "espeak-ng")
    return spoken_mp3(tmp_path / "said.mp3")


def words_of(download: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    return [
        (w["text"], w["start_timestamp"]["relative"], w["end_timestamp"]["relative"])
        for segment in download
        for w in segment["words"]
    ]


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_spoken_audio_is_recognised_and_done_once_the_recogniser_would_be(sim: Sim, said: Path) -> None:
    upload = await create_upload(sim, AUDIO_ONLY)
    await record_and_upload(sim, said.read_bytes(), upload=upload, media_format="mp3")
    await sim.clock.sleep(1)
    api = sim.client()
    created = await create_transcript(api, upload["recording_id"], SEED_BODY)
    assert created.status_code == 200, created.text
    url = f"/api/v1/transcript/{created.json()['id']}/"
    duration = 10.0
    # On virtual time the recogniser runs in place; its modelled time then passes on the region's clock.
    await sim.clock.sleep(RECOGNITION_SECONDS_PER_MEDIA_SECOND * duration - 0.5)
    assert (await api.get(url)).json()["status"]["code"] == "processing"
    await sim.clock.sleep(1.0)
    transcript = (await api.get(url)).json()
    assert transcript["status"]["code"] == "done", transcript["status"]
    assert event_types(sim)[-1] == "transcript.done"
    download = (await api.get(transcript["data"]["download_url"])).json()
    # The same bytes give the same words: the region's recognition and this one agree exactly.
    assert words_of(download) == [(w.text, w.start, w.end) for w in recognise(said)]
    hypothesis = normalised(" ".join(text for text, _, _ in words_of(download)))
    assert jiwer.wer(script_words(), hypothesis) <= SENTENCES_WER
    # Times are where the sentences were said: the first word near 0.5 s, the second sentence after 5.5 s.
    times = [start for _, start, _ in words_of(download)]
    assert 0.3 <= times[0] <= 1.0
    assert any(t >= SENTENCES[1][0] for t in times)


def test_a_stereo_recording_is_told_apart_by_channel(tmp_path: Path) -> None:
    require_program("espeak-ng", "espeak-ng")
    path = spoken_mp3(tmp_path / "two.mp3", SENTENCES[:1], second_channel=SENTENCES[1:])
    heard = recognise(path)
    first = [w for w in heard if w.start < SENTENCES[1][0]]
    second = [w for w in heard if w.start >= SENTENCES[1][0]]
    assert first
    assert second
    assert {w.voice["name"] for w in first} == {"Channel 1"}
    assert {w.voice["name"] for w in second} == {"Channel 2"}
    assert next(w for w in first).voice["is_host"] is True


def test_the_same_signal_on_both_channels_is_one_speaker(tmp_path: Path) -> None:
    require_program("espeak-ng", "espeak-ng")
    heard = recognise(spoken_mp3(tmp_path / "both.mp3", SENTENCES[:1], seconds=5.0, stereo=True))
    assert heard
    # Nothing in the audio tells speakers apart: one voice, with no name to give it.
    assert {(w.voice["id"], w.voice["name"]) for w in heard} == {(1, None)}


async def test_a_restart_while_recognition_is_under_way_keeps_its_words_and_its_moment(
    clock: VirtualClock, tmp_path: Path
) -> None:
    require_program("espeak-ng", "espeak-ng")
    said = spoken_mp3(tmp_path / "said.mp3", SENTENCES[:1], seconds=5.0)
    sim = make_sim(clock, tmp_path / "region", "sqlite")
    await sim.region.start()
    upload = await create_upload(sim, AUDIO_ONLY)
    await record_and_upload(sim, said.read_bytes(), upload=upload, media_format="mp3")
    await clock.sleep(1)
    created = (await create_transcript(sim.client(), upload["recording_id"], SEED_BODY)).json()
    began = clock.timestamp()
    await clock.sleep(1)  # recognised; the modelled time (2.5 s) has not passed yet
    await sim.aclose()
    restarted = sim.restart()
    await restarted.region.start()
    try:
        url = f"/api/v1/transcript/{created['id']}/"
        assert (await restarted.client().get(url)).json()["status"]["code"] == "processing"
        await clock.sleep(RECOGNITION_SECONDS_PER_MEDIA_SECOND * 5.0)
        transcript = (await restarted.client().get(url)).json()
        assert transcript["status"]["code"] == "done"
        done_at = datetime.fromisoformat(transcript["status"]["updated_at"].replace("Z", "+00:00"))
        assert done_at.timestamp() == pytest.approx(began + RECOGNITION_SECONDS_PER_MEDIA_SECOND * 5.0)
        download = (await restarted.client().get(transcript["data"]["download_url"])).json()
        assert words_of(download) == [(w.text, w.start, w.end) for w in recognise(said)]
    finally:
        await restarted.aclose()
        restarted.close()
