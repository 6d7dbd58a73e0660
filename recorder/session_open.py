"""How a RecordingSession comes to be: started for a window with an upload token, or rebuilt from its
journal after the process was killed.

Starting asks the region first (the token may be spent or expired, and nothing is written locally for a
refused start), then journals everything a later process needs to finish the upload without the window:
the meeting's script, the token, the region's URL, the upload mode and media profile.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.desktop import MeetingWindow
from recall_sim.recorder.errors import InvalidUploadTokenError, UploadFailedError, UploadTokenReusedError
from recall_sim.recorder.ingest import IngestClient, IngestError, StartedRecording
from recall_sim.recorder.media import get_profile, media_kind_for, recorded_utterances
from recall_sim.recorder.media.reader import id3_speech_header
from recall_sim.recorder.media.speech import speaker_labels_for
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.retry import Retrier
from recall_sim.recorder.session import Emit, RecordingSession, Spans
from recall_sim.recorder.storage import LocalRecording, RecordingStore

__all__ = ["recover_session", "start_session"]


async def start_session(
    config: SdkConfig,
    emit: Emit,
    window: MeetingWindow,
    upload_token: str,
    api_url: str,
    realtime_events: list[str] | None,
) -> RecordingSession:
    """`startRecording`: the region marks the recording started, then capture begins."""
    clock = config.clock
    kind = media_kind_for(window.script, desktop_audio=window.desktop_audio)
    client = IngestClient(api_url, upload_token, transport=config.transport)
    retrying = Retrier(clock, config.randomness.stream("retry/start"), config.retry)
    try:
        started: StartedRecording = await retrying(
            "start",
            lambda: client.start(
                platform=window.platform,
                title=window.title,
                url=window.url,
                upload_mode=config.upload_mode,
                media_format=kind,
            ),
        )
    except IngestError as error:
        await client.aclose()
        if error.status == 409 and "already" in str(error.body):
            raise UploadTokenReusedError() from None
        raise InvalidUploadTokenError(str(error.body)) from None
    except UploadFailedError:
        await client.aclose()
        raise
    now = clock.timestamp()
    start_at = now - window.opened_at
    local = RecordingStore(config.recordings_dir).create(
        started.sdk_upload_id,
        window_id=window.id,
        platform=window.platform,
        title=window.title,
        url=window.url,
        desktop_audio=window.desktop_audio,
        script=window.script.to_dict(),
        start_at=start_at,
        started_clock=now,
        started_at=clock.now().isoformat(),
        upload_token=upload_token,
        api_url=api_url,
        upload_mode=config.upload_mode,
        kind=kind,
        profile=config.media_profile.name,
        recording_id=started.recording_id,
        sdk_upload_id=started.sdk_upload_id,
    )
    session = RecordingSession(
        config,
        emit,
        window,
        local,
        client,
        start_at=start_at,
        started_clock=now,
        started_at=clock.now(),
        mode=config.upload_mode,
        kind=kind,
    )
    session.begin(started, upload_token, realtime_events or [])
    return session


def recover_session(config: SdkConfig, emit: Emit, local: LocalRecording) -> RecordingSession:
    """Rebuild a session from its journal. What was recorded ends with the last whole segment; the side
    parts are derived from that span, as the region will see the media."""
    started = local.first("started") or {}
    script = MeetingScript.from_dict(started["script"])
    window = MeetingWindow(
        id=started["window_id"],
        platform=started["platform"],
        script=script,
        opened_at=started["started_clock"] - started["start_at"],
        title=started.get("title"),
        url=started.get("url"),
        desktop_audio=started.get("desktop_audio", False),
    )
    client = IngestClient(started["api_url"], started["upload_token"], transport=config.transport)
    recovered_config = dataclasses.replace(
        config, upload_mode=started["upload_mode"], media_profile=get_profile(started["profile"])
    )
    session = RecordingSession(
        recovered_config,
        emit,
        window,
        local,
        client,
        start_at=started["start_at"],
        started_clock=started["started_clock"],
        started_at=datetime.fromisoformat(started["started_at"]),
        mode=started["upload_mode"],
        kind=started["kind"],
    )
    session.state = "recovered"
    if local.first("stopped") is None:
        segments = local.segments()
        end = segments[-1].end if segments else 0.0
        spans = Spans()
        for entry in local.entries:
            if entry["type"] == "paused" and entry["at"] <= end:
                spans.closed.append((spans.open_since or 0.0, entry["at"]))
                spans.open_since = None
            elif entry["type"] == "resumed" and entry["at"] <= end:
                spans.open_since = entry["at"]
        recorded = spans.frozen(end)
        if session.kind == "mp3" and local.part("speech_header") is None:
            labels = speaker_labels_for(script, window.desktop_audio)
            header = id3_speech_header(recorded_utterances(script, session.start_at, recorded, labels))
            local.add_part("speech_header", header)
        session.end_recovered(recorded)
    session.call_server_in_order()
    return session
