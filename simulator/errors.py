"""Every error the region answers with, in the shapes Recall's API (a Django REST Framework service) uses.

    ApiError                      status + JSON body (+ headers); rendered by one handler in app.py
     ├── ValidationFailed         400 field-keyed: {"field": ["message"]} (nested for nested fields)
     ├── BadRequest               400 {"detail": ...} (malformed JSON, a rule broken by the request)
     │    └── ClientGone          400 (tus: the client left mid-body; rendered for a client gone)
     ├── NotAuthenticated         401 no Authorization header
     ├── AuthenticationFailed     401 unknown key, or a key of another region
     ├── PermissionDenied         403 (download links: forged or expired)
     ├── NotFound                 404 unknown id, or another workspace's id (never 403)
     ├── MethodNotAllowed         405
     ├── Conflict                 409 (an Idempotency-Key whose first request is still running)
     ├── Gone                     410 (ingest: an upload that expired or was terminated)
     ├── PreconditionFailed       412 (tus: a request without `Tus-Resumable: 1.0.0`)
     ├── PayloadTooLarge          413
     ├── UnsupportedMediaType     415
     ├── Throttled                429 with Retry-After
     ├── ChecksumMismatch         460 (tus: a body whose Upload-Checksum does not match)
     └── ServiceUnavailable       503 (control-plane fault rules)

Routes and the backend raise these; nothing else builds an error response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationFailed",
    "BadRequest",
    "ChecksumMismatch",
    "ClientGone",
    "Conflict",
    "FieldErrors",
    "Gone",
    "MethodNotAllowed",
    "NotAuthenticated",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "PreconditionFailed",
    "ServiceUnavailable",
    "Throttled",
    "UnsupportedMediaType",
    "ValidationFailed",
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
