"""Media capture for the recorder: synthetic meeting content encoded into real MP4/MP3.

The Desktop SDK records the meeting window's pixels and audio and uploads them as one media file
(fragmented MP4 with H.264, AAC and a speech track; or MP3). This package reproduces that on the
simulated desktop: `MeetingEncoder` turns a `MeetingScript` into media segments as simulated time
passes; `participant_events` and `meeting_metadata` build the parts recorded alongside.
"""

from recall_sim.recorder.media.encoder import (
    CaptureSummary,
    MediaKind,
    MeetingEncoder,
    concatenated_sha256,
    media_kind_for,
)
from recall_sim.recorder.media.events import meeting_metadata, meeting_state, participant_events
from recall_sim.recorder.media.profiles import PROFILES, STANDARD, TINY, MediaProfile, get_profile
from recall_sim.recorder.media.reader import (
    SPEECH_DESCRIPTION,
    SpeechSample,
    read_mp3_speech,
    read_mp4_speech_samples,
    read_speech,
)
from recall_sim.recorder.media.segments import Segment, SegmentInfo
from recall_sim.recorder.media.speech import GUEST, HOST, SpeechUtterance, SpeechWord, recorded_utterances
from recall_sim.recorder.media.timeline import RecordedSpans

__all__ = [
    "GUEST",
    "HOST",
    "PROFILES",
    "SPEECH_DESCRIPTION",
    "STANDARD",
    "TINY",
    "CaptureSummary",
    "MediaKind",
    "MediaProfile",
    "MeetingEncoder",
    "RecordedSpans",
    "Segment",
    "SegmentInfo",
    "SpeechSample",
    "SpeechUtterance",
    "SpeechWord",
    "concatenated_sha256",
    "get_profile",
    "media_kind_for",
    "meeting_metadata",
    "meeting_state",
    "participant_events",
    "read_mp3_speech",
    "read_mp4_speech_samples",
    "read_speech",
    "recorded_utterances",
]
