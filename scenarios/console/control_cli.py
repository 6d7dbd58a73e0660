"""`recall-sim clock | faults | webhooks | state`: the control plane's other calls, with human units.

Durations go in as `1d 4h` or `1h30m` and come out the same way; times are the region's (its clock can
run ahead of this machine's after `clock advance`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Optional

import typer

from recall_sim.scenarios.console.client import DEFAULT_BASE_URL, BaseUrl, ConsoleClient, fail
from recall_sim.scenarios.console.durations import format_duration, parse_duration
from recall_sim.scenarios.console.listen import attempt_line
from recall_sim.seams import RealClock

__all__ = ["clock_app", "faults_app", "state", "webhooks_app"]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text")]


def _duration(value: str, flag: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as error:
        fail(f"{flag}: {error}", code=2)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2))


def _call(
    base_url: str,
    ask: Callable[[ConsoleClient], Any],
    text: Callable[[Any], str | Iterable[str]],
    *,
    as_json: bool = False,
    empty: str | None = None,
) -> None:
    """One control-plane request and its answer printed: as JSON with `--json`, else as `text` makes it
    (one line, or one per item, and `empty` when there are none). A failed request ends the command with
    the client's own message."""
    with ConsoleClient(base_url) as client:
        answer = ask(client)
    if as_json:
        _print_json(answer)
        return
    made = text(answer)
    lines = [made] if isinstance(made, str) else list(made)
    for line in lines:
        typer.echo(line)
    if not lines and empty is not None:
        typer.echo(empty)


def _list(
    base_url: str,
    path: str,
    line: Callable[[Any], str],
    *,
    empty: str,
    as_json: bool,
    params: dict[str, str] | None = None,
) -> None:
    """A list the region answers `GET path` with, one item a line (`empty` when there is none)."""
    _call(
        base_url,
        lambda c: c.get(path, params=params),
        lambda items: map(line, items),
        as_json=as_json,
        empty=empty,
    )


# --- clock ---------------------------------------------------------------------------------------------

clock_app = typer.Typer(help="Read or advance the region's clock.", no_args_is_help=False)


def _clock_line(clock: dict[str, Any]) -> str:
    ahead = float(clock["timestamp"]) - RealClock().timestamp()
    scale = clock.get("time_scale")
    kind = clock["kind"] + (f", {scale:g}x" if scale is not None else "")
    line = f"{clock['now']}  ({kind})"
    if abs(ahead) >= 1:
        line += f", {format_duration(abs(ahead))} {'ahead of' if ahead > 0 else 'behind'} this machine"
    return line


@clock_app.callback(invoke_without_command=True)
def clock(ctx: typer.Context, base_url: BaseUrl = DEFAULT_BASE_URL, as_json: JsonFlag = False) -> None:
    """Read or advance the region's clock (`recall-sim clock` shows it)."""
    if ctx.invoked_subcommand is None:
        show(base_url, as_json)


@clock_app.command("show")
def show(base_url: BaseUrl = DEFAULT_BASE_URL, as_json: JsonFlag = False) -> None:
    """Show the region's time."""
    _call(base_url, lambda c: c.get("/_simulator/clock"), _clock_line, as_json=as_json)


@clock_app.command("advance")
def advance(
    duration: Annotated[str, typer.Argument(help="How long to let pass: 90s, 1h30m, 1d 4h, 2w")],
    base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: JsonFlag = False,
) -> None:
    """Let simulated time pass: whatever falls due on the way (retries, expiries) happens, in order."""
    seconds = _duration(duration, "DURATION")
    _call(
        base_url,
        lambda c: c.post("/_simulator/clock", {"advance": seconds}),
        lambda now: f"Advanced {format_duration(seconds)}; the region's time is now {_clock_line(now)}",
        as_json=as_json,
    )


# --- faults --------------------------------------------------------------------------------------------

faults_app = typer.Typer(help="Fault rules: make chosen requests fail, stall or drop.", no_args_is_help=True)


def _fault_line(rule: dict[str, Any]) -> str:
    effects = []
    if rule.get("status") is not None:
        effects.append(f"answer {rule['status']}")
    if rule.get("latency"):
        effects.append(f"add {format_duration(float(rule['latency']))}")
    if rule.get("drop"):
        effects.append("drop the connection")
    methods = ",".join(rule.get("methods") or ["*"])
    extra = []
    if rule.get("count") is not None:
        extra.append(f"{rule['count']} more")
    if rule.get("probability", 1) != 1:
        extra.append(f"p={rule['probability']:g}")
    tail = f"  ({', '.join(extra)})" if extra else ""
    return f"{rule['id']}  {methods} {rule['route']}: {' and '.join(effects)}{tail}"


