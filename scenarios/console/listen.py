"""`recall-sim listen --forward-to URL`: a webhook endpoint for as long as the command runs.

It registers an endpoint on the region's workspace, prints the secret the handler verifies with and the
header family it will see, then prints every delivery attempt as it is made: the time, the event type,
the message id, the handler's status code and latency, and why it failed. Ctrl-C removes the endpoint,
so a region is left as it was found.
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime
from types import FrameType
from typing import Annotated, Any, Optional

import typer

from recall_sim.scenarios.console.client import (
    DEFAULT_BASE_URL,
    BaseUrl,
    ConsoleClient,
    WorkspaceId,
    body_of,
    fail,
    reason,
)
from recall_sim.scenarios.console.durations import format_duration

__all__ = ["attempt_line", "listen"]


def _clock_time(value: str) -> str:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def attempt_line(attempt: dict[str, Any]) -> str:
    """One attempt, on one line: `time  event  msg_id  [status]  latency  reason`."""
    status = attempt.get("status_code")
    shown = f"[{status}]" if status is not None else "[---]"
    line = (
        f"{_clock_time(attempt['started_at'])}  {attempt['event_type']:<32} {attempt['message_id']}  "
        f"{shown}  {format_duration(float(attempt['duration']))}"
    )
    if attempt.get("trigger") == "manual":
        line += "  (resent)"
    if attempt["outcome"] != "success":
        if attempt.get("error"):
            reason = str(attempt["error"])
        else:
            body = " ".join(str(attempt.get("response_body") or "").split())[:120]
            reason = f"the handler answered {status}" + (f": {body}" if body else "")
        retry = attempt.get("next_attempt_at")
        line += f"  {reason}" + (f" (retry at {_clock_time(retry)})" if retry else "")
    return line


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def listen(
    forward_to: Annotated[str, typer.Option("--forward-to", help="Your webhook handler's URL")],
    events: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Comma-separated event types to receive, e.g. recording.done (all when omitted)"),
    ] = None,
    workspace: WorkspaceId = None,
    print_json: Annotated[bool, typer.Option("--print-json", help="Print each event's body too")] = False,
    base_url: BaseUrl = DEFAULT_BASE_URL,
    poll_interval: Annotated[float, typer.Option(hidden=True, min=0.01)] = 0.2,
) -> None:
    """Forward the region's webhooks to URL and print each delivery attempt until Ctrl-C."""
    filter_types = [e.strip() for e in events.split(",") if e.strip()] if events else None
    if events is not None and not filter_types:
        fail("--events is empty", "Name event types, comma-separated, e.g. --events recording.done", code=2)
    body = body_of(
        url=forward_to, filter_types=filter_types, description="recall-sim listen", workspace_id=workspace
    )
    with ConsoleClient(base_url) as client:
        created = client.request("POST", "/_simulator/webhooks/endpoints", json=body, ok=(400,))
        if created.status_code == 400:
            # The region names the field it refused: the URL, or an event type it does not send.
            fail(
                f"the region refused the endpoint: {reason(created)}",
                "See 'recall-sim listen --help'.",
                code=2,
            )
        endpoint = created.json()
        family = endpoint["headers"]
        typer.echo(f"Ready! Forwarding webhooks to {forward_to}")
        typer.echo(f"  endpoint  {endpoint['id']}  (workspace {endpoint['workspace_id']})")
        typer.echo(f"  secret    {endpoint['secret']}")
        typer.echo(f"  headers   {family}-id, {family}-timestamp, {family}-signature")
        typer.echo(f"  events    {', '.join(filter_types) if filter_types else 'all'}")
        typer.echo("Press Ctrl-C to stop; the endpoint is removed then.", nl=True)
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            _stream(client, endpoint["id"], print_json, poll_interval)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            client.request("DELETE", f"/_simulator/webhooks/endpoints/{endpoint['id']}", ok=(404,))
            typer.echo(f"Endpoint {endpoint['id']} removed.")


def _stream(client: ConsoleClient, endpoint_id: str, print_json: bool, interval: float) -> None:
    seen: set[str] = set()
    printed_bodies: set[str] = set()
    pause = threading.Event()
    while True:
        attempts = client.get(f"/_simulator/webhooks/endpoints/{endpoint_id}/attempts")
        for attempt in attempts:
            if attempt["id"] in seen:
                continue
            seen.add(attempt["id"])
            typer.echo(attempt_line(attempt))
            if print_json and attempt["message_id"] not in printed_bodies:
                printed_bodies.add(attempt["message_id"])
                message = client.get(f"/_simulator/webhooks/messages/{attempt['message_id']}")
                typer.echo(json.dumps(message["payload"], indent=2))
        pause.wait(interval)
