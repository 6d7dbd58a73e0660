"""The frames of the real-time channel (README: "The real-time channel"), JSON text frames both ways.

Recorder → region: `participant_event`, `speech_word`, `speech_end`, `end`, each optionally carrying a
monotonically increasing `seq`; and `event_ack` for each event received. Region → recorder: `ack` for
every frame with a `seq`, `event` (with its delivery `id`) for transcript events, sent again after a
reconnect until acknowledged, and `error` for a frame the region cannot read (it is not acknowledged).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from recall_sim.simulator.backend.providers import REALTIME_EVENTS
from recall_sim.simulator.errors import FrameRejected

__all__ = [
    "PARTICIPANT_EVENTS",
    "EndFrame",
    "EventAckFrame",
    "Frame",
    "FrameRejected",
    "ParticipantEventFrame",
    "SpeechEndFrame",
    "SpeechWordFrame",
    "ack",
    "error",
    "event",
    "parse_frame",
]

PARTICIPANT_EVENTS = tuple(e for e in REALTIME_EVENTS["webhook"] if e.startswith("participant_events."))


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    seq: int | None = None


class Participant(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    name: str | None = None
    is_host: bool = False
    platform: str = "unknown"
    extra_data: dict[str, Any] = Field(default_factory=dict)
    email: str | None = None


class Timestamp(BaseModel):
    model_config = ConfigDict(extra="ignore")

    absolute: str | None = None
    relative: float


class ParticipantEventFrame(_Frame):
    type: Literal["participant_event"]
    event: str
    participant: Participant
    timestamp: Timestamp
    data: dict[str, Any] | None = None

    @field_validator("event")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in PARTICIPANT_EVENTS:
            raise ValueError(f"{value!r} is not a participant event")
        return value


class Word(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str
    start: float
    end: float


class SpeechWordFrame(_Frame):
    type: Literal["speech_word"]
    utterance: int
    participant: Participant
    word: Word


class SpeechEndFrame(_Frame):
    type: Literal["speech_end"]
    utterance: int


class EndFrame(_Frame):
    type: Literal["end"]


class EventAckFrame(_Frame):
    """The recorder received the event with this delivery id (events are sent until acknowledged)."""

    type: Literal["event_ack"]
    id: str


Frame = Annotated[
    ParticipantEventFrame | SpeechWordFrame | SpeechEndFrame | EndFrame | EventAckFrame,
    Field(discriminator="type"),
]
_FRAME: TypeAdapter[Frame] = TypeAdapter(Frame)


def parse_frame(text: str) -> Frame:
    try:
        raw = json.loads(text)
    except ValueError:
        raise FrameRejected("The frame is not JSON.", None) from None
    seq = raw.get("seq") if isinstance(raw, dict) and isinstance(raw.get("seq"), int) else None
    try:
        return _FRAME.validate_python(raw)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "frame"
        raise FrameRejected(f"{where}: {first['msg']}", seq) from None


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def ack(seq: int) -> str:
    return _text({"type": "ack", "seq": seq})


def error(rejected: FrameRejected) -> str:
    return _text({"type": "error", "seq": rejected.seq, "detail": rejected.detail})


def event(name: str, data: dict[str, Any]) -> str:
    return _text({"type": "event", "event": name, "data": data})
