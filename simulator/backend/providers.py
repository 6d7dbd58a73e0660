"""Which transcription providers an upload's `recording_config.transcript` may name, per profile.

The live service stopped issuing credentials for AssemblyAI's v2 streaming API in 2025: workspaces on
today's API get a 400 for `assembly_ai_streaming`, older ones still record with it.
"""

from __future__ import annotations

from recall_sim.simulator.settings import ApiProfile

__all__ = ["REALTIME_EVENTS", "STREAMING_PROVIDERS", "streaming_provider_error"]

_CURRENT_STREAMING = (
    "assembly_ai_v3_streaming",
    "recallai_streaming",
    "deepgram_streaming",
    "elevenlabs_streaming",
    "gladia_v2_streaming",
    "speechmatics_streaming",
)

STREAMING_PROVIDERS: dict[ApiProfile, tuple[str, ...]] = {
    "seed": ("assembly_ai_streaming", *_CURRENT_STREAMING),
    "current": _CURRENT_STREAMING,
}

_PARTICIPANT_EVENTS = tuple(
    f"participant_events.{a}"
    for a in (
        "join",
        "leave",
        "update",
        "speech_on",
        "speech_off",
        "webcam_on",
        "webcam_off",
        "screenshare_on",
        "screenshare_off",
        "chat_message",
    )
)
_TRANSCRIPT_EVENTS = ("transcript.data", "transcript.partial_data", "transcript.provider_data")

#: Real-time events each endpoint type may subscribe to (Recall's OpenAPI enums, media streams aside).
REALTIME_EVENTS: dict[str, tuple[str, ...]] = {
    "desktop_sdk_callback": (*_PARTICIPANT_EVENTS, *_TRANSCRIPT_EVENTS),
    "webhook": (*_PARTICIPANT_EVENTS, *_TRANSCRIPT_EVENTS),
    "websocket": (*_PARTICIPANT_EVENTS, *_TRANSCRIPT_EVENTS),
}


def streaming_provider_error(profile: ApiProfile, name: str) -> dict[str, object] | None:
    """The 400 body for a streaming provider this profile refuses, or None if it is accepted."""
    if name in STREAMING_PROVIDERS[profile]:
        return None
    if name == "assembly_ai_streaming" and profile == "current":
        return {"transcript": "Unable to get temporary credentials for assembly_ai_streaming."}
    return {"recording_config": {"transcript": {"provider": [f'"{name}" is not a valid choice.']}}}
