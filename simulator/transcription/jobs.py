"""The `transcribe_recording` job: one async transcript, from `processing` to `done` or `failed`.

`create_transcript` (backend/transcripts.py) stores the transcript artifact and schedules this job in
the same unit of work, due after a delay proportional to the media's length. The job hears the media,
writes the transcript and provider-data downloads, and records `transcript.done`; or records
`transcript.failed` with the engine's sub code. Like every job it lives in the store, so a region
restarted on its data directory finishes what was pending; and it acts only on a transcript still
`processing`, so running it twice changes nothing twice.
"""

from __future__ import annotations

import json
from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.events import artifact_event, record_event
from recall_sim.simulator.backend.recordings import Recordings, subject_of
from recall_sim.simulator.records import Artifact, RecordingRecord, Status
from recall_sim.simulator.scheduler import Job
from recall_sim.simulator.transcription.engine import (
    TranscriptionContext,
    TranscriptionFailed,
    TranscriptionRequest,
    transcribe,
)
from recall_sim.simulator.transcription.listening import Listening
from recall_sim.simulator.transcription.sources import RecordingSources

__all__ = ["TRANSCRIBE", "TranscriptJobs", "transcript_blob_keys"]

TRANSCRIBE = "transcribe_recording"


def transcript_blob_keys(recording_id: str, transcript_id: str) -> dict[str, str]:
    base = f"recordings/{recording_id}/transcript/{transcript_id}"
    return {"download": f"{base}/transcript.json", "provider_data": f"{base}/provider_data.json"}


class TranscriptJobs:
    def __init__(self, ctx: Context, recordings: Recordings, sources: RecordingSources) -> None:
        self.ctx = ctx
        self.recordings = recordings
        self.sources = sources
        self.listening = Listening(ctx, TRANSCRIBE)
        ctx.scheduler.register(TRANSCRIBE, self.transcribe_recording)

    def _pending(self, artifact_id: str) -> Artifact | None:
        artifact = self.recordings.artifacts.get(artifact_id)
        if artifact is None or artifact.kind != "transcript" or artifact.status.code != "processing":
            return None
        return artifact

    async def transcribe_recording(self, job: Job) -> None:
        artifact = self._pending(job.payload["artifact_id"])
        recording = None if artifact is None else self.recordings.records.get(artifact.recording_id)
        if artifact is None or recording is None or not artifact.provider:
            return
        ((provider, options),) = artifact.provider.items()
        request = TranscriptionRequest(provider, dict(options), artifact.diarization)
        media = self.sources.media_of(recording)
        try:
            if media is None:
                raise TranscriptionFailed("media_unavailable", "The recording's media is gone.")
            path = self.ctx.blobs.path(media.blob)
            heard = await self.listening.heard(recording.id, artifact.id, path, media.duration)
            if heard is None:
                return  # the recogniser is still at work: the job comes back when it is done
            context = TranscriptionContext(
                started_at=recording.started_at or recording.created_at,
                duration=media.duration,
                timeline=self.sources.speaker_timeline_of(recording),
                roles=not self.sources.has_participant_data(recording),
                job_id=str(artifact.data.get("provider_job_id", "")),
            )
            result = transcribe(heard, request, context)
        except TranscriptionFailed as failed:
            # A provider that refused the job answered with an error: that answer is its provider data.
            blobs: dict[str, Any] = {}
            if failed.provider_response is not None:
                key = transcript_blob_keys(recording.id, artifact.id)["provider_data"]
                self.ctx.blobs.write_bytes(key, json.dumps(failed.provider_response).encode())
                blobs["provider_data"] = key
            status = Status(code="failed", sub_code=failed.sub_code, updated_at=self.ctx.now())
            if not self._finish(artifact.id, recording, status, blobs):
                for key in blobs.values():
                    self.ctx.blobs.delete(key)
            return
        keys = transcript_blob_keys(recording.id, artifact.id)
        self.ctx.blobs.write_bytes(keys["download"], json.dumps(result.download).encode())
        self.ctx.blobs.write_bytes(keys["provider_data"], json.dumps(result.provider_data).encode())
        if not self._finish(artifact.id, recording, Status(code="done", updated_at=self.ctx.now()), keys):
            for key in keys.values():
                self.ctx.blobs.delete(key)

    def _finish(
        self, artifact_id: str, recording: RecordingRecord, status: Status, blobs: dict[str, Any]
    ) -> bool:
        """Move the transcript to its final status, unless something else moved it meanwhile."""
        artifact = self._pending(artifact_id)
        if artifact is None:
            return False
        with self.ctx.unit_of_work():
            finished = self.recordings.finish_artifact(artifact, status, blobs)
            record_event(
                self.ctx,
                finished.workspace_id,
                artifact_event("transcript", status.code),
                status,
                recording=subject_of(recording),
                artifact=subject_of(finished),
            )
        return True
