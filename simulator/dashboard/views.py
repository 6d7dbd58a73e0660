"""What each dashboard page shows, read from the region through its control plane at request time.

Nothing here is kept between requests: every page is a fresh look at the region, so a page reloaded (or
polled) after a reset, a restart or a clock jump shows the region as it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from recall_sim.simulator.backend.events import DomainEvent
from recall_sim.simulator.control_plane import ControlPlane
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.records import Artifact, RecordingRecord, SdkUploadRecord, UploadToken
from recall_sim.simulator.render import Links
from recall_sim.simulator.webhooks.models import Attempt

__all__ = [
    "Line",
    "RecordingView",
    "events_of",
    "mask",
    "overview",
    "recording_view",
    "upload_rows",
    "webhooks_view",
]

#: how many of the newest events the overview's live feed shows
FEED_SIZE = 25


def mask(secret: str) -> str:
    """A key or secret as the dashboard shows it: enough to tell two apart, not enough to use."""
    if len(secret) <= 10:
        return "•" * len(secret)
    return f"{secret[:6]}…{secret[-4:]}"


def overview(cp: ControlPlane) -> dict[str, Any]:
    summary = cp.summary()
    workspaces = cp.list_workspaces()
    uploads = cp.records.sdk_uploads()
    recordings = cp.records.recordings()
    events = cp.records.events()
    return {
        "region": summary["region"],
        "seed": summary["seed"],
        "clock": cp.clock(),
        "workspaces": workspaces,
        "profiles": sorted({w.profile for w in workspaces}),
        "default_workspace": summary["default_workspace"]["id"],
        "counts": {
            "sdk uploads": dict(sorted(Counter(u.status.code for u in uploads).items())),
            "recordings": dict(sorted(Counter(r.status.code for r in recordings).items())),
            "webhook deliveries": cp.webhooks.destination_counts(),
        },
        "faults": len(cp.list_faults()),
        "feed": list(reversed(events[-FEED_SIZE:])),
    }


def upload_rows(cp: ControlPlane, *, status: str | None, query: str | None) -> list[dict[str, Any]]:
    """Uploads newest first, each with its recording, filtered by status and by a piece of any id."""
    recordings = {r.id: r for r in cp.records.recordings()}
    rows = []
    for upload in reversed(cp.records.sdk_uploads()):
        recording = recordings.get(upload.recording_id)
        if status and upload.status.code != status and (recording is None or recording.status.code != status):
            continue
        if query and not any(
            query.lower() in i for i in (upload.id, upload.recording_id, upload.workspace_id)
        ):
            continue
        rows.append({"upload": upload, "recording": recording})
    return rows


def upload_statuses(cp: ControlPlane) -> list[str]:
    codes = {u.status.code for u in cp.records.sdk_uploads()}
    codes |= {r.status.code for r in cp.records.recordings()}
    return sorted(codes)


def events_of(cp: ControlPlane, recording: RecordingRecord) -> list[DomainEvent]:
    """The recording's status history: every event about it, its upload or its artifacts, in order."""
    artifact_ids = {a.id for a in cp.records.artifacts_of(recording.id)}
    found = []
    for event in cp.records.events():
        if (
            (event.recording is not None and event.recording.id == recording.id)
            or (event.sdk_upload is not None and event.sdk_upload.id == recording.sdk_upload_id)
            or (event.artifact is not None and event.artifact.id in artifact_ids)
        ):
            found.append(event)
    return found


@dataclass
class Line:
    """One line of the transcript beside the player: a speaker's run of words."""

    speaker: str
    start: float
    end: float
    text: str


@dataclass
class Mark:
    """A participant event on the recording's time axis."""

    at: float
    action: str
    participant: str


