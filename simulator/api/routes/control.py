"""`/_simulator/...`: the control plane over HTTP. No API key: it is for the machine running the tests,
and the server binds to loopback unless told otherwise.

Each route parses its request, makes one `ControlPlane` call (simulator/control_plane/) and shapes the
answer; webhook routes are in webhooks.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.api.bodies import StrictJSONRoute
from recall_sim.simulator.api.deps import control_plane
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.control_plane import (
    ControlPlane,
    DeliveryOut,
    SessionOut,
    WorkspaceCreate,
    WorkspaceOut,
    WorkspaceUpdate,
)
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.faults import FaultRule, FaultRuleCreate
from recall_sim.simulator.realtime.records import DeliveryStatus

__all__ = ["router"]

router = APIRouter(route_class=StrictJSONRoute, prefix="/_simulator", tags=["control plane"])


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int | None = None


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int


class ClockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    advance: float = Field(ge=0, le=366 * 24 * 3600, description="Seconds of simulated time to let pass")


@router.get("/health", operation_id="control_health")
async def health(cp: ControlPlane = Depends(control_plane)) -> dict[str, Any]:
    return cp.health()


@router.post("/reset", operation_id="control_reset")
async def reset(
    body: ResetRequest | None = Body(default=None), cp: ControlPlane = Depends(control_plane)
) -> dict[str, Any]:
    return await cp.reset(seed=body.seed if body else None)


@router.post("/seed", operation_id="control_seed")
async def seed(body: SeedRequest, cp: ControlPlane = Depends(control_plane)) -> dict[str, Any]:
    return await cp.seed(body.seed)


@router.get("/clock", operation_id="control_clock")
async def clock(cp: ControlPlane = Depends(control_plane)) -> dict[str, Any]:
    return cp.clock()


@router.post("/clock", operation_id="control_clock_advance")
async def advance(body: ClockRequest, cp: ControlPlane = Depends(control_plane)) -> dict[str, Any]:
    return await cp.advance(body.advance)


@router.get("/workspaces", response_model=list[WorkspaceOut], operation_id="control_workspace_list")
async def list_workspaces(cp: ControlPlane = Depends(control_plane)) -> list[WorkspaceOut]:
    return cp.list_workspaces()


@router.post(
    "/workspaces", status_code=201, response_model=WorkspaceOut, operation_id="control_workspace_create"
)
async def create_workspace(
    body: WorkspaceCreate | None = Body(default=None), cp: ControlPlane = Depends(control_plane)
) -> WorkspaceOut:
    return cp.create_workspace(body or WorkspaceCreate())


@router.get(
    "/workspaces/{workspace_id}",
    response_model=WorkspaceOut,
    operation_id="control_workspace_retrieve",
    responses=errors_doc(404),
)
async def get_workspace(workspace_id: str, cp: ControlPlane = Depends(control_plane)) -> WorkspaceOut:
    return cp.get_workspace(workspace_id)


@router.patch(
    "/workspaces/{workspace_id}",
    response_model=WorkspaceOut,
    operation_id="control_workspace_update",
    responses=errors_doc(404),
)
async def update_workspace(
    workspace_id: str, body: WorkspaceUpdate, cp: ControlPlane = Depends(control_plane)
) -> WorkspaceOut:
    return cp.update_workspace(workspace_id, body)


@router.post(
    "/workspaces/{workspace_id}/api_keys",
    status_code=201,
    operation_id="control_api_key_create",
    responses=errors_doc(404),
)
async def create_api_key(workspace_id: str, cp: ControlPlane = Depends(control_plane)) -> dict[str, str]:
    return {"api_key": cp.create_api_key(workspace_id)}


@router.get("/faults", response_model=list[FaultRule], operation_id="control_fault_list")
async def list_faults(cp: ControlPlane = Depends(control_plane)) -> list[FaultRule]:
    return cp.list_faults()


@router.post("/faults", status_code=201, response_model=FaultRule, operation_id="control_fault_create")
async def add_fault(body: FaultRuleCreate, cp: ControlPlane = Depends(control_plane)) -> FaultRule:
    return cp.add_fault(body)


@router.delete(
    "/faults/{rule_id}",
    status_code=204,
    response_class=Response,
    operation_id="control_fault_delete",
    responses=errors_doc(404),
)
async def remove_fault(rule_id: str, cp: ControlPlane = Depends(control_plane)) -> Response:
    if not cp.remove_fault(rule_id):
        raise NotFound()
    return Response(status_code=204)


@router.delete("/faults", status_code=204, response_class=Response, operation_id="control_fault_clear")
async def clear_faults(cp: ControlPlane = Depends(control_plane)) -> Response:
    cp.clear_faults()
    return Response(status_code=204)


@router.get("/state", operation_id="control_state")
async def state(cp: ControlPlane = Depends(control_plane)) -> dict[str, Any]:
    return cp.state()


@router.get(
    "/realtime/deliveries", response_model=list[DeliveryOut], operation_id="control_realtime_delivery_list"
)
async def list_realtime_deliveries(
    recording_id: str | None = None,
    endpoint_id: str | None = None,
    status: DeliveryStatus | None = None,
    event: str | None = None,
    cp: ControlPlane = Depends(control_plane),
) -> list[DeliveryOut]:
    return cp.realtime.deliveries(
        recording_id=recording_id, endpoint_id=endpoint_id, status=status, event=event
    )


@router.get(
    "/realtime/deliveries/{delivery_id}",
    response_model=DeliveryOut,
    operation_id="control_realtime_delivery_retrieve",
    responses=errors_doc(404),
)
async def get_realtime_delivery(delivery_id: str, cp: ControlPlane = Depends(control_plane)) -> DeliveryOut:
    return cp.realtime.delivery(delivery_id)


@router.get(
    "/realtime/sessions/{recording_id}",
    response_model=SessionOut,
    operation_id="control_realtime_session_retrieve",
    responses=errors_doc(404),
)
async def get_realtime_session(recording_id: str, cp: ControlPlane = Depends(control_plane)) -> SessionOut:
    return cp.realtime.session(recording_id)
