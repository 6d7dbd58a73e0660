"""Desktop SDK uploads: created by a partner's backend, they hand the desktop app its upload token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.providers import REALTIME_EVENTS, streaming_provider_error
from recall_sim.simulator.errors import NotFound, ValidationFailed
from recall_sim.simulator.records import Repository, SdkUpload, Status, UploadToken, Workspace
from recall_sim.simulator.schemas.sdk_upload import RecordingConfig, SdkUploadCreate
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
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.records = Repository(ctx.store, "sdk_uploads", SdkUpload)
        self.tokens = Repository(ctx.store, "upload_tokens", UploadToken)

    def create_sdk_upload(self, workspace: Workspace, body: SdkUploadCreate | None) -> SdkUpload:
        body = body or SdkUploadCreate()
        config = body.recording_config
        if config is not None:
            _check_recording_config(workspace, config)
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            upload = SdkUpload(
                id=self.ctx.ids.uuid(),
                workspace_id=workspace.id,
                created_at=now,
                status=Status(code="pending", updated_at=now),
                recording_id=self.ctx.ids.uuid(),
                upload_token=self.ctx.ids.upload_token(),
                metadata=body.metadata,
                recording_config=None if config is None else config.model_dump(mode="json"),
            )
            self.records.put(upload)
            self.tokens.put(
                UploadToken(
                    id=upload.upload_token,
                    sdk_upload_id=upload.id,
                    workspace_id=workspace.id,
                    region=workspace.region,
                    expires_at=now + timedelta(seconds=self.ctx.settings.upload_token_ttl),
                )
            )
        return upload

    def retrieve_sdk_upload(self, workspace: Workspace, upload_id: str) -> SdkUpload:
        upload = self.records.get(upload_id)
        if upload is None or upload.workspace_id != workspace.id:
            raise NotFound()
        return upload

    def list_sdk_uploads(self, workspace: Workspace) -> list[SdkUpload]:
        return self.records.find({"workspace_id": workspace.id})
