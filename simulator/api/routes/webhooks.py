"""`/_simulator/webhooks/...`: webhook endpoints, messages and attempts on the control plane.

Each route parses its request, makes one `ControlPlane(region).webhooks` call (simulator/control_plane/)
and shapes the answer.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.api.bodies import StrictJSONRoute
from recall_sim.simulator.api.deps import control_plane
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.control_plane import (
    ControlPlane,
    EndpointCreate,
    EndpointCreated,
    EndpointOut,
    EndpointUpdate,
    MessageOut,
)
from recall_sim.simulator.webhooks.models import Attempt, DestinationStatus, Outcome
from recall_sim.simulator.webhooks.trigger import TriggerOut, TriggerRequest

__all__ = ["router"]

router = APIRouter(
    route_class=StrictJSONRoute, prefix="/_simulator/webhooks", tags=["control plane: webhooks"]
)


class SecretOut(BaseModel):
    key: str


class RotateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, description="The new whsec_ secret; generated when omitted")


class RecoverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime
    until: datetime | None = None


class RecoverOut(BaseModel):
    message_ids: list[str]


@router.get("/endpoints", response_model=list[EndpointOut], operation_id="webhook_endpoint_list")
async def list_endpoints(
    workspace_id: str | None = None, cp: ControlPlane = Depends(control_plane)
) -> list[EndpointOut]:
    return cp.webhooks.list_endpoints(workspace_id)


@router.post(
    "/endpoints",
    status_code=201,
    response_model=EndpointCreated,
    operation_id="webhook_endpoint_create",
    responses=errors_doc(400, 404),  # a bad URL or secret; an unknown workspace_id
)
async def create_endpoint(body: EndpointCreate, cp: ControlPlane = Depends(control_plane)) -> EndpointCreated:
    """A new endpoint, with the secret its receiver verifies with and the header family it will see."""
    return cp.webhooks.create_endpoint(body)


@router.get(
    "/endpoints/{endpoint_id}",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_retrieve",
    responses=errors_doc(404),
)
async def get_endpoint(endpoint_id: str, cp: ControlPlane = Depends(control_plane)) -> EndpointOut:
    return cp.webhooks.get_endpoint(endpoint_id)


@router.patch(
    "/endpoints/{endpoint_id}",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_update",
    responses=errors_doc(404),
)
async def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, cp: ControlPlane = Depends(control_plane)
) -> EndpointOut:
    return cp.webhooks.update_endpoint(endpoint_id, body)


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=204,
    response_class=Response,
    operation_id="webhook_endpoint_delete",
    responses=errors_doc(404),
)
async def delete_endpoint(endpoint_id: str, cp: ControlPlane = Depends(control_plane)) -> Response:
    cp.webhooks.delete_endpoint(endpoint_id)
    return Response(status_code=204)


@router.post(
    "/endpoints/{endpoint_id}/enable",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_enable",
    responses=errors_doc(404),
)
async def enable_endpoint(endpoint_id: str, cp: ControlPlane = Depends(control_plane)) -> EndpointOut:
    return cp.webhooks.enable_endpoint(endpoint_id)


@router.post(
    "/endpoints/{endpoint_id}/disable",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_disable",
    responses=errors_doc(404),
)
async def disable_endpoint(endpoint_id: str, cp: ControlPlane = Depends(control_plane)) -> EndpointOut:
    return cp.webhooks.disable_endpoint(endpoint_id)


@router.get(
    "/endpoints/{endpoint_id}/secret",
    response_model=SecretOut,
    operation_id="webhook_endpoint_secret",
    responses=errors_doc(404),
)
async def endpoint_secret(endpoint_id: str, cp: ControlPlane = Depends(control_plane)) -> SecretOut:
    return SecretOut(key=cp.webhooks.endpoint_secret(endpoint_id))


@router.post(
    "/endpoints/{endpoint_id}/secret/rotate",
    response_model=SecretOut,
    operation_id="webhook_endpoint_secret_rotate",
    responses=errors_doc(404),
)
async def rotate_endpoint_secret(
    endpoint_id: str,
    body: RotateRequest | None = Body(default=None),
    cp: ControlPlane = Depends(control_plane),
) -> SecretOut:
    """Rotate the secret that signs this endpoint: its own (seed), or its workspace's (current)."""
    return SecretOut(key=cp.webhooks.rotate_endpoint_secret(endpoint_id, body.key if body else None))


