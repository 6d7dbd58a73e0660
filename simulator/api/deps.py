"""Dependencies shared by the routers: the region, its control plane, the calling workspace, rate limits,
links, bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID

from fastapi import Depends, Request

from recall_sim.simulator.control_plane import ControlPlane
from recall_sim.simulator.errors import ValidationFailed
from recall_sim.simulator.records import Workspace
from recall_sim.simulator.region import Region
from recall_sim.simulator.render import Links

__all__ = [
    "base_url",
    "control_plane",
    "get_region",
    "links",
    "parse_datetime_param",
    "parse_uuid_param",
    "throttled",
    "workspace",
]


async def get_region(request: Request) -> Region:
    region: Region = request.app.state.region
    return region


async def control_plane(region: Region = Depends(get_region)) -> ControlPlane:
    """The region's control plane: what every `/_simulator/` route and dashboard page calls."""
    return ControlPlane(region)


async def workspace(request: Request, region: Region = Depends(get_region)) -> Workspace:
    return region.workspaces.authenticate(request.headers.get("authorization"))


def throttled(scope: str) -> Callable[..., Awaitable[Workspace]]:
    """The caller's workspace, after counting this request against `scope`'s per-minute limit."""

    async def dependency(
        ws: Workspace = Depends(workspace), region: Region = Depends(get_region)
    ) -> Workspace:
        region.limiter.check(scope, ws.id)
        return ws

    dependency.__name__ = f"throttle_{scope}"
    return dependency


def base_url(request: Request, region: Region) -> str:
    return region.settings.public_base_url or str(request.base_url)


async def links(request: Request, region: Region = Depends(get_region)) -> Links:
    return Links(
        base_url=base_url(request, region),
        signer=region.signer,
        now=region.clock.timestamp(),
        ttl=region.settings.download_url_ttl,
    )


def parse_uuid_param(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(UUID(value))
    except ValueError:
        raise ValidationFailed({name: ["Enter a valid UUID."]}) from None


def parse_datetime_param(name: str, value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ValidationFailed({name: ["Enter a valid date/time."]}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
