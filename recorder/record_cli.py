"""`recall-sim record`: play a meeting through the recorder against a running region.

It is the desktop app of Recall's sample, in a terminal: the SDK watches a simulated desktop, a meeting
window opens, the app fetches an upload token, records the meeting with real media, uploads it and
reports every SDK event as it happens. The token comes from one of three places, as in a real app:
`--upload-token` (given), `--api-key` (the command creates the sdk upload itself, as a backend would) or
`--token-url` (an HTTP call to the partner's own backend, which creates the upload and answers with its
token).

Unless `--mode` says otherwise, the upload mode is the one the region reports for the token's workspace
(`upload_mode` in `GET /ingest/v1/recording/`): a `current` workspace gets the 2026 SDK's parallel
upload. Whichever way the token came, the run ends with the same summary, read with that token from the
same endpoint: each recording's id, status and download links (`--json`: one JSON object).

Where the token comes from is `token_source`; the summary and its printing are `record_report`.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, Optional

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from recall_sim.recorder import events as sdk_events
from recall_sim.recorder.config import SdkConfig, UploadMode
from recall_sim.recorder.media import get_profile
from recall_sim.recorder.media.profiles import PROFILES, voiced
from recall_sim.recorder.media.voices import SynthesiserMissing, require_synthesiser
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.meetings import DEFAULT_MEETING, load_meeting, meeting_names
from recall_sim.recorder.record_report import RecordingSummary, RecordOutcome, print_report, summarize
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.recorder.token_source import TokenSource, reported_mode, tls_context
from recall_sim.seams import Clock, Randomness, RealClock, entropy_seed

__all__ = ["record", "record_meeting"]


async def record_meeting(
    meeting: MeetingScript,
    tokens: TokenSource,
    *,
    clock: Clock,
    randomness: Randomness,
    recordings_dir: Path,
    mode: UploadMode | None = None,
    media: str = "tiny",
    desktop_audio: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    on_event: Any = None,
) -> RecordOutcome:
    """Run the sample app's flow for one meeting and return when its upload has ended. With no `mode`,
    the upload mode is the one the region reports for the first token's workspace."""
    outcome = RecordOutcome(mode=mode)
    desktop = SimulatedDesktop(
        clock,
        randomness.derive("desktop"),
        [] if desktop_audio else [meeting],
        desktop_audio=meeting if desktop_audio else None,
    )
    config = SdkConfig(
        desktop=desktop,
        clock=clock,
        randomness=randomness.derive("sdk"),
        recordings_dir=recordings_dir,
        upload_mode=mode or "seed",
        media_profile=get_profile(media),
        transport=transport,
    )
    sdk = RecallAiSdk(config)
    started = clock.timestamp()
    done = asyncio.Event()

    def seen(name: str) -> Any:
        def listener(payload: dict[str, Any]) -> None:
            outcome.events.append((clock.timestamp() - started, name, payload))
            if on_event is not None:
                on_event(clock.timestamp() - started, name, payload)
            if name == sdk_events.ERROR:
                outcome.errors.append(str(payload.get("message")))

        return listener

    for name in sdk_events.ALL_EVENTS:
        sdk.add_event_listener(name, seen(name))

    async def start(window: dict[str, Any]) -> None:
        try:
            token = await tokens.fetch(window)
            outcome.tokens.append(token)
            if outcome.mode is None:
                # Read before the recording starts: the mode decides how `start_recording` uploads.
                outcome.mode = await reported_mode(tokens.base_url, token, tokens.transport)
                config.upload_mode = outcome.mode
            await sdk.start_recording(window["id"], token)
        except httpx.ConnectError as error:
            outcome.errors.append(f"could not start recording: {_nothing_answers(error, tokens)}")
            done.set()
        except Exception as error:
            outcome.errors.append(f"could not start recording: {error}")
            done.set()

    async def on_detected(payload: dict[str, Any]) -> None:
        await start(payload["window"])

    async def on_ended(payload: dict[str, Any]) -> None:
        await sdk.upload_recording(payload["window"]["id"])  # a no-op in the current upload mode
        done.set()

    sdk.add_event_listener(sdk_events.MEETING_DETECTED, on_detected)
    sdk.add_event_listener(sdk_events.RECORDING_ENDED, on_ended)
    tls_context()  # loaded now rather than between a meeting's detection and its first words
    await sdk.init(api_url=tokens.base_url)
    if desktop_audio:
        window_id = await sdk.prepare_desktop_audio_recording()
        await start({"id": window_id, "platform": "desktop-audio"})
        if sdk.state != "idle":
            await clock.sleep(meeting.duration)
            await sdk.stop_recording(window_id)
    await done.wait()
    await sdk.settle()
    for ended in sdk.finished:
        outcome.finalized.append(ended.finalized)
        outcome.recording_ids.append(ended.recording_id)
    await sdk.shutdown()
    return outcome


