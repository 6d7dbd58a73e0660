"""The provider-data download: the raw result each provider returns, before Recall normalises it.

Recall keeps the provider's own response (`data.provider_data_download_url`) so integrations can read
features its normalised transcript drops. Each builder returns the core of that provider's documented
result shape (times in the provider's units: AssemblyAI milliseconds, the others seconds); the simulated
engine hears perfectly, so every confidence is 1.0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

__all__ = ["ProviderWord", "provider_data", "provider_error"]


@dataclass(frozen=True)
class ProviderWord:
    text: str
    start: float
    end: float
    #: the provider's speaker label, when it labelled speakers
    label: str | None
    #: the heard utterance it belongs to (providers group words into utterances by voice and pause)
    utterance: int


Builder = Callable[[Sequence[ProviderWord], str, float, str, dict[str, Any]], dict[str, Any]]


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _utterances(words: Sequence[ProviderWord]) -> Iterator[list[ProviderWord]]:
    for _, group in groupby(words, key=lambda w: w.utterance):
        yield list(group)


def _text(words: Sequence[ProviderWord]) -> str:
    return " ".join(w.text for w in words)


def _assembly_ai(
    words: Sequence[ProviderWord], language: str, duration: float, job_id: str, options: dict[str, Any]
) -> dict[str, Any]:
    def word(w: ProviderWord) -> dict[str, Any]:
        return {
            "text": w.text,
            "start": _ms(w.start),
            "end": _ms(w.end),
            "confidence": 1.0,
            "speaker": w.label,
        }

    labelled = any(w.label is not None for w in words)
    return {
        "id": job_id,
        "status": "completed",
        "language_code": language,
        "audio_duration": round(duration),
        "speech_model": options.get("speech_model", "best"),
        "text": _text(words),
        "confidence": 1.0,
        "words": [word(w) for w in words],
        "utterances": [
            {
                "speaker": u[0].label,
                "start": _ms(u[0].start),
                "end": _ms(u[-1].end),
                "text": _text(u),
                "confidence": 1.0,
                "words": [word(w) for w in u],
            }
            for u in _utterances(words)
        ]
        if labelled
        else None,
    }


def _recallai(
    words: Sequence[ProviderWord], language: str, duration: float, job_id: str, _: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": job_id,
        "language_code": language,
        "duration": duration,
        "words": [{"text": w.text, "start": w.start, "end": w.end, "confidence": 1.0} for w in words],
    }


def _deepgram(
    words: Sequence[ProviderWord], language: str, duration: float, job_id: str, options: dict[str, Any]
) -> dict[str, Any]:
    def word(w: ProviderWord) -> dict[str, Any]:
        out: dict[str, Any] = {
            "word": w.text.lower().strip(".,!?;:"),
            "start": w.start,
            "end": w.end,
            "confidence": 1.0,
            "punctuated_word": w.text,
        }
        if w.label is not None:
            out["speaker"] = int(w.label)
        return out

    channel: dict[str, Any] = {
        "alternatives": [{"transcript": _text(words), "confidence": 1.0, "words": [word(w) for w in words]}]
    }
    if options.get("detect_language"):
        channel["detected_language"] = language
    return {
        "metadata": {
            "request_id": job_id,
            "duration": duration,
            "channels": 1,
            "models": [options.get("model", "base-general")],
        },
        "results": {"channels": [channel]},
    }


def _gladia(
    words: Sequence[ProviderWord], language: str, duration: float, job_id: str, _: dict[str, Any]
) -> dict[str, Any]:
    def utterance(u: list[ProviderWord]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": u[0].start,
            "end": u[-1].end,
            "confidence": 1.0,
            "channel": 0,
            "language": language,
            "text": _text(u),
            "words": [{"word": w.text, "start": w.start, "end": w.end, "confidence": 1.0} for w in u],
        }
        if u[0].label is not None:
            out["speaker"] = int(u[0].label)
        return out

    return {
        "id": job_id,
        "status": "done",
        "result": {
            "metadata": {"audio_duration": duration, "number_of_distinct_channels": 1},
            "transcription": {
                "full_transcript": _text(words),
                "languages": [language],
                "utterances": [utterance(u) for u in _utterances(words)],
            },
        },
    }


def _speechmatics(
    words: Sequence[ProviderWord], language: str, duration: float, job_id: str, options: dict[str, Any]
) -> dict[str, Any]:
    config = options.get("transcription_config") or {}
    return {
        "format": "2.9",
        "job": {"id": job_id, "duration": round(duration)},
        "metadata": {
            "type": "transcription",
            "transcription_config": {"language": language, "diarization": config.get("diarization", "none")},
        },
        "results": [
            {
                "type": "word",
                "start_time": w.start,
                "end_time": w.end,
                "alternatives": [
                    {"content": w.text, "confidence": 1.0, "language": language, "speaker": w.label or "UU"}
                ],
            }
            for w in words
        ],
    }


def _rev(
    words: Sequence[ProviderWord], language: str, duration: float, job_id: str, _: dict[str, Any]
) -> dict[str, Any]:
    monologues = []
    for label, group in groupby(words, key=lambda w: w.label):
        elements: list[dict[str, Any]] = []
        for w in group:
            if elements:
                elements.append({"type": "punct", "value": " "})
            elements.append(
                {"type": "text", "value": w.text, "ts": w.start, "end_ts": w.end, "confidence": 1.0}
            )
        monologues.append({"speaker": int(label) if label is not None else 0, "elements": elements})
    return {"id": job_id, "language": language, "duration_seconds": duration, "monologues": monologues}


_BUILDERS: dict[str, Builder] = {
    "assembly_ai_async": _assembly_ai,
    "assembly_ai_async_chunked": _assembly_ai,
    "recallai_async": _recallai,
    "deepgram_async": _deepgram,
    "gladia_v2_async": _gladia,
    "speechmatics_async": _speechmatics,
    "rev_async": _rev,
}


def provider_data(
    provider: str,
    words: Sequence[ProviderWord],
    *,
    language: str,
    duration: float,
    job_id: str,
    options: dict[str, Any],
) -> dict[str, Any]:
    return _BUILDERS[provider](words, language, duration, job_id, options)


#: each provider's error response, the message where the provider puts it
_ERRORS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "assembly_ai_async": lambda job, message: {"id": job, "status": "error", "error": message},
    "assembly_ai_async_chunked": lambda job, message: {"id": job, "status": "error", "error": message},
    "recallai_async": lambda job, message: {"id": job, "status": "error", "error": message},
    "deepgram_async": lambda job, message: {
        "err_code": "Bad Request",
        "err_msg": message,
        "request_id": job,
    },
    "gladia_v2_async": lambda job, message: {
        "id": job,
        "status": "error",
        "error_code": 400,
        "result": None,
        "message": message,
    },
    "speechmatics_async": lambda job, message: {"code": 400, "error": "Job rejected", "detail": message},
    "rev_async": lambda job, message: {
        "id": job,
        "status": "failed",
        "failure": "invalid_request",
        "failure_detail": message,
    },
}


def provider_error(provider: str, message: str, job_id: str) -> dict[str, Any]:
    """The provider's own error response when it refused to transcribe (the provider-data download of
    a failed transcript), carrying its message; a streaming provider answers `{"error": message}`."""
    build = _ERRORS.get(provider)
    return build(job_id, message) if build else {"provider": provider, "error": message}