@faults_app.command("add")
def faults_add(
    route: Annotated[str, typer.Argument(help="Path pattern, e.g. '/api/v1/sdk_upload/*'")],
    status: Annotated[int | None, typer.Option(help="Answer this status instead", min=200, max=599)] = None,
    latency: Annotated[Optional[str], typer.Option(help="Added latency, e.g. 2s or 1m")] = None,  # noqa: UP045
    drop: Annotated[bool, typer.Option("--drop", help="Close the connection without answering")] = False,
    method: Annotated[Optional[list[str]], typer.Option(help="Only this method (repeatable)")] = None,  # noqa: UP045
    count: Annotated[Optional[int], typer.Option(help="Fire this many times, then retire", min=1)] = None,  # noqa: UP045
    probability: Annotated[float, typer.Option(help="Chance each match fires", min=0, max=1)] = 1.0,
    body: Annotated[Optional[str], typer.Option(help="JSON body sent with --status")] = None,  # noqa: UP045
    base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: JsonFlag = False,
) -> None:
    """Add a fault rule."""
    if status is None and latency is None and not drop:
        fail("a fault rule needs --status, --latency or --drop", code=2)
    rule: dict[str, Any] = {"route": route, "drop": drop, "probability": probability}
    if status is not None:
        rule["status"] = status
    if latency is not None:
        rule["latency"] = _duration(latency, "--latency")
    if method:
        rule["methods"] = [m.upper() for m in method]
    if count is not None:
        rule["count"] = count
    if body is not None:
        try:
            rule["body"] = json.loads(body)
        except ValueError:
            fail(f"--body is not JSON: {body[:60]!r}", code=2)
    _call(
        base_url,
        lambda c: c.post("/_simulator/faults", rule),
        lambda created: f"Added {_fault_line(created)}",
        as_json=as_json,
    )


@faults_app.command("list")
def faults_list(base_url: BaseUrl = DEFAULT_BASE_URL, as_json: JsonFlag = False) -> None:
    """List the fault rules in force."""
    _list(base_url, "/_simulator/faults", _fault_line, empty="No fault rules.", as_json=as_json)


@faults_app.command("remove")
def faults_remove(
    rule_id: Annotated[str, typer.Argument(help="The rule's id")], base_url: BaseUrl = DEFAULT_BASE_URL
) -> None:
    """Remove one fault rule."""
    _call(base_url, lambda c: c.delete(f"/_simulator/faults/{rule_id}"), lambda _: f"Removed {rule_id}.")


@faults_app.command("clear")
def faults_clear(base_url: BaseUrl = DEFAULT_BASE_URL) -> None:
    """Remove every fault rule."""
    _call(base_url, lambda c: c.delete("/_simulator/faults"), lambda _: "Fault rules cleared.")


# --- webhooks ------------------------------------------------------------------------------------------

webhooks_app = typer.Typer(
    help="Webhook endpoints, messages and attempts: inspect, resend, recover.", no_args_is_help=True
)


@webhooks_app.command("endpoints")
def webhook_endpoints(base_url: BaseUrl = DEFAULT_BASE_URL, as_json: JsonFlag = False) -> None:
    """List the webhook endpoints of every workspace."""
    _list(
        base_url,
        "/_simulator/webhooks/endpoints",
        _endpoint_line,
        empty="No webhook endpoints.",
        as_json=as_json,
    )


def _endpoint_line(e: dict[str, Any]) -> str:
    state = f"disabled ({e['disabled_reason']})" if e["disabled"] else "enabled"
    events = ",".join(e["filter_types"]) if e["filter_types"] else "all events"
    return f"{e['id']}  {e['url']}  {state}, {events}  (workspace {e['workspace_id']})"


