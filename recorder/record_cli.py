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
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import tempfile
from dataclasses import dataclass, field
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
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.seams import Clock, Randomness, RealClock, entropy_seed

__all__ = ["RecordOutcome", "RecordingSummary", "TokenSource", "record", "record_meeting", "summarize"]

#: where a backend's answer may carry the token: Recall's own field name, and the sample apps' spellings
_TOKEN_FIELDS = ("upload_token", "uploadToken", "token")


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification, built once: loading the CA bundle takes longer than the calls made
    between a meeting's detection and its first words."""
    return httpx.create_ssl_context()


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
        async with httpx.AsyncClient(transport=self.transport, timeout=30, verify=_tls()) as http:
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
    #: the upload token of each recording started, in order
    tokens: list[str] = field(default_factory=list)
    #: the upload mode the recordings used (as given, or as the region reported it)
    mode: UploadMode | None = None

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
    _tls()  # loaded now rather than between a meeting's detection and its first words
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


async def reported_mode(
    base_url: str, token: str, transport: httpx.AsyncBaseTransport | None = None
) -> UploadMode:
    """The upload mode the region reports for the token's workspace (`seed` if it names none)."""
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=30, verify=_tls()) as http:
        response = await http.get("/ingest/v1/recording/", headers={"Authorization": f"UploadToken {token}"})
    reported = response.json().get("upload_mode") if response.status_code == 200 else None
    return "current" if reported == "current" else "seed"


@dataclass
class RecordingSummary:
    """One recording as the run ends: its ids, its status and its download links."""

    recording_id: str
    sdk_upload_id: str | None
    #: the recording's status code (`done`, `failed`, ... `unknown` if the region could not be asked)
    status: str
    upload_status: str | None
    #: `<artifact>.<field>` -> URL, for every download link the recording has
    download_urls: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "recording_id": self.recording_id,
            "sdk_upload_id": self.sdk_upload_id,
            "status": self.status,
            "upload_status": self.upload_status,
            "download_urls": self.download_urls,
        }


def _download_urls(shortcuts: dict[str, Any] | None) -> dict[str, str]:
    found = {}
    for kind, shortcut in (shortcuts or {}).items():
        for name, url in ((shortcut or {}).get("data") or {}).items():
            if isinstance(url, str) and url.startswith("http"):
                found[f"{kind}.{name}"] = url
    return found


async def summarize(
    base_url: str,
    outcome: RecordOutcome,
    clock: Clock,
    *,
    wait: float = 600.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[RecordingSummary]:
    """Each recording the run uploaded, once processing has ended (or `wait` seconds have passed), read
    with its own upload token: the same summary whether the token came from a key, a URL or the user."""
    summaries = []
    async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=30, verify=_tls()) as http:
        for token in outcome.tokens:
            headers = {"Authorization": f"UploadToken {token}"}
            deadline = clock.timestamp() + wait
            status: dict[str, Any] = {}
            while True:
                response = await http.get("/ingest/v1/recording/", headers=headers)
                status = response.json() if response.status_code == 200 else {}
                code = (status.get("recording_status") or {}).get("code")
                upload = (status.get("upload_status") or {}).get("code")
                if (
                    not status.get("recording_started")
                    or code == "failed"
                    or upload in ("complete", "failed")
                ):
                    break
                if clock.timestamp() > deadline:
                    break
                await clock.sleep(0.25)
            recording_id = status.get("recording_id")
            if not recording_id or recording_id not in outcome.recording_ids:
                continue  # a token whose recording never started
            summaries.append(
                RecordingSummary(
                    recording_id=str(recording_id),
                    sdk_upload_id=status.get("sdk_upload_id"),
                    status=str((status.get("recording_status") or {}).get("code") or "unknown"),
                    upload_status=(status.get("upload_status") or {}).get("code"),
                    download_urls=_download_urls(status.get("recording_media_shortcuts")),
                )
            )
    return summaries


def _print_summary(console: Console, summaries: list[RecordingSummary]) -> None:
    for summary in summaries:
        console.print(f"recording [bold]{summary.recording_id}[/]: {summary.status}")
        for name, url in summary.download_urls.items():
            console.print(f"  {name}: {url}", soft_wrap=True)


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
    if as_json:
        report = {
            "ok": outcome.ok,
            "upload_mode": outcome.mode,
            "recordings": [s.as_json() for s in summaries],
            "errors": outcome.errors,
            "events": [{"t": round(t, 3), "event": n, "payload": p} for t, n, p in outcome.events],
        }
        print(json.dumps(report), flush=True)
    else:
        _print_summary(console, summaries)
        for message in outcome.errors:
            console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    if not outcome.ok:
        raise typer.Exit(1)
