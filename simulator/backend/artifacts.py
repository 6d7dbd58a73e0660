"""A recording's artifacts (video_mixed, audio_mixed, participant_events, meeting_metadata, transcript),
each with the same list / retrieve / patch / delete surface as in Recall's API."""

from __future__ import annotations

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.recordings import Recordings
from recall_sim.simulator.errors import BadRequest, NotFound
from recall_sim.simulator.records import Artifact, ArtifactKind, Workspace

__all__ = ["Artifacts"]


class Artifacts:
    def __init__(self, ctx: Context, recordings: Recordings) -> None:
        self.ctx = ctx
        self.recordings = recordings
        self.records = recordings.artifacts

    def _visible(self, workspace: Workspace, kind: ArtifactKind, artifact_id: str) -> Artifact:
        artifact = self.records.get(artifact_id)
        if (
            artifact is None
            or artifact.kind != kind
            or artifact.workspace_id != workspace.id
            or artifact.status.code == "deleted"
        ):
            raise NotFound()
        return artifact

    def list_artifacts(
        self, workspace: Workspace, kind: ArtifactKind, recording_id: str | None
    ) -> list[Artifact]:
        where: dict[str, str] = {"workspace_id": workspace.id, "kind": kind}
        if recording_id is not None:
            where["recording_id"] = recording_id
        return [a for a in self.records.find(where) if a.status.code != "deleted"]

    def retrieve_artifact(self, workspace: Workspace, kind: ArtifactKind, artifact_id: str) -> Artifact:
        return self._visible(workspace, kind, artifact_id)

    def update_artifact(
        self, workspace: Workspace, kind: ArtifactKind, artifact_id: str, metadata: dict[str, str | None]
    ) -> Artifact:
        artifact = self._visible(workspace, kind, artifact_id)
        with self.ctx.unit_of_work():
            return self.recordings.update_artifact_metadata(artifact, metadata)

    def delete_artifact(self, workspace: Workspace, kind: ArtifactKind, artifact_id: str) -> None:
        artifact = self._visible(workspace, kind, artifact_id)
        if artifact.status.code == "processing":
            raise BadRequest(f"{kind} cannot be deleted while it is processing.")
        recording = self.recordings.records.get(artifact.recording_id)
        if recording is None:  # pragma: no cover - artifacts never outlive their recording record
            raise NotFound()
        with self.ctx.unit_of_work():
            self.recordings.delete_artifact_record(artifact, recording)
        for key in artifact.blobs.values():
            self.ctx.blobs.delete(key)