@webhooks_app.command("messages")
def webhook_messages(
    event_type: Annotated[Optional[str], typer.Option(help="Only this event type")] = None,  # noqa: UP045
    status: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Only messages with a destination pending, success or failed"),
    ] = None,
    endpoint: Annotated[Optional[str], typer.Option(help="Only messages sent to this endpoint")] = None,  # noqa: UP045
    base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: JsonFlag = False,
) -> None:
    """List webhook messages, oldest first, with where each stands with each endpoint."""
    if status is not None and status not in ("pending", "success", "failed"):
        fail(f"--status {status!r} is not one of pending, success, failed", code=2)
    params = {
        k: v for k, v in (("event_type", event_type), ("status", status), ("endpoint_id", endpoint)) if v
    }
    _list(
        base_url,
        "/_simulator/webhooks/messages",
        _message_line,
        empty="No messages.",
        as_json=as_json,
        params=params,
    )


def _message_line(m: dict[str, Any]) -> str:
    where = ", ".join(f"{d['endpoint_id']} {d['status']} after {d['attempts']}" for d in m["destinations"])
    return f"{m['created_at'][:19]}  {m['event_type']:<32} {m['id']}  {where or 'no endpoint'}"


@webhooks_app.command("attempts")
def webhook_attempts(
    message: Annotated[Optional[str], typer.Argument(help="A message id (msg_...)")] = None,  # noqa: UP045
    endpoint: Annotated[Optional[str], typer.Option(help="Only attempts to this endpoint")] = None,  # noqa: UP045
    base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: JsonFlag = False,
) -> None:
    """List delivery attempts of one message, or of one endpoint."""
    if message is None and endpoint is None:
        fail("name a message id or an --endpoint", "e.g. recall-sim webhooks attempts msg_... ", code=2)
    if message is not None:
        path = f"/_simulator/webhooks/messages/{message}/attempts"
        params = {"endpoint_id": endpoint} if endpoint else {}
    else:
        path, params = f"/_simulator/webhooks/endpoints/{endpoint}/attempts", {}
    _list(base_url, path, attempt_line, empty="No attempts.", as_json=as_json, params=params)


@webhooks_app.command("resend")
def webhook_resend(
    message: Annotated[str, typer.Argument(help="The message id (msg_...)")],
    endpoint: Annotated[str, typer.Argument(help="The endpoint id (ep_...)")],
    base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: JsonFlag = False,
) -> None:
    """Send one message to one endpoint again, now (one attempt, no retries)."""
    _call(
        base_url,
        lambda c: c.post(f"/_simulator/webhooks/messages/{message}/endpoints/{endpoint}/resend"),
        attempt_line,
        as_json=as_json,
    )


@webhooks_app.command("recover")
def webhook_recover(
    endpoint: Annotated[str, typer.Argument(help="The endpoint id (ep_...)")],
    since: Annotated[str, typer.Option(help="How far back: a duration (6h, 1d) or an ISO time")] = "1d",
    base_url: BaseUrl = DEFAULT_BASE_URL,
    as_json: JsonFlag = False,
) -> None:
    """Resend, once each, every message that failed for ENDPOINT since --since."""
    with ConsoleClient(base_url) as client:
        start = _since(client, since).isoformat()
    _call(
        base_url,
        lambda c: c.post(f"/_simulator/webhooks/endpoints/{endpoint}/recover", {"since": start}),
        lambda recovered: (
            f"Resending {len(recovered['message_ids'])} message(s) that failed since {start}: "
            f"{' '.join(recovered['message_ids'])}"
        ).strip(),
        as_json=as_json,
    )


def _since(client: ConsoleClient, value: str) -> datetime:
    """`--since` as a moment on the region's clock: an ISO time, or a duration before the region's now."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        back = _duration(value, "--since")
        now = datetime.fromisoformat(client.get("/_simulator/clock")["now"].replace("Z", "+00:00"))
        return now - timedelta(seconds=back)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- state ---------------------------------------------------------------------------------------------


def state(base_url: BaseUrl = DEFAULT_BASE_URL, as_json: JsonFlag = False) -> None:
    """Summarise what the region holds (--json: all of it)."""
    _call(base_url, lambda c: c.get("/_simulator/state"), _state_lines, as_json=as_json)


def _state_lines(dump: dict[str, Any]) -> Iterable[str]:
    yield f"region {dump['region']}, seed {dump['seed']}, time {_clock_line(dump['clock'])}"
    for name, records in dump["collections"].items():
        if records:
            yield f"  {name:<28} {len(records)}"
    yield f"  {'fault rules':<28} {len(dump.get('faults') or [])}"
