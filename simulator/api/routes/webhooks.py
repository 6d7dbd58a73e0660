"""`/_simulator/webhooks/...`: webhook endpoints, messages and attempts on the control plane.

Thin over `simulator.webhooks.control.WebhooksControl`, which offers the same calls in Python.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.api.bodies import StrictJSONRoute
from recall_sim.simulator.api.deps import get_region
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.region import Region
from recall_sim.simulator.webhooks.control import (
    EndpointCreate,
    EndpointCreated,
    EndpointOut,
    EndpointUpdate,
    MessageOut,
    WebhooksControl,
)
from recall_sim.simulator.webhooks.models import Attempt, DestinationStatus, Outcome
from recall_sim.simulator.webhooks.trigger import TriggerOut, TriggerRequest

__all__ = ["router"]

router = APIRouter(
    route_class=StrictJSONRoute, prefix="/_simulator/webhooks", tags=["control plane: webhooks"]
)


async def control(region: Region = Depends(get_region)) -> WebhooksControl:
    return WebhooksControl(region)


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
    workspace_id: str | None = None, wc: WebhooksControl = Depends(control)
) -> list[EndpointOut]:
    return wc.list_endpoints(workspace_id)


@router.post(
    "/endpoints",
    status_code=201,
    response_model=EndpointCreated,
    operation_id="webhook_endpoint_create",
    responses=errors_doc(400, 404),  # a bad URL or secret; an unknown workspace_id
)
async def create_endpoint(body: EndpointCreate, wc: WebhooksControl = Depends(control)) -> EndpointCreated:
    """A new endpoint, with the secret its receiver verifies with and the header family it will see."""
    return wc.create_endpoint(body)


@router.get(
    "/endpoints/{endpoint_id}",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_retrieve",
    responses=errors_doc(404),
)
async def get_endpoint(endpoint_id: str, wc: WebhooksControl = Depends(control)) -> EndpointOut:
    return wc.get_endpoint(endpoint_id)


@router.patch(
    "/endpoints/{endpoint_id}",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_update",
    responses=errors_doc(404),
)
async def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, wc: WebhooksControl = Depends(control)
) -> EndpointOut:
    return wc.update_endpoint(endpoint_id, body)


@router.delete(
    "/endpoints/{endpoint_id}",
    status_code=204,
    response_class=Response,
    operation_id="webhook_endpoint_delete",
    responses=errors_doc(404),
)
async def delete_endpoint(endpoint_id: str, wc: WebhooksControl = Depends(control)) -> Response:
    wc.delete_endpoint(endpoint_id)
    return Response(status_code=204)


@router.post(
    "/endpoints/{endpoint_id}/enable",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_enable",
    responses=errors_doc(404),
)
async def enable_endpoint(endpoint_id: str, wc: WebhooksControl = Depends(control)) -> EndpointOut:
    return wc.enable_endpoint(endpoint_id)


@router.post(
    "/endpoints/{endpoint_id}/disable",
    response_model=EndpointOut,
    operation_id="webhook_endpoint_disable",
    responses=errors_doc(404),
)
async def disable_endpoint(endpoint_id: str, wc: WebhooksControl = Depends(control)) -> EndpointOut:
    return wc.disable_endpoint(endpoint_id)


@router.get(
    "/endpoints/{endpoint_id}/secret",
    response_model=SecretOut,
    operation_id="webhook_endpoint_secret",
    responses=errors_doc(404),
)
async def endpoint_secret(endpoint_id: str, wc: WebhooksControl = Depends(control)) -> SecretOut:
    return SecretOut(key=wc.endpoint_secret(endpoint_id))


@router.post(
    "/endpoints/{endpoint_id}/secret/rotate",
    response_model=SecretOut,
    operation_id="webhook_endpoint_secret_rotate",
    responses=errors_doc(404),
)
async def rotate_endpoint_secret(
    endpoint_id: str,
    body: RotateRequest | None = Body(default=None),
    wc: WebhooksControl = Depends(control),
) -> SecretOut:
    """Rotate the secret that signs this endpoint: its own (seed), or its workspace's (current)."""
    return SecretOut(key=wc.rotate_endpoint_secret(endpoint_id, body.key if body else None))


@router.post(
    "/workspaces/{workspace_id}/secret/rotate",
    response_model=SecretOut,
    operation_id="webhook_workspace_secret_rotate",
    responses=errors_doc(404),
)
async def rotate_workspace_secret(
    workspace_id: str,
    body: RotateRequest | None = Body(default=None),
    wc: WebhooksControl = Depends(control),
) -> SecretOut:
    return SecretOut(key=wc.rotate_workspace_secret(workspace_id, body.key if body else None))


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
    wc: WebhooksControl = Depends(control),
) -> list[Attempt]:
    wc.get_endpoint(endpoint_id)
    return wc.list_attempts(endpoint_id=endpoint_id, status=status, event_type=event_type)


@router.post(
    "/endpoints/{endpoint_id}/recover",
    response_model=RecoverOut,
    operation_id="webhook_endpoint_recover",
    responses=errors_doc(404),
)
async def recover(
    endpoint_id: str, body: RecoverRequest, wc: WebhooksControl = Depends(control)
) -> RecoverOut:
    """Resend, once each, every message that failed for this endpoint since `since`."""
    return RecoverOut(message_ids=wc.recover(endpoint_id, body.since, body.until))


@router.get("/messages", response_model=list[MessageOut], operation_id="webhook_message_list")
async def list_messages(
    workspace_id: str | None = None,
    event_type: str | None = None,
    status: DestinationStatus | None = None,
    endpoint_id: str | None = None,
    since: datetime | None = Query(default=None),
    until: datetime | None = Query(default=None),
    wc: WebhooksControl = Depends(control),
) -> list[MessageOut]:
    return wc.list_messages(
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
async def get_message(message_id: str, wc: WebhooksControl = Depends(control)) -> MessageOut:
    return wc.get_message(message_id)


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
    wc: WebhooksControl = Depends(control),
) -> list[Attempt]:
    wc.get_message(message_id)
    return wc.list_attempts(message_id=message_id, endpoint_id=endpoint_id, status=status)


@router.post(
    "/messages/{message_id}/endpoints/{endpoint_id}/resend",
    response_model=Attempt,
    operation_id="webhook_message_resend",
    responses=errors_doc(404),
)
async def resend(message_id: str, endpoint_id: str, wc: WebhooksControl = Depends(control)) -> Attempt:
    """One attempt, now, with no retries; answers with that attempt once it is logged."""
    return await wc.resend(message_id, endpoint_id)


@router.post(
    "/trigger",
    status_code=201,
    response_model=TriggerOut,
    operation_id="webhook_trigger",
    responses=errors_doc(400, 404),  # an event type the profile does not send; an unknown recording
)
async def trigger(body: TriggerRequest, wc: WebhooksControl = Depends(control)) -> TriggerOut:
    """Send one webhook of `event_type` to the workspace's endpoints, about real resources: a new sdk
    upload and recording in the state the event reports, or the given recording."""
    return wc.trigger(body)
