"""`recall-sim serve`: one simulated region on this machine."""

from __future__ import annotations

import contextlib
import errno
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.panel import Panel

from recall_sim.simulator.control_plane import ControlPlane
from recall_sim.simulator.errors import ApiError
from recall_sim.simulator.lockfile import DataDirInUse, lock_data_dir
from recall_sim.simulator.region import Region
from recall_sim.simulator.serve import bind_socket, serve_forever
from recall_sim.simulator.settings import REGIONS, ApiProfile, DelayProfile, Settings, WebhookSettings
from recall_sim.simulator.webhooks.models import Endpoint

__all__ = ["serve"]

DEFAULT_DATA_DIR = Path("recall-sim-data")


def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one)")] = 8080,
    data_dir: Annotated[
        Path,
        typer.Option(
            help="SQLite database and media live here", envvar="RECALL_SIM_DATA_DIR", show_envvar=True
        ),
    ] = DEFAULT_DATA_DIR,
    in_memory: Annotated[bool, typer.Option("--in-memory", help="Keep nothing on disk")] = False,
    store: Annotated[
        str,
        typer.Option(
            help="sqlite (in --data-dir), or a postgresql:// URL shared by several serve processes "
            "(media stays in --data-dir, which they must share)"
        ),
    ] = "sqlite",
    region: Annotated[str, typer.Option(help=f"One of {', '.join(REGIONS)}")] = "us-east-1",
    profile: Annotated[
        str, typer.Option(help="Start-up workspace's API: seed (2024) or current (2026)")
    ] = "seed",
    api_key: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Fixed API key (else generated and kept)", envvar="RECALL_SIM_API_KEY", show_envvar=True
        ),
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed for ids and jitter (else random, kept)")] = None,  # noqa: UP045
    time_scale: Annotated[
        float, typer.Option(help="Simulated seconds per real second; 0 freezes time")
    ] = 1.0,
    delays: Annotated[str, typer.Option(help="Status timing: realistic or instant")] = "realistic",
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log every request (credentials redacted)")
    ] = False,
    webhook_url: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Send the start-up workspace's webhooks here (repeatable)"),
    ] = None,
    webhook_secret: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="whsec_ secret of the webhook URL in the same position (else generated)"),
    ] = None,
    rate_limits: Annotated[
        bool,
        # Hidden: only load benchmarks want a region that never throttles; partners see Recall's limits.
        typer.Option("--rate-limits/--no-rate-limits", hidden=True, help="Apply Recall's rate limits"),
    ] = True,
    signature_time: Annotated[
        str,
        typer.Option(
            help="Webhook signature timestamps: real (the machine's time, as Svix stamps) or region "
            "(the region's clock)"
        ),
    ] = "real",
    job_lease: Annotated[
        float,
        # Hidden: how soon another process takes over a killed one's jobs; the kill test shortens it.
        typer.Option(hidden=True, min=0.1, help="Seconds a process holds a job without renewing it"),
    ] = 30.0,
    webhook_retry_schedule: Annotated[
        Optional[str],  # noqa: UP045
        # Hidden: load tests want failed webhooks retried within seconds; partners see Svix's schedule.
        typer.Option(
            hidden=True, help="Seconds between failed webhook attempts, comma-separated (default: Svix's)"
        ),
    ] = None,
) -> None:
    """Serve one simulated Recall region over HTTP until Ctrl-C."""
    console = Console()
    if region not in REGIONS:
        raise typer.BadParameter(f"unknown region {region!r}", param_hint="--region")
    if profile not in ("seed", "current"):
        raise typer.BadParameter("profile is seed or current", param_hint="--profile")
    if delays not in ("instant", "realistic"):
        raise typer.BadParameter("delays is instant or realistic", param_hint="--delays")
    if signature_time not in ("real", "region"):
        raise typer.BadParameter("signature time is real or region", param_hint="--signature-time")
    store_url = _store_url(store, in_memory)
    webhooks = WebhookSettings(signature_time=signature_time)
    if webhook_retry_schedule is not None:
        webhooks = webhooks.model_copy(update={"retry_schedule": _retry_schedule(webhook_retry_schedule)})
    settings = Settings(
        region=region,
        profile=profile,
        api_key=api_key,
        seed=seed,
        time_scale=time_scale,
        data_dir=None if in_memory else data_dir,
        store_url=store_url,
        job_lease=job_lease,
        host=host,
        port=port,
        delays=delays,
        rate_limits=rate_limits,
        webhooks=webhooks,
        # A fresh current-profile workspace starts with the one secret asked for, nothing to rotate.
        webhook_secret=webhook_secret[0] if profile == "current" and webhook_secret else None,
    )
    with contextlib.ExitStack() as held:
        # The data directory first: a second server on its SQLite file is refused before it touches the
        # port or the file. Processes sharing a PostgreSQL store share the directory (its blobs) on purpose.
        if not in_memory and store_url is None:
            held.enter_context(_data_dir_held(data_dir))
        sock = held.enter_context(_listening(host, port))
        bound_port = sock.getsockname()[1]
        settings = settings.model_copy(update={"port": bound_port})
        simulated = _open_region(settings)
        endpoints = register_webhooks(simulated, webhook_url or [], webhook_secret or [])
        base_url = f"http://{host}:{bound_port}"
        panel = _panel(simulated, base_url, endpoints, in_memory, data_dir, store_url)
        console.print(Panel.fit(panel, title="recall-sim"))
        key = simulated.default_api_key.id
        # One line however narrow the terminal: a wrapped command breaks when pasted into a shell.
        console.print(
            f'curl -X POST -H "Authorization: Token {key}" {base_url}/api/v1/sdk_upload/', soft_wrap=True
        )
        serve_forever(simulated, sock, log_level=log_level, access_log=access_log)


