"""The options of the pytest plugin's markers, one keyword-only object per fixture.

Each fixture reads the marker of its own name, as pytest_httpx's `@pytest.mark.httpx_mock(...)` does:

    @pytest.mark.recall_region(seed=7, profile="current", region="eu-central-1")
    @pytest.mark.recall_recorder(meeting="one-on-one", upload_mode="current")
    @pytest.mark.recall_webhooks(allow_undelivered=True)

The marker's keywords become the fields of a frozen, keyword-only dataclass, so a misspelt option or a
value of the wrong kind fails the test at setup instead of being ignored. Markers closer to the test
win over those of its class and module. `--recall-seed` and `--recall-profile` fill in what no marker
says.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, TypeVar, get_args, get_origin

import pytest

# The recorder's types name what the recorder's options take; they are looked up when a recorder
# marker is checked, so that reading another fixture's options loads nothing of the recorder.
if TYPE_CHECKING:
    import httpx

    from recall_sim.recorder.desktop import AudioDevice, Permission
    from recall_sim.recorder.media.profiles import MediaProfile
    from recall_sim.recorder.meeting import MeetingScript
    from recall_sim.recorder.retry import RetryPolicy

__all__ = [
    "DEFAULT_SEED",
    "Defaults",
    "RecorderOptions",
    "RegionOptions",
    "ScenarioOptions",
    "ServedOptions",
    "WebhookOptions",
    "options_for",
]

#: the seed of a region when neither a marker nor `--recall-seed` names one
DEFAULT_SEED = 1

ApiProfile = Literal["seed", "current"]
RegionName = Literal["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1"]
DelayName = Literal["instant", "realistic"]
UploadMode = Literal["seed", "current"]
MediaName = Literal["tiny", "standard"]
SignatureTimeName = Literal["region", "real"]


@dataclass(frozen=True)
class Defaults:
    """What the command line says for every region and scenario: `--recall-seed`, `--recall-profile`."""

    seed: int | None = None
    profile: ApiProfile | None = None


@dataclass(frozen=True, kw_only=True)
class RegionOptions:
    """`@pytest.mark.recall_region(...)`: the settings of the in-process region (simulator.Settings)."""

    #: every random stream of the region (ids, keys, secrets, jitter) derives from it
    seed: int | None = None
    #: the API generation of the start-up workspace: `seed` (late 2024) or `current` (2026)
    profile: ApiProfile | None = None
    region: RegionName = "us-east-1"
    #: `instant` status steps, or `realistic` processing times (seconds plus a quarter of the media)
    delays: DelayName = "instant"
    rate_limits: bool = True
    #: a fixed API key / webhook secret for the start-up workspace; generated from the seed when None
    api_key: str | None = None
    webhook_secret: str | None = None
    #: the seeded spread of webhook retry delays (Svix's ±20 %); 0 gives the schedule's exact times
    webhook_jitter: float = 0.2
    #: the clock webhook signatures are stamped with: `real` (the machine's, as Svix stamps: a handler
    #: that calls svix's `Webhook(secret).verify(body, headers)` accepts them) or `region`; None: region
    #: time in process (virtual time), real time for `recall_served`
    signature_time: SignatureTimeName | None = None

    def resolved(self, defaults: Defaults) -> Self:
        """These options with the command line's seed and profile where the marker named none."""
        return dataclasses.replace(
            self,
            seed=self.seed if self.seed is not None else (defaults.seed or DEFAULT_SEED),
            profile=self.profile or defaults.profile or "seed",
        )


@dataclass(frozen=True, kw_only=True)
class ServedOptions(RegionOptions):
    """`@pytest.mark.recall_served(...)`: the region options, and how fast served time runs."""

    #: simulated seconds per real second (the region's clock is real in served mode)
    time_scale: float = 1.0


