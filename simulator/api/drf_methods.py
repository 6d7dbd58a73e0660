"""How Recall's REST resources answer HTTP methods: as Django REST Framework's views do, for every
resource of the route table at once.

Recall is a DRF service. A view answers `HEAD` as its `GET` without the body, and `OPTIONS` with
DRF's metadata (`SimpleMetadata`: the view's name and description, what it renders and parses); any
other method it lacks gets 405 `{"detail": "Method \\"PATCH\\" not allowed."}` with an `Allow` header
naming every method it has, `HEAD` and `OPTIONS` included. All of these come after authentication, as
in DRF, whose views authenticate before they look for the method's handler: a caller without a valid
key hears 401 and learns nothing of the resource. A path without its trailing slash never reaches a
view: Django's `APPEND_SLASH` answers 301 to the slashed URL, before any authentication.

A resource is a REST path of the route table (under `/api/`, signed download links aside) with the
methods its routes serve; a route added later is covered as it is. The served OpenAPI document
declares the `HEAD` and `OPTIONS` operations this layer answers (`document_methods`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import Route

from recall_sim.simulator.api.caller import authenticated
from recall_sim.simulator.api.responses import error_response
from recall_sim.simulator.errors import ApiError, MethodNotAllowed

__all__ = [
    "METADATA_SCHEMA",
    "DrfMethods",
    "Resource",
    "document_methods",
    "is_rest_path",
    "resources_of",
    "view_name",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: DRF lists allowed methods in the order of `View.http_method_names`
_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Recall's views render JSON and DRF's browsable API, and parse DRF's three default media types
RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]

METADATA_SCHEMA: dict[str, Any] = {
    "title": "ResourceMetadata",
    "description": "Django REST Framework's `OPTIONS` answer (SimpleMetadata)",
    "type": "object",
    "required": ["name", "description", "renders", "parses"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "renders": {"type": "array", "items": {"type": "string"}},
        "parses": {"type": "array", "items": {"type": "string"}},
    },
}


def is_rest_path(path: str) -> bool:
    """A path of Recall's REST API: under `/api/`, except the signed download links (no DRF view)."""
    return path.startswith("/api/") and not path.startswith("/api/v1/download/")


def view_name(path: str) -> str:
    """The name DRF gives the view of a router's path: the viewset's name with "List" or "Instance",
    or an extra action's own (`create_transcript` -> "Create transcript")."""
    segments = path.strip("/").split("/")[2:]  # past "api" and the version
    words = re.split(r"[-_]", segments[0])
    base = " ".join(word.capitalize() for word in words)
    rest = segments[1:]
    if not rest:
        return f"{base} List"
    if len(rest) == 1 and rest[0].startswith("{"):
        return f"{base} Instance"
    return rest[-1].replace("_", " ").replace("-", " ").capitalize()


@dataclass(frozen=True)
class Resource:
    """One REST path of the route table and the methods its routes serve."""

    path: str
    pattern: re.Pattern[str]
    methods: frozenset[str]

    @property
    def prefix(self) -> str:
        """The path up to its first parameter: what every path of the resource starts with."""
        return self.path.split("{", 1)[0]

    @property
    def allow(self) -> list[str]:
        """Every method DRF would name in `Allow`: the served ones, HEAD with GET, and OPTIONS."""
        answered = set(self.methods) | {"OPTIONS"}
        if "GET" in answered:
            answered.add("HEAD")
        return [method for method in _ORDER if method in answered]

    def metadata(self) -> dict[str, Any]:
        return {"name": view_name(self.path), "description": "", "renders": RENDERS, "parses": PARSES}


def resources_of(routes: Iterable[Any]) -> list[Resource]:
    """The REST resources of a route table. A route declared only to document its refusal
    (`endpoint.refuses`) adds no method."""
    found: dict[str, tuple[re.Pattern[str], set[str]]] = {}
    for route in routes:
        if not isinstance(route, APIRoute | Route) or not is_rest_path(route.path):
            continue
        methods = found.setdefault(route.path, (route.path_regex, set()))[1]
        if not getattr(route.endpoint, "refuses", False):
            methods |= set(route.methods or ())
    return [Resource(path, pattern, frozenset(methods)) for path, (pattern, methods) in found.items()]


