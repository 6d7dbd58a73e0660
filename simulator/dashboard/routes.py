"""The dashboard's pages: `/_simulator/` (overview) and `/_simulator/ui/...`, and `/` sending people there.

Pages are rendered on the server; what they change (the clock, faults, resends, endpoints, a deletion)
goes from the page's script to the control plane's own JSON routes, so the dashboard adds no second way
to change the region. No API key, as for the control plane: the server binds to loopback. None of these
routes is in the OpenAPI document: they answer HTML, not the API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from recall_sim.simulator.api.deferred_route import DeferredRoute
from recall_sim.simulator.api.deps import control_plane, links
from recall_sim.simulator.control_plane import ControlPlane
from recall_sim.simulator.dashboard import views
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.render import Links

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["router"]

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


def _when(moment: datetime | None) -> str:
    """A moment as the pages show it: UTC, to the millisecond."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@cache
def _environment() -> Environment:
    """The templates, loaded on the first page asked for: `recall-sim serve` starts without Jinja2."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("recall_sim.simulator.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mask"] = views.mask
    env.filters["when"] = _when
    env.filters["seconds"] = lambda value: f"{float(value):.2f} s"
    env.filters["json"] = lambda value: json.dumps(value, indent=2, sort_keys=True, default=str)
    return env


#: static files, by name: what the page may ask for and the type it is served as
_STATIC = {"dashboard.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"}


def _page(template: str, request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _environment().get_template(template).render(request=request, path=request.url.path, **context)
    # Pages are looks at the region now: never cached, so polling and back buttons show what is.
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _not_found(request: Request, what: str) -> HTMLResponse:
    return _page("missing.html", request, status_code=404, what=what)


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/_simulator/", status_code=307)


@router.get("/_simulator/")
async def overview(request: Request, cp: ControlPlane = Depends(control_plane)) -> HTMLResponse:
    return _page("overview.html", request, **views.overview(cp))


@router.get("/_simulator/ui/uploads")
async def uploads(
    request: Request, status: str = "", q: str = "", cp: ControlPlane = Depends(control_plane)
) -> HTMLResponse:
    rows = views.upload_rows(cp, status=status or None, query=q.strip() or None)
    return _page(
        "uploads.html",
        request,
        rows=rows,
        statuses=views.upload_statuses(cp),
        status=status,
        q=q,
    )


@router.get("/_simulator/ui/recordings/{recording_id}")
async def recording(
    recording_id: str,
    request: Request,
    cp: ControlPlane = Depends(control_plane),
    link: Links = Depends(links),
) -> HTMLResponse:
    try:
        found = cp.records.recording(recording_id)
    except NotFound:
        return _not_found(request, f"recording {recording_id}")
    workspace_keys = cp.get_workspace(found.workspace_id).api_keys
    return _page(
        "recording.html",
        request,
        view=views.recording_view(cp, found, link),
        api_key=workspace_keys[0] if workspace_keys else "",
    )


@router.get("/_simulator/ui/webhooks")
async def webhooks(
    request: Request,
    event_type: str = "",
    status: str = "",
    endpoint_id: str = "",
    cp: ControlPlane = Depends(control_plane),
) -> HTMLResponse:
    if status not in ("", "pending", "success", "failed"):
        status = ""
    found = views.webhooks_view(cp, event_type=event_type, status=status, endpoint_id=endpoint_id)
    return _page(
        "webhooks.html",
        request,
        **found,
        event_type=event_type,
        status=status,
        endpoint_id=endpoint_id,
        # Recover's default reach: the day before now on the region's clock.
        recover_since=(cp.now() - timedelta(days=1)).isoformat(),
    )


@router.get("/_simulator/ui/webhooks/messages/{message_id}")
async def message(
    message_id: str, request: Request, cp: ControlPlane = Depends(control_plane)
) -> HTMLResponse:
    webhooks = cp.webhooks
    try:
        found = webhooks.get_message(message_id)
    except NotFound:
        return _not_found(request, f"webhook message {message_id}")
    return _page(
        "message.html",
        request,
        message=found,
        attempts=list(reversed(views.attempts_of(cp, message_id))),
        endpoint_urls={e.id: e.url for e in webhooks.list_endpoints()},
    )


@router.get("/_simulator/ui/faults")
async def faults(request: Request, cp: ControlPlane = Depends(control_plane)) -> HTMLResponse:
    return _page("faults.html", request, faults=cp.list_faults())


@router.get("/_simulator/ui/runs")
async def runs(request: Request) -> HTMLResponse:
    return _page("runs.html", request)


@router.get("/_simulator/ui/static/{name}")
async def static(name: str) -> Response:
    media_type = _STATIC.get(name)
    if media_type is None:
        raise NotFound()
    body = files("recall_sim.simulator.dashboard").joinpath("static", name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})
