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
    # Counted as it arrives: a chunked body without Content-Length is refused once it passes the
    # limit, not after all of it was held in memory.
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    raw = b"".join(chunks)
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
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, model in _DOCUMENTED.items():
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
