"""Upload tokens: the only credential the desktop app holds.

A token belongs to one sdk upload of one workspace in one region; it starts one recording, works until it
expires, and is spent once the upload is finalized. Every refusal is a 4xx that changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import ApiError, AuthenticationFailed, Conflict
from recall_sim.simulator.records import Repository, SdkUpload, UploadToken, Workspace

__all__ = ["UploadTokenAuth", "UploadTokens"]

SCHEME = "uploadtoken"


class InvalidUploadToken(AuthenticationFailed):
    default_detail = "Invalid upload token."


class ExpiredUploadToken(AuthenticationFailed):
    default_detail = "Upload token has expired."


class UploadFinalized(Conflict):
    default_detail = "This upload has already been finalized; its token is spent."


class RecordingNotStarted(Conflict):
    default_detail = "No recording has been started with this upload token."


@dataclass(frozen=True)
class UploadTokenAuth:
    token: UploadToken
    upload: SdkUpload
    workspace: Workspace


class UploadTokens:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tokens = Repository(ctx.store, "upload_tokens", UploadToken)
        self.uploads = Repository(ctx.store, "sdk_uploads", SdkUpload)
        self.workspaces = Repository(ctx.store, "workspaces", Workspace)

    def authenticate(self, authorization: str | None, query_token: str | None = None) -> UploadTokenAuth:
        """The token from `Authorization: UploadToken <token>` (or a `token` query parameter, which
        WebSocket clients need). A token of another region is as unknown as a made-up one."""
        raw = query_token
        if authorization:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != SCHEME or not value.strip():
                raise InvalidUploadToken()
            raw = value.strip()
        if not raw:
            raise InvalidUploadToken()
        token = self.tokens.get(raw)
        if token is None or token.region != self.ctx.settings.region:
            raise InvalidUploadToken()
        upload = self.uploads.get(token.sdk_upload_id)
        workspace = self.workspaces.get(token.workspace_id)
        if upload is None or workspace is None or workspace.region != self.ctx.settings.region:
            raise InvalidUploadToken()
        return UploadTokenAuth(token=token, upload=upload, workspace=workspace)

    def for_start(self, auth: UploadTokenAuth) -> UploadTokenAuth:
        if auth.token.finalized_at is not None:
            raise UploadFinalized()
        if auth.token.recording_started_at is not None:
            raise Conflict("This upload token has already been used to start a recording.")
        if self.ctx.now() >= auth.token.expires_at:
            raise ExpiredUploadToken()
        return auth

    def for_upload(self, auth: UploadTokenAuth) -> UploadTokenAuth:
        """A started, unfinalized recording: the state in which parts may be uploaded and finalized.
        Expiry only bounds when a recording can start: a long meeting keeps uploading after it."""
        if auth.token.finalized_at is not None:
            raise UploadFinalized()
        if auth.token.recording_started_at is None:
            raise RecordingNotStarted()
        return auth


def is_token_error(error: ApiError) -> bool:
    return isinstance(error, InvalidUploadToken | ExpiredUploadToken | UploadFinalized | RecordingNotStarted)
