"""The Desktop SDK's events: their wire names (kept as constants, as the SDK's type declarations spell
them) and builders for their exact payloads (contract section 7)."""

from __future__ import annotations

from typing import Any, Literal

__all__ = [
    "ALL_EVENTS",
    "COMPLIANCE_MESSAGE_STATUS",
    "ERROR",
    "LOG",
    "MEDIA_CAPTURE_STATUS",
    "MEETING_CLOSED",
    "MEETING_DETECTED",
    "MEETING_UPDATED",
    "NETWORK_STATUS",
    "PARTICIPANT_CAPTURE_STATUS",
    "PERMISSIONS_GRANTED",
    "PERMISSION_STATUS",
    "REALTIME_EVENT",
    "RECORDING_ENDED",
    "RECORDING_STARTED",
    "SDK_STATE_CHANGE",
    "SHUTDOWN",
    "UPLOAD_PROGRESS",
    "ComplianceStatus",
    "SdkState",
    "window_ref",
]

MEETING_DETECTED = "meeting-detected"
MEETING_UPDATED = "meeting-updated"
MEETING_CLOSED = "meeting-closed"
RECORDING_STARTED = "recording-started"
RECORDING_ENDED = "recording-ended"
SDK_STATE_CHANGE = "sdk-state-change"
UPLOAD_PROGRESS = "upload-progress"
MEDIA_CAPTURE_STATUS = "media-capture-status"
PARTICIPANT_CAPTURE_STATUS = "participant-capture-status"
COMPLIANCE_MESSAGE_STATUS = "compliance-message-status"
REALTIME_EVENT = "realtime-event"
PERMISSION_STATUS = "permission-status"
PERMISSIONS_GRANTED = "permissions-granted"
ERROR = "error"
NETWORK_STATUS = "network-status"
SHUTDOWN = "shutdown"
LOG = "log"

ALL_EVENTS = (
    MEETING_DETECTED,
    MEETING_UPDATED,
    MEETING_CLOSED,
    RECORDING_STARTED,
    RECORDING_ENDED,
    SDK_STATE_CHANGE,
    UPLOAD_PROGRESS,
    MEDIA_CAPTURE_STATUS,
    PARTICIPANT_CAPTURE_STATUS,
    COMPLIANCE_MESSAGE_STATUS,
    REALTIME_EVENT,
    PERMISSION_STATUS,
    PERMISSIONS_GRANTED,
    ERROR,
    NETWORK_STATUS,
    SHUTDOWN,
    LOG,
)

SdkState = Literal["recording", "paused", "idle"]
ComplianceStatus = Literal["sent", "timeout", "cancelled"]


def window_ref(window_id: str, **details: Any) -> dict[str, Any]:
    """`{window: {id, ...}}`: how every window event names its window."""
    return {"id": window_id, **{k: v for k, v in details.items() if v is not None}}


def meeting_window(window_id: str, platform: str, title: str | None, url: str | None) -> dict[str, Any]:
    """`meeting-detected` / `-updated` / `-closed` payload: title and url may be missing at first."""
    return {"window": window_ref(window_id, title=title, url=url, platform=platform)}


def sdk_state(state: SdkState) -> dict[str, Any]:
    return {"sdk": {"state": {"code": state}}}


def recording_started(window_id: str) -> dict[str, Any]:
    return {"window": window_ref(window_id), "rawMedia": False}


def upload_progress(window_id: str, progress: int) -> dict[str, Any]:
    return {"window": {"id": window_id}, "progress": progress}


def media_capture_status(window_id: str, kind: Literal["video", "audio"], capturing: bool) -> dict[str, Any]:
    return {"window": window_ref(window_id), "type": kind, "capturing": capturing}


def participant_capture_status(
    window_id: str, participant_id: int, kind: Literal["video", "audio", "screenshare"], capturing: bool
) -> dict[str, Any]:
    return {
        "window": window_ref(window_id),
        "participantId": participant_id,
        "type": kind,
        "capturing": capturing,
    }


def compliance_message_status(window_id: str, status: ComplianceStatus) -> dict[str, Any]:
    """After `sendChatMessage`: whether the message reached the meeting's chat."""
    return {"window": window_ref(window_id), "status": status}


def permission_status(permission: str, granted: bool) -> dict[str, Any]:
    return {"permission": permission, "granted": granted, "status": "granted" if granted else "denied"}


def error(kind: str, message: str, window_id: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": kind, "message": message}
    if window_id is not None:
        payload["window"] = {"id": window_id}
    return payload


def network_status(status: Literal["disconnected", "reconnected"]) -> dict[str, Any]:
    return {"status": status}


def shutdown(code: int = 0, signal: str | None = None) -> dict[str, Any]:
    return {"code": code, "signal": signal}


def log(
    level: str, message: str, subsystem: str, category: str, window_id: str | None = None
) -> dict[str, Any]:
    return {
        "level": level,
        "message": message,
        "subsystem": subsystem,
        "category": category,
        "window_id": window_id,
    }


def realtime_event(window_id: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
    """`realtime-event` over the SDK callback: `{window, event, data}`; the seed's listener reads `type`,
    so both are given (contract section 6)."""
    return {"window": {"id": window_id}, "event": event, "type": event, "data": data}