@contextlib.contextmanager
def _data_dir_held(data_dir: Path) -> Iterator[None]:
    try:
        lock = lock_data_dir(data_dir)
    except DataDirInUse as error:
        _refuse(
            f"{error}.",
            "Stop that server, or pass another --data-dir (RECALL_SIM_DATA_DIR) or --in-memory.",
        )
    except OSError as error:
        _refuse(f"cannot use --data-dir {data_dir}: {error.strerror}.", "Pass a writable directory.")
    with lock:
        yield


@contextlib.contextmanager
def _listening(host: str, port: int) -> Iterator[socket.socket]:
    try:
        sock = bind_socket(host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            _refuse(
                f"port {port} on {host} is already in use (another recall-sim serve?).",
                "Stop that process, or pass another --port (0 picks a free one).",
            )
        _refuse(f"cannot listen on {host}:{port}: {error.strerror}.", "Pass another --host or --port.")
    with sock:
        yield sock


def _refuse(problem: str, fix: str) -> NoReturn:
    typer.echo(f"Error: {problem}", err=True)
    typer.echo(fix, err=True)
    raise typer.Exit(1)


def _panel(
    region: Region,
    base_url: str,
    endpoints: list[Endpoint],
    in_memory: bool,
    data_dir: Path,
    store_url: str | None,
) -> str:
    """What a partner configures from: where the region is, its key, and for each webhook endpoint the
    secret its receiver verifies with and the headers it will see."""
    workspace = region.default_workspace
    family = "svix" if workspace.profile == "seed" else "webhook"
    lines = [
        f"[bold]base URL[/]        {base_url}",
        f"[bold]API key[/]         {region.default_api_key.id}",
    ]
    if workspace.profile == "current":
        # A current workspace signs every endpoint with its one secret; a seed workspace's secret signs
        # nothing (each seed endpoint has its own), so it is not shown.
        lines.append(f"[bold]webhook secret[/]  {workspace.webhook_secret}  (every endpoint)")
    lines += [
        f"[bold]region[/]          {region.settings.region}   [bold]profile[/] {workspace.profile}",
        f"[bold]data[/]            {'in memory' if in_memory else data_dir.resolve()}",
        *([f"[bold]store[/]           {_redacted(store_url)}"] if store_url else []),
        f"[bold]control plane[/]   {base_url}/_simulator/docs",
        f"[bold]webhook headers[/] {family}-id, {family}-timestamp, {family}-signature",
    ]
    lines += [f"[bold]webhook[/]         {e.url}  (secret {_signing_secret(region, e)})" for e in endpoints]
    if not endpoints:
        lines.append("[bold]webhooks[/]        none yet: recall-sim listen --forward-to URL")
    return "\n".join(lines)


def _store_url(store: str, in_memory: bool) -> str | None:
    if store == "sqlite":
        return None
    if not store.startswith(("postgresql://", "postgres://")):
        raise typer.BadParameter(
            "sqlite, or a postgresql://user@host:port/database URL", param_hint="--store"
        )
    if in_memory:
        raise typer.BadParameter(
            "a PostgreSQL store is not in memory: drop --in-memory", param_hint="--store"
        )
    return store


def _redacted(url: str) -> str:
    """The URL without its password, for the start-up panel."""
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


def _open_region(settings: Settings) -> Region:
    """The region, or one or two lines naming why its store would not open."""
    if settings.store_url is None:
        return Region(settings)
    try:
        import psycopg
    except ImportError:
        raise typer.BadParameter(
            "PostgreSQL needs psycopg: pip install 'recall-sim[postgres]'", param_hint="--store"
        ) from None
    try:
        return Region(settings)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise typer.BadParameter(
            f"cannot use {_redacted(settings.store_url)}: {first}", param_hint="--store"
        ) from None


def _retry_schedule(value: str) -> tuple[float, ...]:
    """`--webhook-retry-schedule 0.2,0.5,1`: the delays before each retry, in seconds."""
    try:
        delays = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        delays = ()
    if not delays or any(not 0 <= d < float("inf") for d in delays):
        raise typer.BadParameter(
            "comma-separated non-negative seconds, e.g. 0.2,0.5,1", param_hint="--webhook-retry-schedule"
        )
    return delays


def register_webhooks(region: Region, urls: list[str], secrets: list[str]) -> list[Endpoint]:
    """The start-up workspace's endpoints for `--webhook-url`, the i-th `--webhook-secret` going with the
    i-th URL. Idempotent: a restart on the same data directory finds them and adds nothing."""
    if len(secrets) > len(urls):
        raise typer.BadParameter(
            "each --webhook-secret goes with a --webhook-url", param_hint="--webhook-secret"
        )
    if region.default_workspace.profile == "current" and len(set(secrets)) > 1:
        raise typer.BadParameter(
            "a current-profile workspace signs every endpoint with one secret", param_hint="--webhook-secret"
        )
    control = ControlPlane(region).webhooks
    try:
        return [
            control.ensure_endpoint(url, secrets[i] if i < len(secrets) else None)
            for i, url in enumerate(urls)
        ]
    except ApiError as exc:
        raise typer.BadParameter(str(exc.body), param_hint="--webhook-url/--webhook-secret") from None


def _signing_secret(region: Region, endpoint: Endpoint) -> str:
    return ControlPlane(region).webhooks.endpoint_secret(endpoint.id)


# Ensure typing names resolve for typer at runtime.
_ = (DelayProfile, ApiProfile)
