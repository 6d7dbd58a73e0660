"""Routes whose FastAPI analysis waits for their first use.

FastAPI analyses a route when it is declared: the endpoint's signature and every dependency in it, a
pydantic field per parameter, a serializer for the response model. For the region's hundred routes that
was a fifth of `recall-sim serve`'s start-up, paid before the first request although a start-up answers
its health check first and most routes later or never. `DeferredRoute` keeps what routing needs to match
a request (path, methods, name) and does FastAPI's own analysis, unchanged, the first time anything else
about the route is asked for: its first request, or the OpenAPI document, which reads every route.
Each route is analysed once per process, as before; only when differs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import compile_path, get_name

__all__ = ["DeferredRoute"]

#: Routes are shared by every app of a process (app.py), and a served region's event loop may run on
#: another thread than a test building its own app.
_ANALYSING = threading.RLock()


class DeferredRoute(APIRoute):
    """An `APIRoute` that matches requests at once and is analysed by FastAPI on first use."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        self._deferred: tuple[str, Callable[..., Any], dict[str, Any]] | None = (path, endpoint, options)
        # What Starlette's routing reads to match a request and to name a 405's methods, set as
        # FastAPI sets it (its analysis sets the same values again).
        name = options.get("name")
        self.path = path
        self.endpoint = endpoint
        self.name = get_name(endpoint) if name is None else name
        self.methods = {method.upper() for method in options.get("methods") or ["GET"]}
        self.include_in_schema = options.get("include_in_schema", True)
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def __getattr__(self, attribute: str) -> Any:
        # Only called for what is not set yet: everything FastAPI's analysis sets. (Protocols that probe
        # for optional dunders, as `copy` does for `__deepcopy__`, need no analysis to hear no.)
        if attribute.startswith("__") or self.__dict__.get("_deferred") is None:
            raise AttributeError(attribute)
        self.analyse()
        return getattr(self, attribute)

    def analyse(self) -> None:
        """FastAPI's analysis of the route, if it has not been done yet."""
        with _ANALYSING:
            deferred = self.__dict__.get("_deferred")
            if deferred is None:
                return
            before = dict(self.__dict__)
            # Taken before the analysis: what it reads before setting is then missing, as on an APIRoute.
            self._deferred = None
            path, endpoint, options = deferred
            try:
                super().__init__(path, endpoint, **options)
            except BaseException:
                # Not left half-analysed: the next use fails the same way, as declaring it would have.
                self.__dict__.clear()
                self.__dict__.update(before)
                raise
