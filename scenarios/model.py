"""A scenario: everything one run of the lifecycle does, as plain data.

A scenario names a seed (every random stream of the run derives from it), the region and profile of the
partner's workspace, the meeting the desktop plays, how the upload is configured, how the desktop app
and the partner's backend behave, and the faults that strike. Times are seconds on the desktop's
timeline (the desktop starts at 0; the meeting window opens at `meeting.opens_at`, default 0).

Scenarios round-trip through `to_dict` / `from_dict` and YAML (`dump_yaml` / `load_scenario`), so a
failing one can be printed, saved and replayed as it was.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.meetings import load_meeting

__all__ = [
    "AppBehaviour",
    "BackendBehaviour",
    "Faults",
    "HttpBurst",
    "Scenario",
    "UploadConfig",
    "dump_yaml",
    "load_scenario",
]

ApiProfile = Literal["seed", "current"]
UploadMode = Literal["seed", "current"]
PROFILES: tuple[ApiProfile, ...] = ("seed", "current")
UPLOAD_MODES: tuple[UploadMode, ...] = ("seed", "current")


@dataclass(frozen=True)
class UploadConfig:
    """What the backend puts in the sdk upload's `recording_config`."""

    #: a streaming transcription provider (real-time transcript during the call), or None
    streaming_provider: str | None = None
    #: `start_recording(realtime_events=...)`: what the SDK's `realtime-event` listener subscribes to
    realtime_events: tuple[str, ...] = ()
    #: `video_mixed_mp4: null, audio_mixed_mp3: {}`
    audio_only: bool = False
    #: a real-time `webhook` endpoint on the backend, subscribed to these events (none: no endpoint)
    realtime_webhook_events: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppBehaviour:
    """What the partner's desktop app does."""

    upload_mode: UploadMode = "seed"
    #: stop the recording at this desktop time instead of when the meeting ends
    stop_at: float | None = None
    #: (pause at, resume at) pairs, desktop time, in order and not overlapping
    pauses: tuple[tuple[float, float], ...] = ()
    #: record the meeting as desktop audio (`prepare_desktop_audio_recording`)
    desktop_audio: bool = False
    #: after the recording, try to record again with the same upload token (must be refused)
    reuse_token: bool = False


@dataclass(frozen=True)
class BackendBehaviour:
    """What the partner's backend does."""

    #: on `sdk_upload.complete(d)`, create an async transcript with this provider (None: don't)
    create_transcript: str | None = None
    #: (from, until) desktop-time spans during which the webhook receiver answers 503
    webhook_outages: tuple[tuple[float, float], ...] = ()
    #: once an outage ends, ask for every message that failed meanwhile to be sent again (Svix recover)
    recover_after_outage: bool = True
    #: how long after the meeting the backend keeps listening (seconds of simulated time)
    listen_for: float = 2 * 3600.0


@dataclass(frozen=True)
class HttpBurst:
    """The region answers `status` to the first `count` requests matching `route`/`methods` from `at`."""

    route: str
    status: int
    count: int
    methods: tuple[str, ...] = ()
    at: float = 0.0


@dataclass(frozen=True)
class Faults:
    #: (at, seconds) spans during which the desktop's network is down
    network_drops: tuple[tuple[float, float], ...] = ()
    http_bursts: tuple[HttpBurst, ...] = ()
    #: kill the recorder process at this desktop time (a fresh SDK on the same folder takes over)
    recorder_crash_at: float | None = None
    #: restart the region on its SQLite store at this desktop time (down for `simulator_downtime`)
    simulator_restart_at: float | None = None
    simulator_downtime: float = 5.0
    #: the uploaded media is damaged in transit: processing must fail the upload cleanly
    corrupt_upload: bool = False


@dataclass(frozen=True)
class Scenario:
    name: str
    seed: int
    meeting: MeetingScript
    region: str = "us-east-1"
    profile: ApiProfile = "seed"
    upload: UploadConfig = field(default_factory=UploadConfig)
    app: AppBehaviour = field(default_factory=AppBehaviour)
    backend: BackendBehaviour = field(default_factory=BackendBehaviour)
    faults: Faults = field(default_factory=Faults)
    description: str = ""
    #: the meeting's words are spoken by espeak-ng in the recorded media, not the placeholder sound
    voices: bool = False

    def with_seed(self, seed: int) -> Scenario:
        return replace(self, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["meeting"] = self.meeting.to_dict()
        plain: dict[str, Any] = _plain(data)
        return plain

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown scenario fields: {', '.join(sorted(unknown))}")
        faults = dict(data.get("faults") or {})
        faults["http_bursts"] = tuple(
            HttpBurst(**{**b, "methods": tuple(b.get("methods", ()))}) for b in faults.get("http_bursts", ())
        )
        return cls(
            name=str(data.get("name", "unnamed")),
            seed=int(data.get("seed", 0)),
            meeting=_meeting(data["meeting"]),
            region=str(data.get("region", "us-east-1")),
            profile=data.get("profile", "seed"),
            upload=_build(UploadConfig, data.get("upload")),
            app=_build(AppBehaviour, data.get("app")),
            backend=_build(BackendBehaviour, data.get("backend")),
            faults=_build(Faults, faults),
            description=str(data.get("description", "")),
            voices=bool(data.get("voices", False)),
        )


def _meeting(value: Any) -> MeetingScript:
    """A meeting script inline, or the name of one the recorder ships (`standup`, ...)."""
    if isinstance(value, str):
        return load_meeting(value)
    return MeetingScript.from_dict(value)


def _build(kind: Any, data: dict[str, Any] | None) -> Any:
    data = dict(data or {})
    names = {f.name for f in fields(kind)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {kind.__name__} fields: {', '.join(sorted(unknown))}")
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return kind(**data)


def _plain(value: Any) -> Any:
    """Tuples as lists, so YAML and JSON show plain sequences."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def dump_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)


def load_scenario(path: Path) -> Scenario:
    """The scenario in a YAML or JSON file; ValueError naming the file and the mistake otherwise."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not YAML or JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario is a mapping")
    try:
        return Scenario.from_dict(data)
    except (TypeError, KeyError, AttributeError) as error:
        # A misspelt or missing field deep in the meeting script (e.g. `joins_at` for `join_at`).
        raise ValueError(f"{path}: {error}") from None
