"""Desktop SDK uploads: created by a partner's backend, they hand the desktop app its upload token.

This module is the writer of the `sdk_uploads` collection and owns an upload's statuses:
pending ──start──▶ uploading ──▶ complete | failed (processing's verdict).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.providers import REALTIME_EVENTS, streaming_provider_error
from recall_sim.simulator.errors import InvalidTransition, NotFound, ValidationFailed
from recall_sim.simulator.ingest.tokens import UploadTokens
from recall_sim.simulator.records import Reader, Repository, SdkUploadRecord, Status, Workspace
from recall_sim.simulator.schemas.sdk_upload import RecordingConfig, SdkUploadCreate
from recall_sim.simulator.store import Collection
from recall_sim.simulator.transcription.request import diarization_errors
from recall_sim.simulator.validation import is_url

__all__ = ["SdkUploads"]

_URL_SCHEMES = {"webhook": ("http", "https"), "websocket": ("ws", "wss")}


def _check_recording_config(workspace: Workspace, config: RecordingConfig) -> None:
    if config.transcript is not None:
        providers = list(config.transcript.provider)
        if len(providers) != 1:
            raise ValidationFailed(
                {
                    "recording_config": {
                        "transcript": {"provider": ["Exactly one provider must be specified."]}
                    }
                }
            )
        refused = streaming_provider_error(workspace.profile, providers[0])
        if refused is not None:
            raise ValidationFailed(refused)
        # The provider's options are forwarded unchecked: a provider that refuses them fails the
        # real-time transcript (transcription/option_rules.py), not this request. Their shape is checked.
        diarization = config.transcript.diarization
        if diarization is not None and (found := diarization_errors(diarization)) is not None:
            raise ValidationFailed({"recording_config": {"transcript": {"diarization": found}}})
    endpoint_errors: list[dict[str, Any]] = []
    for endpoint in config.realtime_endpoints:
        errors: dict[str, Any] = {}
        schemes = _URL_SCHEMES.get(endpoint.type)
        if schemes is not None:
            if not endpoint.url:
                errors["url"] = ["This field is required."]
            elif not is_url(endpoint.url, schemes):
                errors["url"] = ["Enter a valid URL."]
        allowed = REALTIME_EVENTS[endpoint.type]
        bad = {
            str(i): [f'"{e}" is not a valid choice.']
            for i, e in enumerate(endpoint.events)
            if e not in allowed
        }
        if bad:
            errors["events"] = bad
        endpoint_errors.append(errors)
    if any(endpoint_errors):
        raise ValidationFailed({"recording_config": {"realtime_endpoints": endpoint_errors}})


class SdkUploads:
    def __init__(self, ctx: Context, tokens: UploadTokens) -> None:
        self.ctx = ctx
        self.tokens = tokens
        self._uploads = Repository(ctx.store, Collection.SDK_UPLOADS, SdkUploadRecord)
        self.records: Reader[SdkUploadRecord] = self._uploads

    def create_sdk_upload(self, workspace: Workspace, body: SdkUploadCreate | None) -> SdkUploadRecord:
        body = body or SdkUploadCreate()
        config = body.recording_config
        if config is not None:
            _check_recording_config(workspace, config)
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            upload = SdkUploadRecord(
                id=self.ctx.ids.uuid(),
                workspace_id=workspace.id,
                created_at=now,
                status=Status(code="pending", updated_at=now),
                recording_id=self.ctx.ids.uuid(),
                upload_token=self.ctx.ids.upload_token(),
                metadata=body.metadata,
                recording_config=None if config is None else config.model_dump(mode="json"),
            )
            self._uploads.put(upload)
            self.tokens.issue(upload, workspace, now)
        return upload

    # --- status transitions: each part of the caller's unit of work ------------------------------

    def _move(self, upload: SdkUploadRecord, allowed: tuple[str, ...], status: Status) -> SdkUploadRecord:
        if upload.status.code not in allowed:
            raise InvalidTransition("sdk upload", upload.id, upload.status.code, status.code)
        return self._uploads.put(upload.model_copy(update={"status": status}))

    def start_uploading(self, upload: SdkUploadRecord, now: datetime) -> SdkUploadRecord:
        """The desktop app started its recording: parts are on their way."""
        return self._move(upload, ("pending",), Status(code="uploading", updated_at=now))

    def complete(self, upload: SdkUploadRecord, now: datetime) -> SdkUploadRecord:
        """Processing made its recording `done`."""
        return self._move(upload, ("uploading",), Status(code="complete", updated_at=now))

    def fail(self, upload: SdkUploadRecord, status: Status) -> SdkUploadRecord:
        """Processing refused what was uploaded; `status` carries the sub_code saying why."""
        if status.code != "failed":
            raise InvalidTransition("sdk upload", upload.id, upload.status.code, status.code)
        return self._move(upload, ("uploading",), status)

    def stage(self, upload: SdkUploadRecord, status: Status) -> SdkUploadRecord:
        """A triggered upload (`recall-sim trigger`), made to stand where the event it reports left it."""
        return self._move(upload, ("pending",), status)

    def retrieve_sdk_upload(self, workspace: Workspace, upload_id: str) -> SdkUploadRecord:
        upload = self.records.get(upload_id)
        if upload is None or upload.workspace_id != workspace.id:
            raise NotFound()
        return upload

    def list_sdk_uploads(self, workspace: Workspace) -> list[SdkUploadRecord]:
        return self.records.find({"workspace_id": workspace.id})
