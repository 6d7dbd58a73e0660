"""`recall-sim serve`: one simulated region on this machine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.panel import Panel

from simulator.errors import ApiError
from simulator.region import Region
from simulator.serve import bind_socket, serve_forever
from simulator.settings import REGIONS, DelayProfile, Profile, Settings, WebhookSettings
from simulator.webhooks.control import WebhooksControl
from simulator.webhooks.models import Endpoint

__all__ = ["serve"]

DEFAULT_DATA_DIR = Path("recall-sim-data")


def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one)")] = 8080,
    data_dir: Annotated[Path, typer.Option(help="SQLite database and media live here")] = DEFAULT_DATA_DIR,
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
    api_key: Annotated[Optional[str], typer.Option(help="Fixed API key (else generated and kept)")] = None,  # noqa: UP045
    seed: Annotated[Optional[int], typer.Option(help="Seed for ids and jitter (else random, kept)")] = None,  # noqa: UP045
    time_scale: Annotated[
        float, typer.Option(help="Simulated seconds per real second; 0 freezes time")
    ] = 1.0,
    delays: Annotated[str, typer.Option(help="Status timing: instant or realistic")] = "realistic",
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
    store_url = _store_url(store, in_memory)
    webhooks = WebhookSettings()
    if webhook_retry_schedule is not None:
        webhooks = WebhookSettings(retry_schedule=_retry_schedule(webhook_retry_schedule))
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
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": bound_port})
    try:
        simulated = _open_region(settings)
    except BaseException:
        sock.close()
        raise
    endpoints = register_webhooks(simulated, webhook_url or [], webhook_secret or [])
    workspace = simulated.default_workspace
    base_url = f"http://{host}:{bound_port}"
    console.print(
        Panel.fit(
            "\n".join(
                [
                    f"[bold]base URL[/]        {base_url}",
                    f"[bold]API key[/]         {simulated.default_api_key.id}",
                    f"[bold]webhook secret[/]  {workspace.webhook_secret}",
                    f"[bold]region[/]          {settings.region}   [bold]profile[/] {workspace.profile}",
                    f"[bold]data[/]            {'in memory' if in_memory else data_dir.resolve()}",
                    *([f"[bold]store[/]           {_redacted(store_url)}"] if store_url else []),
                    f"[bold]control plane[/]   {base_url}/_simulator/docs",
                    *(
                        f"[bold]webhook[/]         {e.url}  (secret {_signing_secret(simulated, e)})"
                        for e in endpoints
                    ),
                ]
            ),
            title="recall-sim",
        )
    )
    console.print(
        f'curl -X POST -H "Authorization: Token {simulated.default_api_key.id}" {base_url}/api/v1/sdk_upload/'
    )
    serve_forever(simulated, sock, log_level=log_level, access_log=access_log)


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
    control = WebhooksControl(region)
    try:
        return [
            control.ensure_endpoint(url, secrets[i] if i < len(secrets) else None)
            for i, url in enumerate(urls)
        ]
    except ApiError as exc:
        raise typer.BadParameter(str(exc.body), param_hint="--webhook-url/--webhook-secret") from None


def _signing_secret(region: Region, endpoint: Endpoint) -> str:
    return WebhooksControl(region).endpoint_secret(endpoint.id)


# Ensure typing names resolve for typer at runtime.
_ = (DelayProfile, Profile)
