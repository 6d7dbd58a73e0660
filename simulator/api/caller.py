"""Who is calling: the region, the workspace a REST request acts for, and its rate limit, resolved once.

Recall's API (Django REST Framework) authenticates a request, then throttles it, then reads its body.
A route does the same in its first line, `region, ws = caller(request, "<scope>")`, in place of a chain
of dependencies that FastAPI would solve again for every request. The workspace is looked up once per
request and kept in the ASGI scope: the Idempotency-Key middleware, the DRF method handling and the
route all act for the same caller without reading the store again.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, NamedTuple

from fastapi import Request

from recall_sim.simulator.records import Workspace
from recall_sim.simulator.region import Region

__all__ = ["Caller", "authenticated", "caller"]

#: where a request's authenticated workspace is kept, in its ASGI scope
_KEPT = "recall_sim.workspace"


class Caller(NamedTuple):
    region: Region
    workspace: Workspace


def _authorization(scope: MutableMapping[str, Any]) -> str | None:
    # ASGI servers hand header names over lowercased (Starlette's `Headers` relies on it too).
    for name, value in scope["headers"]:
        if name == b"authorization":
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def authenticated(scope: MutableMapping[str, Any]) -> Workspace:
    """The workspace the request acts for, or the 401 `ApiError` raised. Looked up once per request."""
    kept: Workspace | None = scope.get(_KEPT)
    if kept is not None:
        return kept
    region: Region = scope["app"].state.region
    workspace = region.workspaces.authenticate(_authorization(scope))
    scope[_KEPT] = workspace
    return workspace


def caller(request: Request, limit: str | None) -> Caller:
    """The region and the calling workspace, after counting the request against `limit`'s per-minute
    rate limit (none when None)."""
    region: Region = request.app.state.region
    workspace = authenticated(request.scope)
    if limit is not None:
        region.limiter.check(limit, workspace.id)
    return Caller(region, workspace)
