"""Upload tokens: the only credential the desktop app holds.

A token belongs to one sdk upload of one workspace in one region; it starts one recording, works until it
expires, and is spent once the upload is finalized. Every refusal is a 4xx that changes nothing.

This module is the writer of the `upload_tokens` collection: issued, started, ended, finalized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import (
    ApiError,
    Conflict,
    ExpiredUploadToken,
    InvalidTransition,
    InvalidUploadToken,
    RecordingNotStarted,
    UploadFinalized,
)
from recall_sim.simulator.records import Reader, Repository, SdkUploadRecord, UploadToken, Workspace
from recall_sim.simulator.store import Collection

__all__ = ["UploadTokenAuth", "UploadTokens"]

SCHEME = "uploadtoken"


@dataclass(frozen=True)
class UploadTokenAuth:
    token: UploadToken
    upload: SdkUploadRecord
    workspace: Workspace


class UploadTokens:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._tokens = Repository(ctx.store, Collection.UPLOAD_TOKENS, UploadToken)
        self.tokens: Reader[UploadToken] = self._tokens
        self.uploads = Reader(ctx.store, Collection.SDK_UPLOADS, SdkUploadRecord)
        self.workspaces = Reader(ctx.store, Collection.WORKSPACES, Workspace)

    # --- the token's life: each change part of the caller's unit of work -------------------------

    def issue(self, upload: SdkUploadRecord, workspace: Workspace, now: datetime) -> UploadToken:
        """The token of a new upload: it can start a recording until `upload_token_ttl` has passed."""
        return self._tokens.put(
            UploadToken(
                id=upload.upload_token,
                sdk_upload_id=upload.id,
                workspace_id=workspace.id,
                region=workspace.region,
                expires_at=now + timedelta(seconds=self.ctx.settings.upload_token_ttl),
            )
        )

    def mark_started(self, token: UploadToken, session: dict[str, Any], now: datetime) -> UploadToken:
        if token.recording_started_at is not None:
            raise InvalidTransition("upload token", token.id, "started", "started")
        return self._tokens.put(token.model_copy(update={"recording_started_at": now, "session": session}))

    def mark_ended(self, token: UploadToken, duration: float | None, now: datetime) -> UploadToken:
        if token.recording_started_at is None or token.recording_ended_at is not None:
            raise InvalidTransition("upload token", token.id, _state_of(token), "ended")
        session = {**token.session, "duration": duration}
        return self._tokens.put(token.model_copy(update={"recording_ended_at": now, "session": session}))

    def mark_finalized(self, token: UploadToken, parts: dict[str, str], now: datetime) -> UploadToken:
        """Spend the token: `parts` names the tus file of each part the upload is processed from."""
        if token.recording_ended_at is None or token.finalized_at is not None:
            raise InvalidTransition("upload token", token.id, _state_of(token), "finalized")
        session = {**token.session, "parts": parts}
        return self._tokens.put(token.model_copy(update={"finalized_at": now, "session": session}))

    def note_media(self, token: UploadToken, summary: dict[str, Any]) -> UploadToken:
        """What processing found in the finalized upload's media, kept beside the session."""
        if token.finalized_at is None:
            raise InvalidTransition("upload token", token.id, _state_of(token), "processed")
        return self._tokens.put(token.model_copy(update={"session": {**token.session, "media": summary}}))

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


def _state_of(token: UploadToken) -> str:
    if token.finalized_at is not None:
        return "finalized"
    if token.recording_ended_at is not None:
        return "ended"
    return "started" if token.recording_started_at is not None else "issued"
