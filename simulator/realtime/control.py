"""Real-time deliveries and sessions on the control plane (`/_simulator/realtime/...`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.realtime.records import (
    DeliveryStatus,
    EndpointType,
    RealtimeDelivery,
    RealtimeSession,
)

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["DeliveryOut", "RealtimeControl", "SessionOut"]


class DeliveryOut(BaseModel):
    id: str
    recording_id: str
    endpoint_id: str
    endpoint_type: EndpointType
    url: str | None
    number: int
    event: str
    payload: Any
    status: DeliveryStatus
    attempts: int
    error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: RealtimeDelivery) -> DeliveryOut:
        fields = delivery.model_dump(exclude={"payload", "workspace_id"})
        return cls(**fields, payload=json.loads(delivery.payload))


class SessionOut(BaseModel):
    recording_id: str
    connected: bool
    ended: bool
    last_seq: int | None
    participant_events: int
    utterances: dict[str, Any]

    @classmethod
    def of(cls, session: RealtimeSession, connected: bool) -> SessionOut:
        return cls(
            recording_id=session.id,
            connected=connected,
            ended=session.ended,
            last_seq=session.last_seq,
            participant_events=session.participant_events,
            utterances={k: u.model_dump() for k, u in session.utterances.items()},
        )


class RealtimeControl:
    def __init__(self, region: Region) -> None:
        self.region = region

    def deliveries(
        self,
        *,
        recording_id: str | None = None,
        endpoint_id: str | None = None,
        status: DeliveryStatus | None = None,
        event: str | None = None,
    ) -> list[DeliveryOut]:
        """Deliveries in the order they were queued."""
        where = {k: v for k, v in {"recording_id": recording_id, "endpoint_id": endpoint_id}.items() if v}
        found = self.region.realtime.deliveries.records.find(where)
        return [
            DeliveryOut.of(d)
            for d in found
            if (status is None or d.status == status) and (event is None or d.event == event)
        ]

    def delivery(self, delivery_id: str) -> DeliveryOut:
        found = self.region.realtime.deliveries.records.get(delivery_id)
        if found is None:
            raise NotFound()
        return DeliveryOut.of(found)

    def session(self, recording_id: str) -> SessionOut:
        found = self.region.realtime.streams.sessions.get(recording_id)
        if found is None:
            raise NotFound()
        return SessionOut.of(found, self.region.realtime.channels.connected(recording_id))
