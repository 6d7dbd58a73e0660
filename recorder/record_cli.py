"""`recall-sim record`: play a meeting through the recorder against a running region.

It is the desktop app of Recall's sample, in a terminal: the SDK watches a simulated desktop, a meeting
window opens, the app fetches an upload token, records the meeting with real media, uploads it and
reports every SDK event as it happens. The token comes from one of three places, as in a real app:
`--upload-token` (given), `--api-key` (the command creates the sdk upload itself, as a backend would) or
`--token-url` (an HTTP call to the partner's own backend, which creates the upload and answers with its
token).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from recorder import events as sdk_events
from recorder.config import SdkConfig, UploadMode
from recorder.media import get_profile
from recorder.media.profiles import PROFILES, voiced
from recorder.media.voices import SynthesiserMissing, require_synthesiser
from recorder.meeting import MeetingScript
from recorder.meetings import DEFAULT_MEETING, load_meeting, meeting_names
from recorder.sdk import RecallAiSdk
from recorder.simulated import SimulatedDesktop
from seams import Clock, Randomness, RealClock, entropy_seed

__all__ = ["RecordOutcome", "TokenSource", "record", "record_meeting"]

#: where a backend's answer may carry the token: Recall's own field name, and the sample apps' spellings
_TOKEN_FIELDS = ("upload_token", "uploadToken", "token")


class TokenError(Exception):
    """The upload token could not be had (the backend refused, or answered without one)."""


@dataclass
class TokenSource:
    """Where the desktop app gets its upload token when a meeting is detected."""

    base_url: str
    upload_token: str | None = None
    api_key: str | None = None
    token_url: str | None = None
    token_headers: dict[str, str] = field(default_factory=dict)
    recording_config: dict[str, Any] | None = None
    transport: httpx.AsyncBaseTransport | None = None

    def __post_init__(self) -> None:
        given = [s for s in (self.upload_token, self.api_key, self.token_url) if s]
        if len(given) != 1:
            raise ValueError("give exactly one of an upload token, an API key or a token URL")

    async def fetch(self, window: dict[str, Any]) -> str:
        if self.upload_token:
            return self.upload_token
        async with httpx.AsyncClient(transport=self.transport, timeout=30) as http:
            if self.api_key:
                body = {"recording_config": self.recording_config} if self.recording_config else None
                response = await http.post(
                    f"{self.base_url.rstrip('/')}/api/v1/sdk_upload/",
                    json=body,
                    headers={"Authorization": f"Token {self.api_key}"},
                )
            else:
                assert self.token_url is not None
                response = await http.post(
                    self.token_url, json={"window": window}, headers=self.token_headers
                )
        if response.status_code >= 300:
            raise TokenError(f"{response.request.url} answered {response.status_code}: {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            raise TokenError(f"{response.request.url} did not answer JSON: {response.text[:200]}") from None
        for name in _TOKEN_FIELDS:
            if isinstance(answer, dict) and isinstance(answer.get(name), str):
                return str(answer[name])
        raise TokenError(f"{response.request.url} answered without an upload token: {response.text[:200]}")


@dataclass
class RecordOutcome:
    """What a `record` run did: every SDK event in order, the recordings it started and how they ended."""

    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    recording_ids: list[str] = field(default_factory=list)
    finalized: list[bool] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.finalized) and all(self.finalized) and not self.errors


async def record_meeting(
    meeting: MeetingScript,
    tokens: TokenSource,
    *,
    clock: Clock,
    randomness: Randomness,
    recordings_dir: Path,
    mode: UploadMode = "seed",
    media: str = "tiny",
    desktop_audio: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    on_event: Any = None,
) -> RecordOutcome:
    """Run the sample app's flow for one meeting and return when its upload has ended."""
    outcome = RecordOutcome()
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
        upload_mode=mode,
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
            await sdk.start_recording(window["id"], token)
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


async def _print_recordings(
    console: Console, tokens: TokenSource, outcome: RecordOutcome, clock: Clock
) -> None:
    """With an API key, wait for processing and show each recording with its download links."""
    if not tokens.api_key:
        for recording_id in outcome.recording_ids:
            console.print(f"recording [bold]{recording_id}[/] uploaded")
        return
    headers = {"Authorization": f"Token {tokens.api_key}"}
    async with httpx.AsyncClient(
        base_url=tokens.base_url, headers=headers, transport=tokens.transport
    ) as api:
        for recording_id in outcome.recording_ids:
            deadline = clock.timestamp() + 600
            while True:
                recording = (await api.get(f"/api/v1/recording/{recording_id}/")).json()
                if recording["status"]["code"] in ("done", "failed") or clock.timestamp() > deadline:
                    break
                await clock.sleep(0.5)
            console.print(f"recording [bold]{recording_id}[/]: {recording['status']['code']}")
            for kind, shortcut in (recording.get("media_shortcuts") or {}).items():
                for name, url in ((shortcut or {}).get("data") or {}).items():
                    if isinstance(url, str) and url.startswith("http"):
                        console.print(f"  {kind}.{name}: {url}", soft_wrap=True)


def _parse_headers(pairs: list[str]) -> dict[str, str]:
    headers = {}
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep or not name.strip():
            raise typer.BadParameter(f"expected 'Name: value', got {pair!r}", param_hint="--token-header")
        headers[name.strip()] = value.strip()
    return headers


def record(
    base_url: Annotated[str, typer.Option(help="The region's base URL")] = "http://127.0.0.1:8080",
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
        str, typer.Option(help="seed: upload after the meeting; current: upload while recording")
    ] = "seed",
    media: Annotated[str, typer.Option(help="Media profile: tiny or standard")] = "tiny",
    desktop_audio: Annotated[bool, typer.Option(help="Record the meeting as desktop audio (MP3)")] = False,
    voices: Annotated[bool, typer.Option(help="Speak the meeting's words aloud with espeak-ng")] = False,
    time_scale: Annotated[float, typer.Option(help="Meeting seconds per real second")] = 1.0,
    recordings_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Where recordings wait for upload (default: a temporary folder)"),
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed for window ids and media")] = None,  # noqa: UP045
    json_lines: Annotated[bool, typer.Option("--json", help="Print each event as a JSON line")] = False,
) -> None:
    """Play a meeting through the Desktop SDK against a region, printing each SDK event."""
    console = Console(highlight=False)
    if mode not in ("seed", "current"):
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
        if json_lines:
            print(json.dumps({"t": round(at, 3), "event": name, "payload": payload}), flush=True)
        else:
            console.print(f"[dim]{at:7.2f}s[/] [bold]{name}[/] {escape(json.dumps(payload))}", soft_wrap=True)

    async def run(folder: Path) -> RecordOutcome:
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
        if not json_lines:
            await _print_recordings(console, tokens, outcome, RealClock())
        return outcome

    with tempfile.TemporaryDirectory(prefix="recall-sim-recordings-") as scratch:
        outcome = asyncio.run(run(recordings_dir or Path(scratch)))
    for message in outcome.errors:
        console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    if not outcome.ok:
        raise typer.Exit(1)
