"""What the real-time channel stores: one session per recording, and one delivery per event and endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.records import Record

__all__ = ["DeliveryStatus", "EndpointType", "RealtimeDelivery", "RealtimeSession", "StreamedUtterance"]

EndpointType = Literal["desktop_sdk_callback", "webhook", "websocket"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class StreamedUtterance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant: dict[str, Any]
    #: `{"text", "start", "end"}`, seconds from the recording's start, in the order they arrived
    words: list[dict[str, Any]] = Field(default_factory=list)
    #: the recorder said the utterance is over (`speech_end`)
    ended: bool = False
    #: its `transcript.data` has gone out: later partials are stale and dropped
    final_sent: bool = False


class RealtimeSession(Record):
    """`id` is the recording's id. Everything the recorder streamed, and where the stream is."""

    workspace_id: str
    #: the highest `seq` processed; a frame at or below it is a resend and changes nothing
    last_seq: int | None = None
    #: by utterance number, as the recorder numbers them
    utterances: dict[str, StreamedUtterance] = Field(default_factory=dict)
    #: transcript events scheduled but not yet handed to the endpoints
    pending_emissions: int = 0
    participant_events: int = 0
    #: the recorder sent `end`
    ended: bool = False
    created_at: datetime
    updated_at: datetime


class RealtimeDelivery(Record):
    """One event for one destination: a real-time endpoint of the upload, or the recorder itself
    (`endpoint_type` desktop_sdk_callback). Deliveries of one destination go out in `number` order."""

    recording_id: str
    workspace_id: str
    endpoint_id: str
    endpoint_type: EndpointType
    url: str | None = None
    number: int
    event: str
    #: the exact text sent
    payload: str
    status: DeliveryStatus = "pending"
    attempts: int = 0
    error: str | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
