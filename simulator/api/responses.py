"""The one path every error leaves by, and the OpenAPI declaration of those errors."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from recall_sim.simulator.errors import ApiError
from recall_sim.simulator.schemas.common import DetailError

__all__ = ["error_response", "errors_doc"]


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(status_code=error.status_code, content=error.body, headers=error.headers)


_DESCRIPTIONS = {
    400: 'Invalid request: a field-keyed body (`{"field": ["message"]}`) or `{"detail": ...}`',
    401: 'No credentials, or an unknown key (`{"detail": ...}`)',
    403: "A forged or expired download link",
    404: 'Unknown id, or another workspace\'s (`{"detail": "Not found."}`)',
    405: "Method not allowed",
    409: "A conflict with the resource's state, or an Idempotency-Key whose first request is still running",
    410: "An ingest upload that expired or was terminated",
    412: "The tus request lacks `Tus-Resumable: 1.0.0`",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Rate limited; see the Retry-After header",
    460: "The tus chunk does not match its Upload-Checksum",
}


def errors_doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the listed error statuses (fault rules can add any status on top)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model: Any = DetailError if status not in (400,) else dict[str, Any]
        out[status] = {"description": _DESCRIPTIONS[status], "model": model}
    return out
