"""The region's one middleware layer: what stands between uvicorn and the routes, in the order a request
meets it, each step taken only on the requests it concerns.

1. Fault rules (faults.py), on every path but the control plane's: before anything else, as a broken
   network would act.
2. On the tus endpoint, `Tus-Resumable` on every answer (tus_headers.py); nothing else applies there.
3. Elsewhere, the body limit (body_limit.py) on a request that declares a body (a Content-Length or a
   chunked Transfer-Encoding: a request without either has none, in HTTP/1.1 and in ASGI alike).
4. On REST paths, Django REST Framework's method handling (drf_methods.py): redirects, HEAD, OPTIONS and
   405 do no work for the Idempotency-Key step to remember.
5. On a change to Recall's API carrying an `Idempotency-Key`, that step (idempotency.py).

Stateless, as each step is: the state lives in the region. The request's headers are read once, here.
Errors the routes raise are rendered inside this layer (FastAPI's exception middleware sits between it
and the routes), so every step sees them as answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from recall_sim.simulator.api import faults, idempotency
from recall_sim.simulator.api.body_limit import limited
from recall_sim.simulator.api.drf_methods import DrfMethods, is_rest_path
from recall_sim.simulator.api.tus_headers import with_tus_resumable

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["RegionMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_KEY = b"idempotency-key"
_LENGTH = b"content-length"
_CHUNKED = b"transfer-encoding"
#: the kept key of a request, in its ASGI scope, for the steps after the body limit
_KEPT_KEY = "recall_sim.idempotency_key"


class RegionMiddleware:
    def __init__(self, app: ASGIApp, *, files_prefix: str, tus_version: str) -> None:
        self.app = app
        self.files_prefix = files_prefix
        self.tus_header = (b"tus-resumable", tus_version.encode())
        self.methods = DrfMethods()
        self.keyed = idempotency.Keyed(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        region: Region = scope["app"].state.region
        if faults.applies(path):
            rule = region.faults.pick(scope["method"], path)
            if rule is not None:
                held_back = faults.played(rule, region, send)
                if held_back is None:
                    await faults.answer(rule, region, send)
                    return
                send = held_back
        if path.startswith(self.files_prefix):
            await self.app(scope, receive, with_tus_resumable(send, self.tus_header))
            return
        # One pass over the headers (lowercased by every ASGI server); the first of a repeated one counts.
        declared: bytes | None = None
        chunked = False
        key: bytes | None = None
        for name, value in scope["headers"]:
            if name == _LENGTH:
                declared = value if declared is None else declared
            elif name == _KEY:
                key = value if key is None else key
            elif name == _CHUNKED:
                chunked = True
        if key:
            scope[_KEPT_KEY] = key.decode("latin-1")
        if declared is None and not chunked:
            await self._within_limit(scope, receive, send)
            return
        length = declared.strip() if declared is not None else b""
        limit: int = region.settings.max_json_body
        await limited(
            self._within_limit, limit, int(length) if length.isdigit() else None, scope, receive, send
        )

    async def _within_limit(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_rest_path(scope["path"]):
            await self.methods(self._served, scope, receive, send)
        else:
            await self._served(scope, receive, send)

    async def _served(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A method the route serves: through the Idempotency-Key step when the request carries a key."""
        key: str | None = scope.get(_KEPT_KEY)
        if key and idempotency.applies(scope["method"], scope["path"]):
            await self.keyed(key, scope, receive, send)
        else:
            await self.app(scope, receive, send)
