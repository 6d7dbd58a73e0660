"""`recall-sim serve`: one simulated region on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.panel import Panel

from simulator.region import Region
from simulator.serve import bind_socket, serve_forever
from simulator.settings import REGIONS, DelayProfile, Profile, Settings

__all__ = ["serve"]

DEFAULT_DATA_DIR = Path("recall-sim-data")


def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one)")] = 8080,
    data_dir: Annotated[Path, typer.Option(help="SQLite database and media live here")] = DEFAULT_DATA_DIR,
    in_memory: Annotated[bool, typer.Option("--in-memory", help="Keep nothing on disk")] = False,
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
) -> None:
    """Serve one simulated Recall region over HTTP until Ctrl-C."""
    console = Console()
    if region not in REGIONS:
        raise typer.BadParameter(f"unknown region {region!r}", param_hint="--region")
    if profile not in ("seed", "current"):
        raise typer.BadParameter("profile is seed or current", param_hint="--profile")
    if delays not in ("instant", "realistic"):
        raise typer.BadParameter("delays is instant or realistic", param_hint="--delays")
    settings = Settings(
        region=region,
        profile=profile,
        api_key=api_key,
        seed=seed,
        time_scale=time_scale,
        data_dir=None if in_memory else data_dir,
        host=host,
        port=port,
        delays=delays,
    )
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    settings = settings.model_copy(update={"port": bound_port})
    simulated = Region(settings)
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
                    f"[bold]control plane[/]   {base_url}/_simulator/docs",
                ]
            ),
            title="recall-sim",
        )
    )
    console.print(
        f'curl -X POST -H "Authorization: Token {simulated.default_api_key.id}" {base_url}/api/v1/sdk_upload/'
    )
    serve_forever(simulated, sock, log_level=log_level)


# Ensure typing names resolve for typer at runtime.
_ = (DelayProfile, Profile)
