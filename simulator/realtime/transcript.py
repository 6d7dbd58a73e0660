"""The streamed transcript: after the call, what the recorder streamed becomes the recording's transcript
artifact (provider: the upload's streaming provider), in the same download format as async transcripts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recall_sim.simulator.realtime.records import RealtimeSession
from recall_sim.simulator.transcription.engine import transcript_download

__all__ = ["streamed_transcript"]


def streamed_transcript(
    session: RealtimeSession | None, started_at: datetime, provider: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The transcript download and the provider data of everything streamed (nothing if the recorder
    never opened the channel). Every word received counts, final or not: the stream is what was heard."""
    utterances = [] if session is None else sorted(session.utterances.items(), key=lambda item: int(item[0]))
    words = sorted(
        (
            (str(w["text"]), float(w["start"]), float(w["end"]), u.participant)
            for _, u in utterances
            for w in u.words
        ),
        key=lambda w: w[1],
    )
    provider_data = {
        "provider": provider,
        "utterances": [
            {"utterance": int(n), "participant": u.participant, "words": u.words, "final": u.ended}
            for n, u in utterances
        ],
    }
    return transcript_download(words, started_at), provider_data
