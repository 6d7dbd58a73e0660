"""A meeting script: everything that happens in one meeting window, on the meeting's own timeline.

The simulated desktop plays a script (windows appear, titles arrive, people join, speak, share and
leave); the capture layer turns the part that was recorded into media; scenarios generate scripts and
predict from them what the whole system must produce. All times are seconds from the moment the meeting
window opens. Scripts are plain data and round-trip through `to_dict` / `from_dict` (JSON or YAML).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "PLATFORMS",
    "ChatMessage",
    "MeetingScript",
    "Participant",
    "Platform",
    "Span",
    "Utterance",
    "Word",
]

#: The platforms the Desktop SDK detects. Slack huddles are audio only and carry no participant data.
Platform = Literal["zoom", "google-meet", "teams", "slack"]
PLATFORMS: tuple[Platform, ...] = ("zoom", "google-meet", "teams", "slack")


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Utterance:
    """One participant speaking a run of words (each word's times are on the meeting timeline)."""

    participant_id: int
    words: tuple[Word, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Participant:
    """Someone in the meeting. Ids are small integers (100, 200, ...), unique within one meeting."""

    id: int
    name: str
    is_host: bool = False
    #: the person running the desktop app: their voice is the microphone ("Host" in desktop audio)
    is_local: bool = False
    platform: Literal["desktop", "dial-in", "unknown"] = "desktop"
    email: str | None = None
    join_at: float = 0.0
    leave_at: float | None = None


@dataclass(frozen=True)
class Span:
    """A participant's webcam or screenshare being on, from `start` to `end`."""

    participant_id: int
    start: float
    end: float


@dataclass(frozen=True)
class ChatMessage:
    participant_id: int
    at: float
    text: str
    to: str = "everyone"


@dataclass(frozen=True)
class MeetingScript:
    platform: Platform
    #: seconds from the window opening to its closing
    duration: float
    title: str | None = None
    url: str | None = None
    #: when title and url become known (they may be missing at `meeting-detected`)
    details_at: float = 0.0
    participants: tuple[Participant, ...] = ()
    utterances: tuple[Utterance, ...] = ()
    webcam: tuple[Span, ...] = ()
    screenshare: tuple[Span, ...] = ()
    chat: tuple[ChatMessage, ...] = ()
    #: spans during which the window cannot be captured (minimised, another virtual desktop)
    uncapturable: tuple[tuple[float, float], ...] = ()
    zoom_meeting_uuid: str | None = None
    #: seconds after the desktop starts that the window opens; <= 0 means already open at `init`
    opens_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def audio_only(self) -> bool:
        return self.platform == "slack"

    def participant(self, participant_id: int) -> Participant:
        for p in self.participants:
            if p.id == participant_id:
                return p
        raise KeyError(participant_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeetingScript:
        return cls(
            platform=data["platform"],
            duration=float(data["duration"]),
            title=data.get("title"),
            url=data.get("url"),
            details_at=float(data.get("details_at", 0.0)),
            participants=tuple(Participant(**p) for p in data.get("participants", ())),
            utterances=tuple(
                Utterance(participant_id=u["participant_id"], words=tuple(Word(**w) for w in u["words"]))
                for u in data.get("utterances", ())
            ),
            webcam=tuple(Span(**s) for s in data.get("webcam", ())),
            screenshare=tuple(Span(**s) for s in data.get("screenshare", ())),
            chat=tuple(ChatMessage(**c) for c in data.get("chat", ())),
            uncapturable=tuple((float(a), float(b)) for a, b in data.get("uncapturable", ())),
            zoom_meeting_uuid=data.get("zoom_meeting_uuid"),
            opens_at=float(data.get("opens_at", 0.0)),
            extra=dict(data.get("extra", {})),
        )
