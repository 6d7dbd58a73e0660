"""What a transcript job hears: the media's speech track, or, for media without one, the recogniser.

The recorder's media carries its words in a speech track (engine.hear reads it, instantly and exactly).
Media from anywhere else (a partner's own recording uploaded with `recall-sim upload`) has audio but no
speech track, so its words are recognised for real (recognition.py), which takes time, as it does at
Recall's providers.

How that time reaches the transcript. The transcript must not be `done` before its recognition could
have finished, on the region's clock:

- the recogniser's cost is modelled as `RECOGNITION_SECONDS_PER_MEDIA_SECOND` seconds per second of
  media (what benchmarks/speech_recognition.py measured, rounded up);
- a served region recognises on a worker thread (requests keep flowing) and its clock moves on meanwhile;
  a region on virtual time recognises in place, where the clock stands still. Either way the job then
  compares the time that passed on the region's clock with the modelled cost, and when the model says
  recognition is not finished yet, it keeps the words and comes back when it is (a job of its own, due
  then: other jobs run meanwhile). So a slow machine shows its own time in a served region, and a run on
  virtual time finishes at the same simulated moment whatever machine it runs on, with no thread: the
  test suite's rule that code on virtual time hands no work to a thread holds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.transcription.diarization import HeardWord
from recall_sim.simulator.transcription.engine import TranscriptionFailed, hear

__all__ = ["RECOGNITION_SECONDS_PER_MEDIA_SECOND", "Listening", "recognised_key"]

#: the recogniser's modelled cost; benchmarks/speech_recognition.py prints the measured speed
RECOGNITION_SECONDS_PER_MEDIA_SECOND = 0.5


#: a job due at `ready_at` may read a clock a hair short of it (float sums)
_CLOCK_RESOLUTION = 1e-6


# The recogniser (numpy and PyAV) loads on first use, so `recall-sim serve` answers its first request
# without it.


def recognise(path: Path) -> list[HeardWord]:
    """The words spoken in the media's audio (recognition.py)."""
    from recall_sim.simulator.transcription import recognition

    return recognition.recognise(path)


def heard_json(words: list[HeardWord]) -> list[dict[str, Any]]:
    from recall_sim.simulator.transcription import recognition

    return recognition.heard_json(words)


def heard_from_json(kept: list[dict[str, Any]]) -> list[HeardWord]:
    from recall_sim.simulator.transcription import recognition

    return recognition.heard_from_json(kept)


def recognised_key(recording_id: str, transcript_id: str) -> str:
    """Where the recognised words wait for the modelled recognition time to pass."""
    return f"recordings/{recording_id}/transcript/{transcript_id}/recognised.json"


class Listening:
    def __init__(self, ctx: Context, job_kind: str) -> None:
        self.ctx = ctx
        #: the job that comes back once recognition is modelled to be over
        self.job_kind = job_kind

    async def heard(
        self, recording_id: str, transcript_id: str, path: Path, duration: float
    ) -> list[HeardWord] | None:
        """The words of the media, in time order; None when the recogniser is still at work (the job
        is scheduled again for when it is done). Raises TranscriptionFailed."""
        try:
            return await self.ctx.offload(hear, path)
        except TranscriptionFailed as failed:
            if failed.sub_code != "speech_track_missing":
                raise
        key = recognised_key(recording_id, transcript_id)
        if self.ctx.blobs.exists(key):
            kept = json.loads(self.ctx.blobs.read_bytes(key))
            return self._when_ready(key, transcript_id, heard_from_json(kept["words"]), kept["ready_at"])
        import av

        began = self.ctx.clock.timestamp()
        try:
            words = await self.ctx.offload(recognise, path)
        except av.error.FFmpegError as error:
            detail = f"The media's audio cannot be decoded: {error}"
            raise TranscriptionFailed("media_corrupt", detail) from None
        ready_at = began + RECOGNITION_SECONDS_PER_MEDIA_SECOND * duration
        if ready_at <= self.ctx.clock.timestamp():
            return words
        # Kept with the moment they are ready, so a job run again after a crash waits the same.
        self.ctx.blobs.write_bytes(
            key, json.dumps({"ready_at": ready_at, "words": heard_json(words)}).encode()
        )
        return self._when_ready(key, transcript_id, words, ready_at)

    def _when_ready(
        self, key: str, transcript_id: str, words: list[HeardWord], ready_at: float
    ) -> list[HeardWord] | None:
        remaining = ready_at - self.ctx.clock.timestamp()
        if remaining <= _CLOCK_RESOLUTION:
            self.ctx.blobs.delete(key)
            return words
        with self.ctx.unit_of_work():
            self.ctx.scheduler.schedule(self.job_kind, {"artifact_id": transcript_id}, delay=remaining)
        return None
