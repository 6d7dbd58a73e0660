"""The REST resources' routes: declared to FastAPI as any route (so the served OpenAPI document is the
same), answered without FastAPI's per-request machinery.

A REST route reads its caller and its body itself, in DRF's order (`caller.py`, `bodies.py`), so all
FastAPI has left to do per request is hand it the `Request` and its path parameters, then turn the model
it returns into JSON. Its general request handler does far more for that: two exit stacks, a dependency
solver walking the route's parameters, a second exception wrapper, and a validation of the returned
model against the response model before serialising it. For a route whose parameters are only the
request, `str` path parameters and optional `str` query parameters, `RestRoute` calls the endpoint
directly and serialises its answer with the route's own response field, as FastAPI would: an instance
of the response model itself is not validated again (it was validated when it was built); anything
else is, as FastAPI does. Errors leave by the app's exception handlers, as before. Any other route
keeps FastAPI's handler.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from recall_sim.simulator.api.deferred_route import DeferredRoute

__all__ = ["RestRoute", "is_lean"]


def _plain_str(field: Any) -> bool:
    return field.field_info.annotation in (str, str | None)


def is_lean(route: APIRoute) -> bool:
    """Whether the route's endpoint takes only what `RestRoute` hands over: the request, `str` path
    parameters and optional `str` query parameters, and returns a JSON body FastAPI would serialise."""
    dependant = route.dependant
    if (
        dependant.dependencies
        or dependant.body_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.request_param_name is None
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.security_scopes_param_name
        or route.body_field is not None
        or not inspect.iscoroutinefunction(route.endpoint)
    ):
        return False
    if not all(_plain_str(p) for p in dependant.path_params):
        return False
    if not all(_plain_str(q) and not q.field_info.is_required() for q in dependant.query_params):
        return False
    return not (
        route.response_model_include
        or route.response_model_exclude
        or route.response_model_exclude_unset
        or route.response_model_exclude_defaults
        or route.response_model_exclude_none
        or not route.response_model_by_alias
    )


class RestRoute(DeferredRoute):
    """A `DeferredRoute` (analysed by FastAPI on first use) that, once analysed, answers a lean route
    itself."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        #: what every path of the route starts with: most routes are ruled out without their regex
        self.literal_prefix = self.path_format.split("{", 1)[0]

    def analyse(self) -> None:
        super().analyse()
        if is_lean(self):
            self.app = self._answer

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Under a root path (a mounted app), Starlette's own matching strips it first.
        http = scope["type"] == "http" and not scope.get("root_path")
        if http and not scope["path"].startswith(self.literal_prefix):
            return Match.NONE, {}
        return super().matches(scope)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        kwargs: dict[str, Any] = dict(scope.get("path_params", {}))
        if self.dependant.query_params:
            query = request.query_params
            for param in self.dependant.query_params:
                kwargs[param.name] = query.get(param.alias)
        assert self.dependant.request_param_name is not None
        kwargs[self.dependant.request_param_name] = request
        result = await self.run_endpoint(kwargs)
        response = result if isinstance(result, Response) else self.serialize_answer(result)
        await response(scope, receive, send)

    async def run_endpoint(self, kwargs: dict[str, Any]) -> Any:
        """The route's work (named apart, so a profile shows it as FastAPI's `run_endpoint_function`)."""
        call: Callable[..., Awaitable[Any]] = self.endpoint
        return await call(**kwargs)

    def serialize_answer(self, result: Any) -> Response:
        field = self.response_field
        status = self.status_code or 200
        if field is None:
            from fastapi.encoders import jsonable_encoder
            from fastapi.responses import JSONResponse

            return JSONResponse(jsonable_encoder(result), status_code=status)
        if type(result) is not self.response_model:
            # Not the response model itself (a dict, another class): validated as FastAPI does.
            result, errors = field.validate(result, {}, loc=("response",))
            if errors:
                raise ResponseValidationError(errors=errors, body=result)
        content = field.serialize_json(result, by_alias=True)
        response = Response(content=content, status_code=status, media_type="application/json")
        if not is_body_allowed_for_status_code(status):
            response.body = b""
        return response
