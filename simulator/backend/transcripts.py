"""Async transcripts: `POST /api/v1/recording/{id}/create_transcript/`.

A transcript can be made of a recording that is `done` and has audio; a recording holds at most ten
transcripts (deleted ones free their place). The transcript starts `processing`, with
`transcript.processing` recorded, and the `transcribe_recording` job (transcription/jobs.py) takes it to
`done` or `failed` after a delay that grows with the media's length, as real providers take a fraction
of the audio's duration.
"""

from __future__ import annotations

from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.events import TRANSCRIPT_PROCESSING, record_event
from recall_sim.simulator.backend.recordings import Recordings, subject_of
from recall_sim.simulator.errors import BadRequest
from recall_sim.simulator.records import Artifact, Status, Workspace
from recall_sim.simulator.transcription.jobs import TRANSCRIBE
from recall_sim.simulator.transcription.request import parse_transcript_request
from recall_sim.simulator.transcription.sources import RecordingSources

__all__ = ["MAX_TRANSCRIPTS_PER_RECORDING", "Transcripts"]

MAX_TRANSCRIPTS_PER_RECORDING = 10


class Transcripts:
    def __init__(self, ctx: Context, recordings: Recordings, sources: RecordingSources) -> None:
        self.ctx = ctx
        self.recordings = recordings
        self.sources = sources

    def create_transcript(
        self,
        workspace: Workspace,
        recording_id: str,
        *,
        provider: dict[str, Any],
        diarization: dict[str, Any] | None = None,
        metadata: dict[str, str | None] | None = None,
    ) -> Artifact:
        recording = self.recordings.retrieve_recording(workspace, recording_id)
        request = parse_transcript_request(provider, diarization)
        if recording.status.code != "done":
            raise BadRequest(
                f"Recording is {recording.status.code}; a transcript can be created once it is done."
            )
        media = self.sources.media_of(recording)
        if media is None or not media.has_audio:
            raise BadRequest("Recording has no audio to transcribe.")
        existing = [a for a in self.recordings.artifacts_of(recording.id) if a.kind == "transcript"]
        if len(existing) >= MAX_TRANSCRIPTS_PER_RECORDING:
            raise BadRequest(
                f"A recording can have at most {MAX_TRANSCRIPTS_PER_RECORDING} transcripts; "
                "delete one to create another."
            )
        delays = self.ctx.settings.status_delays
        delay = max(delays.artifact, delays.transcript_per_media_second * media.duration)
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            artifact = Artifact(
                id=self.ctx.ids.uuid(),
                workspace_id=workspace.id,
                recording_id=recording.id,
                kind="transcript",
                created_at=now,
                status=Status(code="processing", updated_at=now),
                metadata=dict(metadata or {}),
                data={"provider_job_id": self.ctx.ids.uuid()},
                provider={request.provider: request.options},
                diarization=request.diarization,
                expires_at=recording.expires_at,
            )
            self.recordings.add_artifact(artifact)
            record_event(
                self.ctx,
                workspace.id,
                TRANSCRIPT_PROCESSING,
                artifact.status,
                recording=subject_of(recording),
                artifact=subject_of(artifact),
            )
            self.ctx.scheduler.schedule(TRANSCRIBE, {"artifact_id": artifact.id}, delay=delay)
        return artifact
