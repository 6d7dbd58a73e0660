"""A region whose webhooks go to the shipped receiver, in process: where every test that records,
uploads and then reads the webhooks that came of it starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.seams import VirtualClock
from recall_sim.simulator.control_plane import EndpointCreate, EndpointCreated, WorkspaceCreate
from recall_sim.simulator.records import Quirks
from recall_sim.simulator.settings import ApiProfile
from tests.support import Sim, make_sim

__all__ = ["ENDPOINT_URL", "Receiving", "receiving_region"]

#: where the region sends the webhooks (the receiver answers on any path of any host)
ENDPOINT_URL = "http://backend.test/recall"


@dataclass(frozen=True)
class Receiving:
    """The running region, its receiver, the API key of the workspace the endpoint is in, and the
    endpoint (its `secret` verifies the deliveries)."""

    sim: Sim
    receiver: WebhookReceiver
    api_key: str
    endpoint: EndpointCreated


@asynccontextmanager
async def receiving_region(
    clock: VirtualClock, tmp_path: Path, profile: ApiProfile | None = None, *, quirks: Quirks | None = None
) -> AsyncIterator[Receiving]:
    """A running region on `clock` with one endpoint for every event type, its deliveries recorded by a
    `WebhookReceiver` that checks no signature. With a `profile` (or `quirks`) the endpoint is in a new
    workspace of that profile; without, in the region's start-up workspace. Stopped and closed after."""
    receiver = WebhookReceiver(clock, path=None)
    sim = make_sim(clock, tmp_path, webhook_transport=receiver.transport())
    await sim.region.start()
    try:
        workspace_id, api_key = sim.region.default_workspace.id, sim.api_key
        if profile is not None or quirks is not None:
            workspace = sim.control.create_workspace(
                WorkspaceCreate(profile=profile, quirks=quirks or Quirks())
            )
            workspace_id, api_key = workspace.id, workspace.api_keys[0]
        endpoint = sim.control.webhooks.create_endpoint(
            EndpointCreate(url=ENDPOINT_URL, workspace_id=workspace_id, filter_types=None)
        )
        yield Receiving(sim, receiver, api_key, endpoint)
    finally:
        await sim.aclose()
        sim.close()
