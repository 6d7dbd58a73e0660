"""`ControlPlane(region)`: the one way in to the control plane, for its routes, the dashboard, the pytest
plugin and the scenario runner alike.

Region-wide calls are methods here: health, reset, seed, clock (read, advance), workspaces and API keys,
fault rules, and a state dump. Webhook calls are `.webhooks` (webhook_calls.py), real-time calls
`.realtime` (realtime_calls.py) and reads of stored records `.records` (record_reads.py). Each route
under `/_simulator/` parses its request, makes one of these calls and shapes the answer; nothing else
about the control plane lives in the HTTP layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from recall_sim.seams import VirtualClock, isoformat
from recall_sim.simulator.control_plane.realtime_calls import RealtimeCalls
from recall_sim.simulator.control_plane.record_reads import RecordReads
from recall_sim.simulator.control_plane.shapes import WorkspaceCreate, WorkspaceOut, WorkspaceUpdate
from recall_sim.simulator.control_plane.webhook_calls import WebhookCalls
from recall_sim.simulator.faults import FaultRule, FaultRuleCreate
from recall_sim.simulator.records import ApiKey, Workspace
from recall_sim.simulator.region import Region
from recall_sim.simulator.store import COLLECTIONS

__all__ = ["ControlPlane"]

VERSION = "0.1.0"


class ControlPlane:
    def __init__(self, region: Region) -> None:
        self.region = region
        #: webhook endpoints, messages, attempts, resend, recover and trigger
        self.webhooks = WebhookCalls(region)
        #: real-time deliveries (per recording and endpoint) and the streams recorders sent
        self.realtime = RealtimeCalls(region)
        #: what the region stores, across workspaces: uploads, recordings, artifacts, events
        self.records = RecordReads(region)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "region": self.region.settings.region, "version": VERSION}

    async def reset(self, seed: int | None = None) -> dict[str, Any]:
        await self.region.reset(seed=seed)
        return self.summary()

    async def seed(self, seed: int) -> dict[str, Any]:
        """Reseed every random stream; like moto's seed, this also starts from a clean state."""
        return await self.reset(seed=seed)

    def summary(self) -> dict[str, Any]:
        ws = self.region.default_workspace
        return {
            "region": self.region.settings.region,
            "seed": self.region.seed,
            "default_workspace": self.workspace_out(ws).model_dump(),
            "api_key": self.region.default_api_key.id,
        }

    def clock(self) -> dict[str, Any]:
        clock = self.region.clock
        # What the control plane shows is kept, so a restart never goes back before it.
        self.region.ctx.remember_clock()
        return {
            "now": isoformat(clock.now()),
            "timestamp": clock.timestamp(),
            "kind": "virtual" if isinstance(clock, VirtualClock) else "real",
            "time_scale": getattr(clock, "scale", None),
        }

    def now(self) -> datetime:
        """The region's time, read without keeping it (`clock()` keeps what it shows)."""
        return self.region.clock.now()

    async def advance(self, seconds: float) -> dict[str, Any]:
        """Let `seconds` of simulated time pass, running whatever falls due on the way, in order."""
        await self.region.advance(seconds)
        return self.clock()

    def workspace_out(self, workspace: Workspace) -> WorkspaceOut:
        keys: list[ApiKey] = self.region.workspaces.api_keys_of(workspace.id)
        return WorkspaceOut(
            id=workspace.id,
            name=workspace.name,
            region=workspace.region,
            profile=workspace.profile,
            api_keys=[k.id for k in keys],
            webhook_secret=workspace.webhook_secret,
            quirks=workspace.quirks,
        )

    def create_workspace(self, spec: WorkspaceCreate) -> WorkspaceOut:
        workspace, _ = self.region.workspaces.create_workspace(
            name=spec.name,
            region=spec.region,
            profile=spec.profile,
            api_key=spec.api_key,
            webhook_secret=spec.webhook_secret,
            quirks=spec.quirks,
        )
        return self.workspace_out(workspace)

    def list_workspaces(self) -> list[WorkspaceOut]:
        return [self.workspace_out(w) for w in self.region.workspaces.list_workspaces()]

    def get_workspace(self, workspace_id: str) -> WorkspaceOut:
        return self.workspace_out(self.region.workspaces.get_workspace(workspace_id))

    def update_workspace(self, workspace_id: str, spec: WorkspaceUpdate) -> WorkspaceOut:
        workspace = self.region.workspaces.update_workspace(
            workspace_id, profile=spec.profile, quirks=spec.quirks
        )
        return self.workspace_out(workspace)

    def create_api_key(self, workspace_id: str) -> str:
        return self.region.workspaces.create_api_key(workspace_id).id

    def add_fault(self, spec: FaultRuleCreate) -> FaultRule:
        return self.region.faults.add(spec)

    def list_faults(self) -> list[FaultRule]:
        return list(self.region.faults.rules)

    def remove_fault(self, rule_id: str) -> bool:
        return self.region.faults.remove(rule_id)

    def clear_faults(self) -> None:
        self.region.faults.clear()

    def state(self) -> dict[str, Any]:
        """Everything the region holds, as JSON (media blobs by key, not content)."""
        store = self.region.store
        return {
            "region": self.region.settings.region,
            "seed": self.region.seed,
            "clock": self.clock(),
            "collections": {name: store.find(name) for name in COLLECTIONS},
            "faults": [r.model_dump() for r in self.region.faults.rules],
        }
