"""The engine on its own: speaker attribution when methods are missing, each provider's raw output
carrying the same words, and the option checker's reading of the providers' schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from recall_sim.scenarios.sample_media import make_mp3, make_mp4, utterance
from recall_sim.simulator.transcription.diarization import UNATTRIBUTED, HeardWord, participant
from recall_sim.simulator.transcription.engine import (
    TranscriptionContext,
    TranscriptionFailed,
    TranscriptionRequest,
    hear,
    transcribe,
)
from recall_sim.simulator.transcription.options import option_errors
from recall_sim.simulator.transcription.providers import ASYNC_PROVIDERS

ADA = participant(100, "Ada", is_host=True, platform="desktop")
BOB = participant(200, "Bob", platform="desktop")
HEARD = [
    HeardWord("hello", 0.5, 0.9, ADA, 0),
    HeardWord("there", 1.0, 1.3, ADA, 0),
    HeardWord("hi", 2.0, 2.2, BOB, 1),
]
TIMELINE = [
    {"participant": ADA, "start_timestamp": {"relative": 0.5}, "end_timestamp": {"relative": 1.3}},
    # Bob's speech_on comes late: his word is nearer his entry than Ada's
    {"participant": BOB, "start_timestamp": {"relative": 2.15}, "end_timestamp": {"relative": 2.2}},
]
CONTEXT = TranscriptionContext(started_at=datetime(2025, 1, 6, 9, tzinfo=UTC), duration=3.0, job_id="job")


def names(provider: str, options: dict[str, object], context: TranscriptionContext = CONTEXT) -> list[object]:
    result = transcribe(HEARD, TranscriptionRequest(provider, options, None), context)
    return [segment["participant"]["name"] for segment in result.download]


def test_speakers_come_from_the_timeline_else_the_listed_fallback_else_nobody() -> None:
    timed = TranscriptionContext(CONTEXT.started_at, 3.0, timeline=TIMELINE)
    assert names("assembly_ai_async", {}, timed) == ["Ada", "Bob"]
    # No participant events: the default method has nothing to go on.
    assert names("assembly_ai_async", {}) == [None]
    result = transcribe(HEARD, TranscriptionRequest("recallai_async", {}, None), CONTEXT)
    assert result.download[0]["participant"] == UNATTRIBUTED
    # A priority falling back to machine labels uses them where the timeline is missing.
    fallback = {"algorithm_priority": ["speaker_timeline", "machine"]}
    request = TranscriptionRequest("assembly_ai_async", {"speaker_labels": True}, fallback)
    assert [s["participant"]["name"] for s in transcribe(HEARD, request, CONTEXT).download] == ["A", "B"]
    # Rev labels speakers by default, but Recall uses machine labels only when the priority names them.
    assert names("rev_async", {}) == [None]
    rev = TranscriptionRequest("rev_async", {}, {"algorithm_priority": ["machine"]})
    assert [s["participant"]["name"] for s in transcribe(HEARD, rev, CONTEXT).download] == ["0", "1"]


def test_roles_name_host_and_guest_whatever_the_method() -> None:
    roles = TranscriptionContext(CONTEXT.started_at, 3.0, timeline=TIMELINE, roles=True)
    assert names("deepgram_async", {"diarize": True}, roles) == ["Host", "Guest"]


RAW_WORDS = {
    "assembly_ai_async": lambda raw: [w["text"] for w in raw["words"]],
    "assembly_ai_async_chunked": lambda raw: [w["text"] for w in raw["words"]],
    "recallai_async": lambda raw: [w["text"] for w in raw["words"]],
    "deepgram_async": lambda raw: [
        w["punctuated_word"] for w in raw["results"]["channels"][0]["alternatives"][0]["words"]
    ],
    "gladia_v2_async": lambda raw: [
        w["word"] for u in raw["result"]["transcription"]["utterances"] for w in u["words"]
    ],
    "speechmatics_async": lambda raw: [r["alternatives"][0]["content"] for r in raw["results"]],
    "rev_async": lambda raw: [
        e["value"] for m in raw["monologues"] for e in m["elements"] if e["type"] == "text"
    ],
}


@pytest.mark.parametrize("provider", sorted(ASYNC_PROVIDERS))
def test_every_providers_raw_output_carries_the_heard_words(provider: str) -> None:
    result = transcribe(HEARD, TranscriptionRequest(provider, {}, None), CONTEXT)
    assert RAW_WORDS[provider](result.provider_data) == ["hello", "there", "hi"]
    assert [w["text"] for s in result.download for w in s["words"]] == ["hello", "there", "hi"]


def test_the_option_checker_reads_the_reference_schemas() -> None:
    # Overlapping alternatives (a language enum beside any string) accept the listed value.
    assert option_errors("assembly_ai_async", {"language_code": "en", "speakers_expected": None}) is None
    assert option_errors("assembly_ai_async", {"content_safety_confidence": 10}) == {
        "content_safety_confidence": ["Ensure this value is greater than or equal to 25."]
    }
    assert option_errors("deepgram_async", {"detect_language": ["en", "fr"], "redact": ["pci"]}) is None
    assert option_errors("deepgram_async", {"redact": ["everything"]}) is not None
    assert option_errors("recallai_async", []) == ['Expected a dictionary of items but got type "list".']
    assert option_errors("recallai_async", {"spelling": [{"find": ["a"]}]}) == {
        "spelling": {"0": {"replace": ["This field is required."]}}
    }


def test_hearing_needs_audio_and_a_speech_track(tmp_path: Path) -> None:
    cases = {
        "media_no_audio": make_mp4(1.0, audio=False, speech=[]),
        "speech_track_missing": make_mp4(1.0),
        "media_truncated": make_mp4(1.0, speech=[])[:-100],
    }
    for sub_code, data in cases.items():
        path = tmp_path / f"{sub_code}.mp4"
        path.write_bytes(data)
        with pytest.raises(TranscriptionFailed) as failed:
            hear(path)
        assert failed.value.sub_code == sub_code
    silent = tmp_path / "silent.mp4"
    silent.write_bytes(make_mp4(1.0, speech=[]))
    assert hear(silent) == []
    spoken = tmp_path / "spoken.mp3"
    spoken.write_bytes(make_mp3(1.0, speech=[utterance(100, "Ada", [("hi", 0.2, 0.4)])]))
    assert [(w.text, w.start, w.end, w.voice["name"]) for w in hear(spoken)] == [("hi", 0.2, 0.4, "Ada")]
