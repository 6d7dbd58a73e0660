"""What the routers share: the region, its control plane, download links, query parameters parsed as DRF
parses them. (A REST route's caller, authenticated and rate-limited, comes from `caller.py`.)"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import Depends, Request

from recall_sim.simulator.control_plane import ControlPlane
from recall_sim.simulator.errors import ValidationFailed
from recall_sim.simulator.region import Region
from recall_sim.simulator.render import Links

__all__ = [
    "base_url",
    "control_plane",
    "get_region",
    "links",
    "links_of",
    "parse_datetime_param",
    "parse_uuid_param",
]


async def get_region(request: Request) -> Region:
    region: Region = request.app.state.region
    return region


async def control_plane(region: Region = Depends(get_region)) -> ControlPlane:
    """The region's control plane: what every `/_simulator/` route and dashboard page calls."""
    return ControlPlane(region)


def base_url(request: Request, region: Region) -> str:
    return region.settings.public_base_url or str(request.base_url)


async def links(request: Request, region: Region = Depends(get_region)) -> Links:
    return links_of(request, region)


def links_of(request: Request, region: Region) -> Links:
    """How the region's answers to `request` link to media: signed, expiring download URLs."""
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
