"""Every error the region answers with, in the shapes Recall's API (a Django REST Framework service) uses.

    ApiError                      status + JSON body (+ headers); rendered by one handler in app.py
     ├── ValidationFailed         400 field-keyed: {"field": ["message"]} (nested for nested fields)
     ├── BadRequest               400 {"detail": ...} (malformed JSON, a rule broken by the request)
     │    └── ClientGone          400 (tus: the client left mid-body; rendered for a client gone)
     ├── NotAuthenticated         401 no Authorization header
     ├── AuthenticationFailed     401 unknown key, or a key of another region
     │    ├── InvalidUploadToken  an upload token unknown here (or of another region)
     │    └── ExpiredUploadToken  an upload token past its time to start a recording
     ├── PermissionDenied         403 (download links: forged or expired)
     ├── NotFound                 404 unknown id, or another workspace's id (never 403)
     ├── MethodNotAllowed         405
     ├── Conflict                 409 (an Idempotency-Key whose first request is still running)
     │    ├── InvalidTransition   a status change the resource cannot make from where it is
     │    ├── UploadFinalized     an upload token spent by finalize
     │    └── RecordingNotStarted an upload token no recording was started with
     ├── Gone                     410 (ingest: an upload that expired or was terminated)
     ├── PreconditionFailed       412 (tus: a request without `Tus-Resumable: 1.0.0`)
     ├── PayloadTooLarge          413
     ├── UnsupportedMediaType     415
     ├── Throttled                429 with Retry-After
     ├── ChecksumMismatch         460 (tus: a body whose Upload-Checksum does not match)
     └── ServiceUnavailable       503 (control-plane fault rules)

Routes and the backend raise these; nothing else builds an error response.

Failures inside the region, which the code that calls it turns into a status, an answer or a message:

    MediaRejected                 processing: an upload's media cannot become a recording (sub_code)
    TranscriptionFailed           transcription: a provider refused or failed the job (sub_code)
    FrameRejected                 real time: a desktop app's frame the protocol refuses
    JSONParseError                a request body that is not JSON Recall's API would read
    WebhookVerificationError      a webhook not signed by this secret at about this time
    DataDirInUse                  `serve`: another process holds the data directory
    UnknownCollection             the store: a collection not in COLLECTIONS
    UnsafeBlobKey                 the blob store: a key that would leave its folder
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationFailed",
    "BadRequest",
    "ChecksumMismatch",
    "ClientGone",
    "Conflict",
    "DataDirInUse",
    "ExpiredUploadToken",
    "FieldErrors",
    "FrameRejected",
    "Gone",
    "InvalidTransition",
    "InvalidUploadToken",
    "JSONParseError",
    "MediaRejected",
    "MethodNotAllowed",
    "NotAuthenticated",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "PreconditionFailed",
    "RecordingNotStarted",
    "ServiceUnavailable",
    "Throttled",
    "TranscriptionFailed",
    "UnknownCollection",
    "UnsafeBlobKey",
    "UnsupportedMediaType",
    "UploadFinalized",
    "ValidationFailed",
    "WebhookVerificationError",
]

#: A DRF validation body: field name -> list of messages, or a nested body for a nested object.
FieldErrors = Mapping[str, Any]


class ApiError(Exception):
    status_code: int = 500
    default_detail: str = "A server error occurred."

    def __init__(
        self,
        detail: str | None = None,
        *,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.body: dict[str, Any] = (
            dict(body) if body is not None else {"detail": detail or self.default_detail}
        )
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{self.status_code} {self.body}")


class ValidationFailed(ApiError):
    status_code = 400

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(body=errors)


class BadRequest(ApiError):
    status_code = 400
    default_detail = "Bad request."


class ClientGone(BadRequest):
    """The client went away mid-body: without a checksum the bytes received are kept (tus allows it);
    with one, nothing is. Rendered like any refusal, for a client no longer there to read it, rather
    than escaping as a server error."""

    default_detail = "The client went away before the body was complete; nothing of it was stored."


class NotAuthenticated(ApiError):
    status_code = 401
    default_detail = "Authentication credentials were not provided."


class AuthenticationFailed(ApiError):
    status_code = 401
    default_detail = "Invalid token."


class PermissionDenied(ApiError):
    status_code = 403
    default_detail = "You do not have permission to perform this action."


class NotFound(ApiError):
    status_code = 404
    default_detail = "Not found."


class MethodNotAllowed(ApiError):
    status_code = 405

    def __init__(self, method: str) -> None:
        super().__init__(f'Method "{method.upper()}" not allowed.')


class Conflict(ApiError):
    status_code = 409
    default_detail = "A request with this Idempotency-Key is still being processed."


class InvalidTransition(Conflict):
    """A resource asked to move to a status it cannot reach from its own (its writer's rule)."""

    def __init__(self, kind: str, resource_id: str, current: str, wanted: str) -> None:
        super().__init__(f"The {kind} {resource_id} is {current}; it cannot become {wanted}.")


class InvalidUploadToken(AuthenticationFailed):
    default_detail = "Invalid upload token."


class ExpiredUploadToken(AuthenticationFailed):
    default_detail = "Upload token has expired."


class UploadFinalized(Conflict):
    default_detail = "This upload has already been finalized; its token is spent."


class RecordingNotStarted(Conflict):
    default_detail = "No recording has been started with this upload token."


class Gone(ApiError):
    status_code = 410
    default_detail = "This upload is no longer available."


class PreconditionFailed(ApiError):
    """tus 1.0 answers a request that does not name the protocol version it speaks with 412 and the
    `Tus-Version` it does speak (the caller adds that header)."""

    status_code = 412
    default_detail = "Tus-Resumable 1.0.0 is required."


class PayloadTooLarge(ApiError):
    status_code = 413
    default_detail = "Request body too large."


class UnsupportedMediaType(ApiError):
    status_code = 415

    def __init__(self, media_type: str) -> None:
        super().__init__(f'Unsupported media type "{media_type}" in request.')


class Throttled(ApiError):
    status_code = 429

    def __init__(self, wait_seconds: float) -> None:
        wait = max(1, math.ceil(wait_seconds))
        unit = "second" if wait == 1 else "seconds"
        super().__init__(
            f"Request was throttled. Expected available in {wait} {unit}.",
            headers={"Retry-After": str(wait)},
        )


class ChecksumMismatch(ApiError):
    """tus's own status for a body whose checksum does not match: nothing of it is stored."""

    status_code = 460
    default_detail = "Upload-Checksum does not match the request body; nothing was stored."


class ServiceUnavailable(ApiError):
    status_code = 503
    default_detail = "Service temporarily unavailable, try again later."


# --- failures inside the region, which its callers turn into statuses, answers or messages -------------


class MediaRejected(Exception):
    """The upload's media cannot become a recording; `sub_code` says why, as Recall's statuses do."""

    def __init__(self, sub_code: str, detail: str) -> None:
        super().__init__(detail)
        self.sub_code = sub_code
        self.detail = detail


class TranscriptionFailed(Exception):
    """`provider_response` is the provider's own error response, when the provider refused the job."""

    def __init__(self, sub_code: str, detail: str, provider_response: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.sub_code = sub_code
        self.detail = detail
        self.provider_response = provider_response


class FrameRejected(Exception):
    def __init__(self, detail: str, seq: int | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.seq = seq


class JSONParseError(json.JSONDecodeError):
    """A body refused before or while it is parsed; `msg` (and `str()`) is the whole reason."""

    def __init__(self, reason: str) -> None:
        ValueError.__init__(self, reason)
        self.msg = reason
        self.doc = ""
        self.pos = 0
        self.lineno = 1
        self.colno = 1

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.msg,)


class WebhookVerificationError(Exception):
    """The request was not signed by this secret at a time close to `now`."""


class DataDirInUse(Exception):
    def __init__(self, data_dir: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(f"{data_dir} is already served by {holder}")
        self.data_dir = data_dir
        self.pid = pid


class UnknownCollection(KeyError):
    pass


class UnsafeBlobKey(ValueError):
    pass
