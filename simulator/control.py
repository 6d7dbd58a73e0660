"""The control plane: what tests (and partners' test suites) do to a region besides calling its API.

Every operation is a Python method here and an HTTP route under `/_simulator/` (api/routes/control.py):
health, reset, seed, clock (read, advance), workspaces and API keys, fault rules, and a state dump.
Webhook endpoints, messages and attempts are `ControlPlane(region).webhooks` (`/_simulator/webhooks/`);
real-time deliveries and sessions are `ControlPlane(region).realtime` (`/_simulator/realtime/`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.seams import VirtualClock, isoformat
from recall_sim.simulator.faults import FaultRule, FaultRuleCreate
from recall_sim.simulator.realtime.control import RealtimeControl
from recall_sim.simulator.records import ApiKey, Quirks, Workspace
from recall_sim.simulator.region import Region
from recall_sim.simulator.settings import ApiProfile
from recall_sim.simulator.settings import RegionName as RegionName
from recall_sim.simulator.store import COLLECTIONS
from recall_sim.simulator.webhooks.control import WebhooksControl

__all__ = ["ControlPlane", "WorkspaceCreate", "WorkspaceOut", "WorkspaceUpdate"]

VERSION = "0.1.0"


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "Workspace"
    region: RegionName | None = Field(
        default=None, description="Defaults to the region this simulator serves"
    )
    profile: ApiProfile | None = Field(
        default=None, description="`seed` (late-2024 API) or `current` (2026 API)"
    )
    api_key: str | None = Field(default=None, description="A fixed key; generated when omitted")
    webhook_secret: str | None = Field(
        default=None, description="A fixed whsec_ secret; generated when omitted"
    )
    quirks: Quirks = Field(default_factory=Quirks)


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: ApiProfile | None = None
    quirks: Quirks | None = None


class WorkspaceOut(BaseModel):
    id: str
    name: str
    region: RegionName
    profile: ApiProfile
    api_keys: list[str]
    webhook_secret: str
    quirks: Quirks


class ControlPlane:
    def __init__(self, region: Region) -> None:
        self.region = region

    @property
    def webhooks(self) -> WebhooksControl:
        """Webhook endpoints, messages, attempts, resend and recover."""
        return WebhooksControl(self.region)

    @property
    def realtime(self) -> RealtimeControl:
        """Real-time deliveries (per recording and endpoint) and the streams recorders sent."""
        return RealtimeControl(self.region)

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
