"""`recall-sim trigger EVENT`: the region sends one realistic webhook of that type, now.

The event names real resources (a new sdk upload and recording in the state the event reports, or the
recording given with --recording), so the handler's follow-up API calls find them. The command waits for
the deliveries to the workspace's endpoints and prints each attempt, as `listen` does.
"""

from __future__ import annotations

import enum
import json
import threading
from typing import Annotated, Any, Optional

import typer

from recall_sim.scenarios.console.client import (
    DEFAULT_BASE_URL,
    BaseUrl,
    ConsoleClient,
    WorkspaceId,
    body_of,
    fail,
)
from recall_sim.scenarios.console.listen import attempt_line

__all__ = ["EPILOG", "EVENT_TYPES", "trigger"]

_ARTIFACT_KINDS = ("video_mixed", "audio_mixed", "transcript", "participant_events", "meeting_metadata")

#: every wire event type a region sends, in either profile (simulator/webhooks/payloads.py's list; this
#: package talks to regions over HTTP only, so it keeps its own copy for `--help`)
EVENT_TYPES: tuple[str, ...] = (
    "sdk_upload.completed",
    "sdk_upload.complete",
    "sdk_upload.failed",
    "sdk_upload.recording_started",
    "sdk_upload.recording_ended",
    "sdk_upload.uploading",
    *(f"recording.{code}" for code in ("processing", "paused", "done", "failed", "deleted")),
    *(f"{kind}.{code}" for kind in _ARTIFACT_KINDS for code in ("processing", "done", "failed", "deleted")),
)


#: `--help`'s list of the choices, by the profile that sends them
EPILOG = (
    "EVENT is one of: "
    + ", ".join(EVENT_TYPES)
    + ". Seed workspaces send sdk_upload.completed and sdk_upload.failed; current workspaces "
    "sdk_upload.recording_started, sdk_upload.recording_ended, sdk_upload.complete and sdk_upload.failed "
    "(with quirks, sdk_upload.uploading and sdk_upload.completed too); both send the recording and "
    "artifact events."
)


class ProfileChoice(enum.StrEnum):
    seed = "seed"
    current = "current"


def trigger(
    event: Annotated[str, typer.Argument(help="The event type (listed below)", show_default=False)],
    recording: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Name this recording and its upload (default: new ones, made for the event)"),
    ] = None,
    profile: Annotated[
        Optional[ProfileChoice],  # noqa: UP045
        typer.Option(help="Send from a workspace of this profile (default: the start-up workspace)"),
    ] = None,
    workspace: WorkspaceId = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the deliveries (0: don't)", min=0)] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    base_url: BaseUrl = DEFAULT_BASE_URL,
) -> None:
    """Make the region send one webhook of EVENT to the workspace's endpoints."""
    if event not in EVENT_TYPES:
        fail(f"{event!r} is not an event type", "See 'recall-sim trigger --help' for the choices.", code=2)
    body = body_of(
        event_type=event,
        recording_id=recording,
        profile=None if profile is None else str(profile.value),
        workspace_id=workspace,
    )
    with ConsoleClient(base_url) as client:
        triggered = client.post("/_simulator/webhooks/trigger", body)
        if not as_json:
            artifact = f", artifact {triggered['artifact_id']}" if triggered["artifact_id"] else ""
            typer.echo(
                f"Triggered {triggered['event_type']} ({triggered['profile']} profile): "
                f"recording {triggered['recording_id']}, sdk upload {triggered['sdk_upload_id']}{artifact}"
            )
        attempts = _deliveries(client, triggered, wait) if wait > 0 else []
    if as_json:
        typer.echo(json.dumps({**triggered, "attempts": attempts}, indent=2))
        return
    for attempt in attempts:
        typer.echo(attempt_line(attempt))
    if wait > 0 and not attempts:
        typer.echo(
            f"No endpoint of workspace {triggered['workspace_id']} received it: "
            "run `recall-sim listen --forward-to URL` to add one."
        )


def _deliveries(client: ConsoleClient, triggered: dict[str, Any], wait: float) -> list[dict[str, Any]]:
    """The first attempt to each of the message's destinations, waiting up to `wait` seconds."""
    pause = threading.Event()
    steps = max(1, int(wait / 0.1))
    messages: list[dict[str, Any]] = []
    for _ in range(steps):
        messages = [
            m
            for m in client.get(
                "/_simulator/webhooks/messages",
                params={"workspace_id": triggered["workspace_id"], "event_type": triggered["event_type"]},
            )
            if m["event_id"] == triggered["event_id"]
        ]
        if messages:
            break
        pause.wait(0.1)
    if not messages or not messages[0]["destinations"]:
        return []
    message = messages[0]
    wanted = {d["endpoint_id"] for d in message["destinations"]}
    attempts: list[dict[str, Any]] = []
    for _ in range(steps):
        attempts = client.get(f"/_simulator/webhooks/messages/{message['id']}/attempts")
        if wanted <= {a["endpoint_id"] for a in attempts}:
            break
        pause.wait(0.1)
    firsts: dict[str, dict[str, Any]] = {}
    for attempt in attempts:
        firsts.setdefault(attempt["endpoint_id"], attempt)
    if len(firsts) < len(wanted):
        fail(f"the message {message['id']} was not delivered within {wait:g}s", "Raise --wait.")
    return list(firsts.values())
