"""Every error the region answers with, in the shapes Recall's API (a Django REST Framework service) uses.

    ApiError                      status + JSON body (+ headers); rendered by one handler in app.py
     ├── ValidationFailed         400 field-keyed: {"field": ["message"]} (nested for nested fields)
     ├── BadRequest               400 {"detail": ...} (malformed JSON, a rule broken by the request)
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
     ├── PayloadTooLarge          413
     ├── UnsupportedMediaType     415
     ├── Throttled                429 with Retry-After
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
    "Conflict",
    "ExpiredUploadToken",
    "FieldErrors",
    "Gone",
    "InvalidTransition",
    "InvalidUploadToken",
    "MethodNotAllowed",
    "NotAuthenticated",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "RecordingNotStarted",
    "ServiceUnavailable",
    "Throttled",
    "UnsupportedMediaType",
    "UploadFinalized",
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


class ServiceUnavailable(ApiError):
    status_code = 503
    default_detail = "Service temporarily unavailable, try again later."