@dataclass(frozen=True, kw_only=True)
class RecorderOptions:
    """`@pytest.mark.recall_recorder(...)`: the simulated desktop and the SDK's configuration."""

    #: a meeting the recorder ships (`standup`, `one-on-one`, `huddle`), a script file or a
    #: recorder.meeting.MeetingScript; None: no meeting
    meeting: str | MeetingScript | None = "standup"
    #: several meetings (names, files or MeetingScripts), each in its own window, in place of `meeting`
    meetings: tuple[str | MeetingScript, ...] | None = None
    #: `seed`: upload after `upload_recording`; `current`: upload segments during the recording
    upload_mode: UploadMode = "seed"
    #: `tiny` media for tests, `standard` for demos, or a recorder.media.MediaProfile of your own
    media: MediaName | MediaProfile = "tiny"
    #: record the meeting as desktop audio (`prepare_desktop_audio_recording`) instead of a window
    desktop_audio: bool = False
    #: how the SDK retries calls to the region (recorder.retry.RetryPolicy); None: the SDK's default
    retry: RetryPolicy | None = None
    #: what carries the SDK's HTTP calls: an httpx transport, or a function that is given the region's
    #: own transport and returns one wrapping it (to drop or delay requests); None: the region's
    transport: (
        httpx.AsyncBaseTransport | Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None
    ) = None
    #: the permissions the desktop has granted at the start; None: all of them
    granted: tuple[Permission, ...] | None = None
    #: whether the desktop grants a permission the SDK asks for (`request_permission`)
    grant_on_request: bool = True
    #: the desktop's audio devices (recorder.desktop.AudioDevice); None: a built-in microphone and speakers
    devices: tuple[AudioDevice, ...] | None = None

    @staticmethod
    def type_names() -> dict[str, Any]:
        """The recorder's types the annotations above name, imported when a marker is checked."""
        import httpx

        from recall_sim.recorder.desktop import AudioDevice, Permission
        from recall_sim.recorder.media.profiles import MediaProfile
        from recall_sim.recorder.meeting import MeetingScript
        from recall_sim.recorder.retry import RetryPolicy

        return {
            "httpx": httpx,
            "AudioDevice": AudioDevice,
            "Permission": Permission,
            "MediaProfile": MediaProfile,
            "MeetingScript": MeetingScript,
            "RetryPolicy": RetryPolicy,
        }


@dataclass(frozen=True, kw_only=True)
class WebhookOptions:
    """`@pytest.mark.recall_webhooks(...)`: the receiver registered as a webhook endpoint."""

    #: do not fail the test when messages are still undelivered at its end
    allow_undelivered: bool = False
    #: event types the endpoint receives; every event when None
    filter_types: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class ScenarioOptions:
    """`@pytest.mark.recall_scenario(...)`: seed and profile for every scenario the test runs."""

    seed: int | None = None
    profile: ApiProfile | None = None


Options = TypeVar("Options")


class Marked(Protocol):
    """A pytest node: what carries the markers."""

    def iter_markers(self, name: str | None = None) -> Iterator[pytest.Mark]: ...


def _accepts(kind: Any, value: Any) -> bool:
    """Whether `value` fits the annotation `kind` (the few shapes the options use)."""
    origin = get_origin(kind)
    if kind is Any:
        return True
    if origin is Literal:
        return value in get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(arg, value) for arg in get_args(kind))
    if kind is type(None):
        return value is None
    if origin is collections.abc.Callable:
        return callable(value) and not isinstance(value, type)
    if origin is tuple:
        item = get_args(kind)[0]
        return isinstance(value, tuple | list) and all(_accepts(item, v) for v in value)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _describe(kind: Any) -> str:
    """An annotation in words: `one of 'seed', 'current' or None`."""
    origin = get_origin(kind)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(kind))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(kind))
    if kind is type(None):
        return "None"
    if origin is collections.abc.Callable:
        return "a function"
    if origin is tuple:
        return f"a list of {_describe(get_args(kind)[0])}"
    name = str(getattr(kind, "__name__", kind))
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _problem(name: str, cls: type[Any], kwargs: dict[str, Any]) -> str | None:
    names = getattr(cls, "type_names", None)
    hints = typing.get_type_hints(cls, localns=names() if names is not None else None)
    known = [f.name for f in dataclasses.fields(cls)]
    for key, value in kwargs.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"@pytest.mark.{name} has no option {key!r}{hint}; its options are {', '.join(known)}"
        if not _accepts(hints[key], value):
            return f"@pytest.mark.{name}({key}={value!r}): {key} takes {_describe(hints[key])}"
    return None


def options_for(node: Marked, name: str, cls: type[Options]) -> Options:
    """The options object of marker `name` on `node` (closest markers win); fails the test on a typo."""
    merged: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(name))):
        if marker.args:
            pytest.fail(f"@pytest.mark.{name} takes keyword options only, got {marker.args!r}", pytrace=False)
        merged.update(marker.kwargs)
    problem = _problem(name, cls, merged)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    # options that take several values are tuples, whichever sequence the marker gave
    merged = {key: tuple(value) if isinstance(value, list) else value for key, value in merged.items()}
    return cls(**merged)
