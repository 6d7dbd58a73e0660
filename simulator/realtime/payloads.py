"""Real-time event bodies in the contract's shapes (section 6), and what the recorder learns at start.

Every event is `{"event", "data"}`, `data` naming the endpoint it is delivered to, the recording, and
the artifact the event belongs to: `participant_events` for participant events, `transcript` for
transcript events (the ids the recording's artifacts will have once processed).
"""

from __future__ import annotations

from typing import Any

from recall_sim.simulator.realtime.records import StreamedUtterance
from recall_sim.simulator.records import RealtimeEndpoint, RecordingRecord

__all__ = ["participant_event_data", "realtime_start_info", "transcript_data", "transcript_words"]

Minimal = dict[str, Any]


def _minimal(item_id: str | None, metadata: dict[str, str | None] | None = None) -> Minimal | None:
    return None if item_id is None else {"id": item_id, "metadata": dict(metadata or {})}


def _artifact_config(config: dict[str, Any], key: str) -> dict[str, Any]:
    value = config.get(key)
    return value if isinstance(value, dict) else {}


def artifact_ref(recording: RecordingRecord, config: dict[str, Any], kind: str) -> Minimal | None:
    """`{id, metadata}` of the artifact `kind` the recording will have, or None if it will have none."""
    return _minimal(recording.artifact_ids.get(kind), _artifact_config(config, kind).get("metadata"))


def endpoint_ref(endpoint: RealtimeEndpoint | None) -> Minimal | None:
    return None if endpoint is None else _minimal(endpoint.id, endpoint.metadata)


def realtime_start_info(recording: RecordingRecord, config: dict[str, Any]) -> dict[str, Any]:
    """The start response's real-time part: the upload's endpoints with the ids the region gave them,
    and the artifacts events will name, so the SDK can build its own callback payloads."""
    return {
        "realtime_endpoints": [
            {"id": e.id, "type": e.type, "events": list(e.events), "metadata": dict(e.metadata)}
            for e in recording.realtime_endpoints
        ],
        "participant_events": artifact_ref(recording, config, "participant_events"),
        "transcript": artifact_ref(recording, config, "transcript"),
    }


def participant_event_data(
    recording: RecordingRecord,
    config: dict[str, Any],
    endpoint: RealtimeEndpoint | None,
    *,
    participant: dict[str, Any],
    timestamp: dict[str, Any],
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "data": {"participant": participant, "timestamp": timestamp, "data": data},
        "realtime_endpoint": endpoint_ref(endpoint),
        "participant_events": artifact_ref(recording, config, "participant_events"),
        "recording": _minimal(recording.id, recording.metadata),
    }


def transcript_words(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "text": w["text"],
            "start_timestamp": {"relative": w["start"]},
            "end_timestamp": {"relative": w["end"]},
        }
        for w in words
    ]


def transcript_data(
    recording: RecordingRecord,
    config: dict[str, Any],
    endpoint: RealtimeEndpoint | None,
    utterance: StreamedUtterance,
    words: int,
) -> dict[str, Any]:
    """A transcript event's data: the utterance's first `words` words, as heard so far."""
    return {
        "data": {"words": transcript_words(utterance.words[:words]), "participant": utterance.participant},
        "realtime_endpoint": endpoint_ref(endpoint),
        "transcript": artifact_ref(recording, config, "transcript"),
        "recording": _minimal(recording.id, recording.metadata),
    }