def _nothing_answers(error: httpx.ConnectError, tokens: TokenSource) -> str:
    """Which server did not answer, and what to do about it: the region, or the partner's backend."""
    try:
        url = str(error.request.url)
    except RuntimeError:  # raised without its request: say what httpx said
        return str(error)
    if url.startswith(tokens.base_url.rstrip("/")):
        return (
            f"no region answers at {tokens.base_url}. Start one with `recall-sim serve`, "
            "or point --base-url (RECALL_SIM_BASE_URL) at yours."
        )
    return f"nothing answers at {url}. Start your backend, or point --token-url at it."


def _parse_headers(pairs: list[str]) -> dict[str, str]:
    headers = {}
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(f"expected 'Name: value', got {pair!r}", param_hint="--token-header")
        headers[name.strip()] = value.strip()
    return headers


def record(
    base_url: Annotated[
        str, typer.Option(help="The region's base URL", envvar="RECALL_SIM_BASE_URL", show_envvar=True)
    ] = "http://127.0.0.1:8080",
    meeting: Annotated[
        str, typer.Option(help=f"A shipped meeting ({', '.join(meeting_names())}) or a YAML/JSON file")
    ] = DEFAULT_MEETING,
    upload_token: Annotated[Optional[str], typer.Option(help="Record with this upload token")] = None,  # noqa: UP045
    api_key: Annotated[Optional[str], typer.Option(help="Create the sdk upload with this key")] = None,  # noqa: UP045
    token_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Your backend's URL that creates an sdk upload and answers {upload_token}"),
    ] = None,
    token_header: Annotated[
        list[str], typer.Option(help="'Name: value' header for --token-url (repeatable)")
    ] = [],  # noqa: B006
    mode: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="seed: upload after the meeting; current: upload while recording "
            "(default: the workspace's, as the region reports it)"
        ),
    ] = None,
    media: Annotated[str, typer.Option(help="Media profile: tiny or standard")] = "tiny",
    desktop_audio: Annotated[bool, typer.Option(help="Record the meeting as desktop audio (MP3)")] = False,
    voices: Annotated[bool, typer.Option(help="Speak the meeting's words aloud with espeak-ng")] = False,
    time_scale: Annotated[float, typer.Option(help="Meeting seconds per real second")] = 1.0,
    recordings_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Where recordings wait for upload (default: a temporary folder)"),
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed for window ids and media")] = None,  # noqa: UP045
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (summary and events) at the end")
    ] = False,
) -> None:
    """Play a meeting through the Desktop SDK against a region, printing each SDK event."""
    console = Console(highlight=False)
    if mode not in (None, "seed", "current"):
        raise typer.BadParameter("seed or current", param_hint="--mode")
    if time_scale <= 0:
        raise typer.BadParameter("must be > 0", param_hint="--time-scale")
    if voices:
        try:
            require_synthesiser()
        except SynthesiserMissing as missing:
            console.print(f"[red]{missing}[/]", soft_wrap=True)
            raise typer.Exit(1) from None
        media = voiced(get_profile(media)).name if media in PROFILES else media
    if sum(given is not None for given in (upload_token, api_key, token_url)) != 1:
        raise typer.BadParameter("give exactly one of --upload-token, --api-key or --token-url")
    try:
        script = load_meeting(meeting)
        get_profile(media)
        tokens = TokenSource(
            base_url,
            upload_token=upload_token,
            api_key=api_key,
            token_url=token_url,
            token_headers=_parse_headers(token_header),
            recording_config={"video_mixed_mp4": None, "audio_mixed_mp3": {}} if desktop_audio else None,
        )
    except (ValueError, KeyError) as error:
        raise typer.BadParameter(str(error)) from None

    def show(at: float, name: str, payload: dict[str, Any]) -> None:
        if not as_json:
            console.print(f"[dim]{at:7.2f}s[/] [bold]{name}[/] {escape(json.dumps(payload))}", soft_wrap=True)

    async def run(folder: Path) -> tuple[RecordOutcome, list[RecordingSummary]]:
        clock = RealClock(scale=time_scale)
        outcome = await record_meeting(
            script,
            tokens,
            clock=clock,
            randomness=Randomness(seed if seed is not None else entropy_seed()),
            recordings_dir=folder,
            mode=mode,  # type: ignore[arg-type]
            media=media,
            desktop_audio=desktop_audio,
            on_event=show,
        )
        return outcome, await summarize(tokens.base_url, outcome, RealClock())

    with tempfile.TemporaryDirectory(prefix="recall-sim-recordings-") as scratch:
        outcome, summaries = asyncio.run(run(recordings_dir or Path(scratch)))
    print_report(console, outcome, summaries, as_json=as_json)
    if not outcome.ok:
        raise typer.Exit(1)
