"""`recall-sim upload FILE`: push a real meeting file through a region without any desktop app.

It does what a partner's backend and desktop app do together: create an sdk upload (unless given a
token), start the recording, upload the media (and optional participant events and metadata) over the
ingest protocol with a progress bar, finalize, wait for processing, and print the recording and its
download links.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from recall_sim.recorder.ingest import IngestClient, IngestError
from recall_sim.recorder.supplied_words import WORDS_HELP, with_supplied_words
from recall_sim.seams import Clock, RealClock

__all__ = ["detect_media_format", "upload", "upload_file"]

_TERMINAL = ("complete", "failed")


def detect_media_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(12)
    if head[4:8] in (b"ftyp", b"styp", b"moov", b"mdat", b"free", b"wide"):
        return "mp4"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    raise typer.BadParameter(f"{path} is neither MP4 nor MP3", param_hint="FILE")


def _parse_metadata(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected key=value, got {pair!r}", param_hint="--metadata")
        out[key] = value
    return out


async def upload_file(
    path: Path,
    *,
    base_url: str,
    api_key: str | None,
    upload_token: str | None,
    events: Path | None = None,
    title: str | None = None,
    platform: str = "zoom",
    metadata: dict[str, str] | None = None,
    timeout: float = 600.0,
    console: Console | None = None,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """Upload `path` and wait for its recording; returns the final recording (or upload) JSON."""
    console = console or Console()
    clock = clock or RealClock()
    media_format = detect_media_format(path)
    headers = {"Authorization": f"Token {api_key}"} if api_key else {}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, transport=transport, timeout=60) as api:
        upload_id: str | None = None
        if upload_token is None:
            if api_key is None:
                raise typer.BadParameter("give --api-key or --upload-token")
            config: dict[str, Any] = (
                {"video_mixed_mp4": None, "audio_mixed_mp3": {}}
                if media_format == "mp3"
                else {"video_mixed_mp4": {}}
            )
            response = await api.post(
                "/api/v1/sdk_upload/", json={"recording_config": config, "metadata": metadata or {}}
            )
            if response.status_code != 201:
                raise IngestError(response.status_code, response.text, "create sdk upload")
            created = response.json()
            upload_token, upload_id = created["upload_token"], created["id"]
            console.print(f"sdk upload [bold]{upload_id}[/] created")

        async with IngestClient(base_url, upload_token, transport=transport) as ingest:
            started = await ingest.start(platform=platform, title=title, media_format=media_format)
            upload_id = started.sdk_upload_id
            size = path.stat().st_size
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"uploading {path.name}", total=size)
                media = await ingest.upload_file(
                    path, part="media", progress=lambda done, _total: bar.update(task, completed=done)
                )
            events_ref = await ingest.upload_file(events, part="participant_events") if events else None
            meeting = {"platform": platform, "title": title, "url": None, "zoom": None}
            meta_ref = await ingest.upload_bytes(json.dumps(meeting).encode(), part="meeting_metadata")
            await ingest.end()
            await ingest.finalize(media, events_ref, meta_ref)
            console.print(f"recording [bold]{started.recording_id}[/] uploaded; processing…")

            deadline = clock.timestamp() + timeout
            with console.status("the region is processing the recording…", spinner="dots"):
                while True:
                    status = await ingest.status()
                    if status["upload_status"]["code"] in _TERMINAL or clock.timestamp() > deadline:
                        break
                    await clock.sleep(0.5)

        if status["upload_status"]["code"] != "complete" or api_key is None:
            return dict(status)
        recording: dict[str, Any] = (await api.get(f"/api/v1/recording/{started.recording_id}/")).json()
        return recording


def _print_result(console: Console, result: dict[str, Any]) -> None:
    if "media_shortcuts" not in result:
        status = result["upload_status"]
        console.print(
            f"upload [bold]{result['sdk_upload_id']}[/]: {status['code']} {status.get('sub_code') or ''}"
        )
        console.print(f"recording {result['recording_id']}: {result['recording_status']}")
        return
    console.print(f"recording [bold]{result['id']}[/]: {result['status']['code']}")
    for kind, shortcut in result["media_shortcuts"].items():
        if shortcut is None:
            continue
        for name, url in shortcut["data"].items():
            if isinstance(url, str) and url.startswith("http"):
                console.print(f"  {kind}.{name}: {url}", soft_wrap=True)


def upload(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="An MP4 or MP3 meeting recording")
    ],
    base_url: Annotated[
        str, typer.Option(help="The region's base URL", envvar="RECALL_SIM_BASE_URL", show_envvar=True)
    ] = "http://127.0.0.1:8080",
    api_key: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Creates the sdk upload with this key", envvar="RECALL_SIM_API_KEY", show_envvar=True
        ),
    ] = None,
    upload_token: Annotated[Optional[str], typer.Option(help="Use an existing upload's token")] = None,  # noqa: UP045
    events: Annotated[Path | None, typer.Option(help="Participant events JSON to upload alongside")] = None,
    title: Annotated[Optional[str], typer.Option(help="Meeting title")] = None,  # noqa: UP045
    platform: Annotated[str, typer.Option(help="zoom, google-meet, teams or slack")] = "zoom",
    metadata: Annotated[list[str], typer.Option(help="key=value metadata for the upload (repeatable)")] = [],  # noqa: B006
    timeout: Annotated[float, typer.Option(help="Seconds to wait for processing")] = 600.0,
    transcript: Annotated[Path | None, typer.Option(help=WORDS_HELP)] = None,
    # --- output: the spinner and progress go to stderr with --json, and nowhere with --quiet ---------
    as_json: Annotated[bool, typer.Option("--json", help="Print the final recording as JSON")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, spinner or links")] = False,
) -> None:
    """Upload a meeting file to a region, as the Desktop SDK would, and print its recording."""
    console = Console(stderr=as_json, quiet=quiet)
    file, events = with_supplied_words(file, transcript, events)
    try:
        result = asyncio.run(
            upload_file(
                file,
                base_url=base_url,
                api_key=api_key,
                upload_token=upload_token,
                events=events,
                title=title,
                platform=platform,
                metadata=_parse_metadata(metadata),
                timeout=timeout,
                console=console,
            )
        )
    except IngestError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    except httpx.ConnectError:
        typer.echo(f"Error: no region answers at {base_url}", err=True)
        typer.echo("Start one with `recall-sim serve`, or pass --base-url (RECALL_SIM_BASE_URL).", err=True)
        raise typer.Exit(1) from None
    except httpx.HTTPError as error:
        typer.echo(f"Error: the upload to {base_url} failed: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        _print_result(console, result)
    failed = (
        result.get("status", {}).get("code") == "failed"
        or result.get("upload_status", {}).get("code") == "failed"
    )
    if failed:
        raise typer.Exit(1)
