"""Request bodies parsed the way Recall's API (Django REST Framework) parses them, and declared in the
served OpenAPI document all the same.

DRF authenticates and throttles a request before it reads the body, so a malformed body sent without a
key answers 401, not 400. FastAPI decodes JSON before any dependency runs; the REST API's bodies are
therefore read by a dependency that comes after authentication, and their schema is added to the
document by hand (`request_body`), so clients and fuzzers still see exactly what is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ValidationError

from simulator.api.deps import get_region
from simulator.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from simulator.region import Region
from simulator.validation import drf_errors

__all__ = ["install_openapi", "json_body_of", "request_body"]

M = TypeVar("M", bound=BaseModel)

_DOCUMENTED: dict[str, type[BaseModel]] = {}


async def _read_json(request: Request, region: Region) -> Any:
    length = request.headers.get("content-length")
    limit = region.settings.max_json_body
    if length is not None and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge()
    raw = await request.body()
    if len(raw) > limit:
        raise PayloadTooLarge()
    if not raw:  # DRF reads an empty body as no data; whitespace is malformed JSON
        return None
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(media_type)
    try:
        return json.loads(raw)
    except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8
        raise BadRequest(f"JSON parse error - {error}") from None


def json_body_of(model: type[M]) -> Callable[..., Awaitable[M | None]]:
    """A dependency giving the request's body as `model` (None for an empty or null body).
    Declare it after the authenticating dependency, so errors come in DRF's order."""

    async def parse(request: Request, region: Region = Depends(get_region)) -> M | None:
        data = await _read_json(request, region)
        if data is None:
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            raise ValidationFailed(drf_errors(error.errors())) from None

    parse.__name__ = f"body_{model.__name__}"
    return parse


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the route's (optional) JSON request body."""
    _DOCUMENTED[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": ref}}}}


#: How the REST API and the ingest calls authenticate (Recall's document names the first `tokenAuth`).
SECURITY_SCHEMES = {
    "tokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    },
    "uploadTokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'An sdk_upload\'s upload_token with the prefix "UploadToken" (or `?token=`)',
    },
}

_FIELD_ERRORS = {
    "description": 'Invalid request: a field-keyed body (`{"field": ["message"]}`) or `{"detail": ...}`',
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}


def _security_of(path: str) -> str | None:
    if path.startswith("/api/") and not path.startswith("/api/v1/download/"):
        return "tokenAuth"
    if path.startswith("/ingest/"):
        return "uploadTokenAuth"
    return None


def _as_served(document: dict[str, Any]) -> None:
    """What FastAPI's generator gets wrong for this app, put right.

    FastAPI declares a 422 on every operation with parameters or a body; this app answers those
    validation errors with DRF's field-keyed 400 (app.py), so the 422 goes and a 400 stands in its
    place. And each operation says how it authenticates.
    """
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _FIELD_ERRORS)
            scheme = _security_of(path)
            if scheme is not None:
                operation["security"] = [{scheme: []}]
    schemas = components.get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def install_openapi(app: FastAPI) -> None:
    """Generate the document as FastAPI does, then add the schemas of hand-declared bodies."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for name, model in _DOCUMENTED.items():
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
        _as_served(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