@dataclass
class RecordingView:
    recording: RecordingRecord
    upload: SdkUploadRecord | None
    token: UploadToken | None
    events: list[DomainEvent]
    artifacts: list[Artifact]
    player: dict[str, str] | None
    transcript: list[Line] = field(default_factory=list)
    transcript_status: str | None = None
    marks: list[Mark] = field(default_factory=list)
    speaking: list[dict[str, Any]] = field(default_factory=list)
    span: float = 0.0
    duration: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _latest(artifacts: list[Artifact], kind: str) -> Artifact | None:
    found = [a for a in artifacts if a.kind == kind and a.status.code != "deleted"]
    return found[-1] if found else None


def recording_view(cp: ControlPlane, recording: RecordingRecord, links: Links) -> RecordingView:
    artifacts = cp.records.artifacts_of(recording.id)
    try:
        upload: SdkUploadRecord | None = cp.records.sdk_upload(recording.sdk_upload_id)
    except NotFound:
        upload = None
    token = None if upload is None else cp.records.upload_token(upload.upload_token)
    view = RecordingView(
        recording=recording,
        upload=upload,
        token=token,
        events=events_of(cp, recording),
        artifacts=artifacts,
        player=None,
    )
    # The player plays what a partner would download: the same signed links the API hands out.
    for kind, tag, mime in (("video_mixed", "video", "video/mp4"), ("audio_mixed", "audio", "audio/mpeg")):
        artifact = _latest(artifacts, kind)
        url = None if artifact is None else links.download(artifact, kind, "download")
        if url is not None:
            view.player = {"tag": tag, "src": url, "type": mime}
            break
    transcript = _latest(artifacts, "transcript")
    if transcript is not None:
        view.transcript_status = transcript.status.code
        for entry in cp.records.artifact_json(transcript, "download") or []:
            words = entry.get("words") or []
            if not words:
                continue
            view.transcript.append(
                Line(
                    speaker=str((entry.get("participant") or {}).get("name") or "Unknown speaker"),
                    start=float(words[0]["start_timestamp"]["relative"]),
                    end=float(words[-1]["end_timestamp"]["relative"]),
                    text=" ".join(str(w["text"]) for w in words),
                )
            )
    events = _latest(artifacts, "participant_events")
    if events is not None:
        for event in cp.records.artifact_json(events, "participant_events") or []:
            view.marks.append(
                Mark(
                    at=float(event["timestamp"]["relative"]),
                    action=str(event["action"]),
                    participant=str((event.get("participant") or {}).get("name") or "?"),
                )
            )
        for segment in cp.records.artifact_json(events, "speaker_timeline") or []:
            view.speaking.append(
                {
                    "participant": (segment.get("participant") or {}).get("name") or "?",
                    "start": float(segment["start_timestamp"]["relative"]),
                    "end": float(segment["end_timestamp"]["relative"]),
                }
            )
    meeting = _latest(artifacts, "meeting_metadata")
    if meeting is not None:
        view.metadata = dict(meeting.data)
    ends = (
        [m.at for m in view.marks]
        + [s["end"] for s in view.speaking]
        + [line.end for line in view.transcript]
    )
    declared = None if token is None else token.session.get("duration")
    if isinstance(declared, int | float):
        # What the recorder declared when it ended the recording: the media's own length.
        view.duration = float(declared)
        ends.append(view.duration)
    view.span = max([*ends, 1.0])
    return view


def webhooks_view(
    cp: ControlPlane, *, event_type: str | None, status: str | None, endpoint_id: str | None
) -> dict[str, Any]:
    webhooks = cp.webhooks
    messages = webhooks.list_messages(
        event_type=event_type or None,
        status=status or None,  # type: ignore[arg-type]
        endpoint_id=endpoint_id or None,
    )
    every = webhooks.list_messages()
    endpoints = webhooks.list_endpoints()
    return {
        "messages": list(reversed(messages)),
        "endpoints": [{"endpoint": e, "secret": webhooks.endpoint_secret(e.id)} for e in endpoints],
        "event_types": sorted({m.event_type for m in every}),
        "endpoint_urls": {e.id: e.url for e in endpoints},
    }


def attempts_of(cp: ControlPlane, message_id: str) -> list[Attempt]:
    return cp.webhooks.list_attempts(message_id=message_id)
