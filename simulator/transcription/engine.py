"""The simulated transcription engine: it hears the words the recorder wrote into the media's speech
track (README, "The speech track") and returns them as the chosen provider would.

`hear` reads the media (blocking, so a served region runs it on a worker thread); `transcribe` is pure:
the same words, request and context always give the same transcript. Failures carry a `sub_code`, as
the transcript's status shows it:

- `media_no_audio`: the media has no audio stream, so there is nothing to transcribe;
- `speech_track_missing`: the media has audio but no speech track, so it cannot be heard here; the
  transcript job then recognises its audio instead (listening.py), so no transcript fails with it (a
  speech track with no utterances is a silent meeting: an empty transcript, not a failure);
- `language_not_supported`: the provider does not transcribe the requested language;
- `provider_request_rejected`: the provider refused the options Recall forwarded (option_rules.py);
- the media checks' own sub codes (`media_corrupt`, `media_truncated`, ...) for unreadable media.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from recall_sim.seams import isoformat
from recall_sim.simulator.errors import TranscriptionFailed
from recall_sim.simulator.processing.containers import MediaRejected, inspect_container
from recall_sim.simulator.processing.speech import read_speech_track
from recall_sim.simulator.transcription.diarization import HeardWord, Participant, attribute, voice_numbers
from recall_sim.simulator.transcription.option_rules import REFUSED_SUB_CODE, refusal
from recall_sim.simulator.transcription.provider_data import ProviderWord, provider_data, provider_error
from recall_sim.simulator.transcription.providers import ASYNC_PROVIDERS, DETECTED_LANGUAGE, AsyncProvider
from recall_sim.simulator.transcription.wording import mask, respell

__all__ = [
    "Transcription",
    "TranscriptionContext",
    "TranscriptionFailed",
    "TranscriptionRequest",
    "hear",
    "transcribe",
    "transcript_download",
]


@dataclass(frozen=True)
class TranscriptionRequest:
    provider: str
    options: dict[str, Any]
    diarization: dict[str, Any] | None = None


@dataclass(frozen=True)
class TranscriptionContext:
    """What the region knows about the recording besides its media."""

    #: the recording's start, which relative times count from
    started_at: datetime
    duration: float
    #: the participant_events artifact's speaker timeline ([] without participant events)
    timeline: Sequence[dict[str, Any]] = ()
    #: the recording has no participant data (desktop audio, Slack): speakers are Host and Guest
    roles: bool = False
    #: the provider's id for this job, shown in its raw output
    job_id: str = ""


@dataclass(frozen=True)
class Transcription:
    #: the transcript download: one entry per contiguous speaker segment
    download: list[dict[str, Any]]
    provider_data: dict[str, Any]
    language: str
    words: list[tuple[str, float, float, Participant]] = field(default_factory=list)


def _participant(raw: dict[str, Any]) -> Participant:
    return {
        "id": raw.get("id"),
        "name": raw.get("name"),
        "is_host": bool(raw.get("is_host", False)),
        "platform": raw.get("platform", "unknown"),
        "extra_data": raw.get("extra_data") or {},
        "email": raw.get("email"),
    }


def hear(path: Path) -> list[HeardWord]:
    """Every word of the media's speech track, in time order. Raises TranscriptionFailed."""
    import av  # PyAV loads on first use: `recall-sim serve` answers its first request without it

    try:
        report = inspect_container(path)
        with av.open(str(path)) as container:
            has_audio = bool(container.streams.audio)
        if not has_audio:
            raise TranscriptionFailed("media_no_audio", "The recording's media has no audio.")
        utterances = read_speech_track(path, report)
    except MediaRejected as rejected:
        raise TranscriptionFailed(rejected.sub_code, rejected.detail) from None
    except av.error.FFmpegError as error:
        raise TranscriptionFailed("media_corrupt", f"The media cannot be opened: {error}") from None
    if utterances is None:
        raise TranscriptionFailed("speech_track_missing", "The media has no speech track.")
    heard = [
        HeardWord(
            str(w["text"]),
            float(w["start"]),
            float(w.get("end", w["start"])),
            _participant(u["participant"]),
            i,
        )
        for i, u in enumerate(utterances)
        for w in u["words"]
    ]
    return sorted(heard, key=lambda w: (w.start, w.utterance))


def _methods(request: TranscriptionRequest, provider: AsyncProvider) -> list[str]:
    priority = (request.diarization or {}).get("algorithm_priority")
    if priority:
        return list(priority)
    if provider.labels_on_request and provider.speaker_labels(request.options):
        return ["machine"]
    return ["speaker_timeline"]


def _stamp(started_at: datetime, relative: float) -> dict[str, Any]:
    # The same rendering as the participant-events downloads of the same recording.
    absolute = isoformat(started_at + timedelta(seconds=relative))
    return {"relative": round(relative, 6), "absolute": absolute}


def transcript_download(
    words: Sequence[tuple[str, float, float, Participant]], started_at: datetime
) -> list[dict[str, Any]]:
    """The transcript download (contract section 4): one entry per contiguous speaker segment."""
    out = []
    for _, group in groupby(words, key=lambda w: (w[3].get("id"), w[3].get("name"))):
        run = list(group)
        out.append(
            {
                "participant": run[0][3],
                "words": [
                    {
                        "text": text,
                        "start_timestamp": _stamp(started_at, start),
                        "end_timestamp": _stamp(started_at, end),
                    }
                    for text, start, end, _ in run
                ],
            }
        )
    return out


def transcribe(
    heard: Sequence[HeardWord], request: TranscriptionRequest, context: TranscriptionContext
) -> Transcription:
    """The transcript `request`'s provider makes of `heard`. Raises TranscriptionFailed."""
    provider = ASYNC_PROVIDERS[request.provider]
    options = request.options
    requested = provider.language(options)
    if requested is not None and not provider.supports(requested):
        message = f"{request.provider} does not support the language {requested!r}."
        raise TranscriptionFailed(
            "language_not_supported", message, provider_error(request.provider, message, context.job_id)
        )
    refused = refusal(request.provider, options)
    if refused is not None:
        raise TranscriptionFailed(
            REFUSED_SUB_CODE, refused, provider_error(request.provider, refused, context.job_id)
        )
    language = requested or DETECTED_LANGUAGE
    spellings = provider.spelling(options)
    masking = provider.masks_profanity(options)

    def rewrite(text: str) -> str:
        text = respell(text, spellings)
        return mask(text) if masking else text

    labels = provider.speaker_labels(options)
    speakers = attribute(
        heard,
        _methods(request, provider),
        timeline=context.timeline,
        roles=context.roles,
        label=provider.label if labels else None,
    )
    words = [(rewrite(w.text), w.start, w.end, speaker) for w, speaker in zip(heard, speakers, strict=True)]
    raw_words = [
        ProviderWord(text, start, end, provider.label(voice) if labels else None, h.utterance)
        for (text, start, end, _), h, voice in zip(words, heard, voice_numbers(heard), strict=True)
    ]
    raw = provider_data(
        request.provider,
        raw_words,
        language=language,
        duration=context.duration,
        job_id=context.job_id,
        options=options,
    )
    return Transcription(
        download=transcript_download(words, context.started_at),
        provider_data=raw,
        language=language,
        words=words,
    )