@router.post(
    "/workspaces/{workspace_id}/secret/rotate",
    response_model=SecretOut,
    operation_id="webhook_workspace_secret_rotate",
    responses=errors_doc(404),
)
async def rotate_workspace_secret(
    workspace_id: str,
    body: RotateRequest | None = Body(default=None),
    cp: ControlPlane = Depends(control_plane),
) -> SecretOut:
    return SecretOut(key=cp.webhooks.rotate_workspace_secret(workspace_id, body.key if body else None))


@router.get(
    "/endpoints/{endpoint_id}/attempts",
    response_model=list[Attempt],
    operation_id="webhook_endpoint_attempts",
    responses=errors_doc(404),
)
async def endpoint_attempts(
    endpoint_id: str,
    status: Outcome | None = None,
    event_type: str | None = None,
    cp: ControlPlane = Depends(control_plane),
) -> list[Attempt]:
    return cp.webhooks.endpoint_attempts(endpoint_id, status=status, event_type=event_type)


@router.post(
    "/endpoints/{endpoint_id}/recover",
    response_model=RecoverOut,
    operation_id="webhook_endpoint_recover",
    responses=errors_doc(404),
)
async def recover(
    endpoint_id: str, body: RecoverRequest, cp: ControlPlane = Depends(control_plane)
) -> RecoverOut:
    """Resend, once each, every message that failed for this endpoint since `since`."""
    return RecoverOut(message_ids=cp.webhooks.recover(endpoint_id, body.since, body.until))


@router.get("/messages", response_model=list[MessageOut], operation_id="webhook_message_list")
async def list_messages(
    workspace_id: str | None = None,
    event_type: str | None = None,
    status: DestinationStatus | None = None,
    endpoint_id: str | None = None,
    since: datetime | None = Query(default=None),
    until: datetime | None = Query(default=None),
    cp: ControlPlane = Depends(control_plane),
) -> list[MessageOut]:
    return cp.webhooks.list_messages(
        workspace_id,
        event_type=event_type,
        status=status,
        endpoint_id=endpoint_id,
        since=since,
        until=until,
    )


@router.get(
    "/messages/{message_id}",
    response_model=MessageOut,
    operation_id="webhook_message_retrieve",
    responses=errors_doc(404),
)
async def get_message(message_id: str, cp: ControlPlane = Depends(control_plane)) -> MessageOut:
    return cp.webhooks.get_message(message_id)


@router.get(
    "/messages/{message_id}/attempts",
    response_model=list[Attempt],
    operation_id="webhook_message_attempts",
    responses=errors_doc(404),
)
async def message_attempts(
    message_id: str,
    endpoint_id: str | None = None,
    status: Outcome | None = None,
    cp: ControlPlane = Depends(control_plane),
) -> list[Attempt]:
    return cp.webhooks.message_attempts(message_id, endpoint_id=endpoint_id, status=status)


@router.post(
    "/messages/{message_id}/endpoints/{endpoint_id}/resend",
    response_model=Attempt,
    operation_id="webhook_message_resend",
    responses=errors_doc(404),
)
async def resend(message_id: str, endpoint_id: str, cp: ControlPlane = Depends(control_plane)) -> Attempt:
    """One attempt, now, with no retries; answers with that attempt once it is logged."""
    return await cp.webhooks.resend(message_id, endpoint_id)


@router.post(
    "/trigger",
    status_code=201,
    response_model=TriggerOut,
    operation_id="webhook_trigger",
    responses=errors_doc(400, 404),  # an event type the profile does not send; an unknown recording
)
async def trigger(body: TriggerRequest, cp: ControlPlane = Depends(control_plane)) -> TriggerOut:
    """Send one webhook of `event_type` to the workspace's endpoints, about real resources: a new sdk
    upload and recording in the state the event reports, or the given recording."""
    return cp.webhooks.trigger(body)
