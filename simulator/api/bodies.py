"""Request bodies read the way Recall's API (Django REST Framework) reads them.

DRF authenticates and throttles a request before it reads the body, so a malformed body sent without a
key answers 401, not 400. FastAPI decodes JSON before any dependency runs; the REST API's bodies are
therefore read by the route itself once it has authenticated the caller (`body_of`). Their schemas reach
the served document through `openapi.request_body`, so clients and fuzzers still see what is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, ValidationError

from recall_sim.simulator.api.deferred_route import DeferredRoute
from recall_sim.simulator.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from recall_sim.simulator.region import Region
from recall_sim.simulator.strict_json import JSONParseError, loads
from recall_sim.simulator.validation import drf_errors

__all__ = ["StrictJSONRoute", "body_of", "loads"]

M = TypeVar("M", bound=BaseModel)


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJSONRoute(DeferredRoute):
    """A route whose body FastAPI decodes with `loads` (the control plane's and the ingest calls')."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict


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
        return loads(raw)
    except JSONParseError as error:  # refused by the strict reading: its reason is the whole message
        raise BadRequest(f"JSON parse error - {error.msg}") from None
    except ValueError as error:  # malformed JSON, with where it went wrong
        raise BadRequest(f"JSON parse error - {error}") from None


async def body_of(request: Request, region: Region, model: type[M]) -> M | None:
    """The request's body as `model` (None for an empty or null body). Awaited after `caller`, so
    errors come in DRF's order: 401, then 429, then 413/415/400."""
    data = await _read_json(request, region)
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(drf_errors(error.errors())) from None