def _match(resources: list[tuple[str, Resource]], path: str) -> Resource | None:
    # The literal prefix first: one string comparison rules out most resources before any regex runs.
    return next((r for prefix, r in resources if path.startswith(prefix) and r.pattern.match(path)), None)


def _without_body(send: Send) -> Send:
    """`send` for a HEAD: the GET's status and headers (its Content-Length included), no body."""

    async def head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head


def _append_slash(scope: Scope) -> Response:
    """Django's APPEND_SLASH: 301 to the path with its slash, query kept, Location relative."""
    raw = scope.get("raw_path") or scope["path"].encode()
    location = raw.decode("latin-1") + "/"
    if scope.get("query_string"):
        location += "?" + scope["query_string"].decode("latin-1")
    return Response(status_code=301, headers={"location": location}, media_type="text/html; charset=utf-8")


class DrfMethods:
    """The step of the region's middleware (region_middleware.py) on REST paths:
    `await methods(app, scope, receive, send)`, `app` being what a served method goes on to."""

    def __init__(self) -> None:
        self._resources: list[tuple[str, Resource]] | None = None

    def resources(self, scope: Scope) -> list[tuple[str, Resource]]:
        # Read once, at the first request: the app's routes are all in place by then.
        if self._resources is None:
            self._resources = [(r.prefix, r) for r in resources_of(scope["app"].routes)]
        return self._resources

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        resources = self.resources(scope)
        path: str = scope["path"]
        resource = _match(resources, path)
        if resource is None:
            if not path.endswith("/") and _match(resources, path + "/") is not None:
                await _append_slash(scope)(scope, receive, send)
            else:
                await app(scope, receive, send)
            return
        method: str = scope["method"]
        if method in resource.methods:
            await app(scope, receive, send)
            return
        if method == "HEAD" and "GET" in resource.methods:
            await app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        await self._answer(resource, scope, receive, send)

    async def _answer(self, resource: Resource, scope: Scope, receive: Receive, send: Send) -> None:
        """OPTIONS, or a method the resource lacks: authenticated first, as DRF does."""
        method: str = scope["method"]
        response: Response
        try:
            authenticated(scope)
        except ApiError as refused:
            response = error_response(refused)
        else:
            if method == "OPTIONS":
                response = JSONResponse(resource.metadata())
            else:
                response = error_response(MethodNotAllowed(method))
            response.headers["Allow"] = ", ".join(resource.allow)
        await response(scope, receive, _without_body(send) if method == "HEAD" else send)


def document_methods(document: dict[str, Any]) -> None:
    """Declare, on every REST path of the OpenAPI document, the `HEAD` (its GET's answers, without
    bodies) and the `OPTIONS` (DRF's metadata) this layer answers."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ResourceMetadata"] = METADATA_SCHEMA
    for path, operations in document.get("paths", {}).items():
        if not is_rest_path(path):
            continue
        served = {m: op for m, op in operations.items() if "405" not in op.get("responses", {})}
        if not served:
            continue
        first = next(iter(served.values()))
        get = served.get("get")
        base = (get or first)["operationId"]
        if get is not None and "head" not in operations:
            responses = {
                status: {"description": answer.get("description", "")}
                for status, answer in get.get("responses", {}).items()
            }
            operations["head"] = {
                "tags": get.get("tags", []),
                "summary": f"{get.get('summary', base)} (headers only)",
                "operationId": f"{base}_head",
                "parameters": copy.deepcopy(get.get("parameters", [])),
                "responses": responses,
                "security": copy.deepcopy(get.get("security", [])),
            }
        if "options" in operations:
            continue
        in_path = [p for p in first.get("parameters", []) if p.get("in") == "path"]
        responses = {
            "200": {
                "description": "Django REST Framework's metadata for the resource",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ResourceMetadata"}}
                },
            },
            "401": copy.deepcopy(first["responses"]["401"]),
        }
        if in_path:
            # Never for an unknown id (the metadata looks nothing up), only for a path of other segments.
            responses["404"] = copy.deepcopy(first["responses"].get("404") or first["responses"]["401"])
            responses["404"]["description"] = "Not a path of this resource"
        operations["options"] = {
            "tags": first.get("tags", []),
            "summary": f"Describe {view_name(path)} (Django REST Framework metadata)",
            "operationId": f"{base}_options",
            "parameters": copy.deepcopy(in_path),
            "responses": responses,
            "security": copy.deepcopy(first.get("security", [])),
        }
