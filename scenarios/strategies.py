"""Hypothesis strategies for scenarios.

Every draw goes through Hypothesis, so a failing scenario shrinks: toward a short meeting with one
participant, few words, no pauses and no faults. Names, titles and the words spoken come from Faker,
seeded from a number Hypothesis draws (so they shrink and replay too). Times are multiples of 0.1 s,
as the SDK's clock sees them.

    @given(scenarios())
    def test_lifecycle(scenario): ...
"""

from __future__ import annotations

import functools
from typing import Any

from faker import Faker
from hypothesis import strategies as st

from recall_sim.recorder.meeting import (
    PLATFORMS,
    ChatMessage,
    MeetingScript,
    Participant,
    Span,
    Utterance,
    Word,
)
from recall_sim.scenarios.model import (
    PROFILES,
    UPLOAD_MODES,
    AppBehaviour,
    BackendBehaviour,
    Faults,
    HttpBurst,
    Scenario,
    UploadConfig,
)

__all__ = ["meetings", "scenarios"]

_STREAMING = {
    "seed": ("assembly_ai_streaming", "deepgram_streaming"),
    "current": ("assembly_ai_v3_streaming", "recallai_streaming", "deepgram_streaming"),
}
_ASYNC = ("assembly_ai_async", "recallai_async", "deepgram_async")


@functools.cache
def _shared_faker() -> Faker:
    return Faker()


def _faker(seed: int) -> Faker:
    """One Faker for every example, seeded afresh for each: building one loads every provider (a
    thirtieth of a second per example), while seeding it anew gives exactly the names and words a new
    one seeded so would."""
    fake = _shared_faker()
    fake.seed_instance(seed)
    return fake


def _tenths(low: int, high: int) -> st.SearchStrategy[float]:
    """Seconds in tenths, from low/10 to high/10, shrinking toward low."""
    return st.integers(low, high).map(lambda n: n / 10)


@st.composite
def meetings(draw: st.DrawFn, *, max_seconds: int = 90) -> MeetingScript:
    """A meeting: platform, people joining (some late) and leaving, utterances, webcams, a screenshare,
    chat, a title that may arrive late."""
    fake = _faker(draw(st.integers(0, 2**32 - 1)))
    platform = draw(st.sampled_from(PLATFORMS))
    tenths = draw(st.integers(20, max_seconds * 10))
    duration = tenths / 10
    count = draw(st.integers(1, 4))
    participants = []
    for index in range(count):
        late = index > 0 and draw(st.booleans())
        join = draw(st.integers(1, tenths - 1)) / 10 if late else 0.0
        leaves = index > 0 and draw(st.booleans())
        leave = draw(st.integers(int(join * 10) + 1, tenths)) / 10 if leaves else None
        participants.append(
            Participant(
                id=100 * (index + 1),
                name=fake.name(),
                is_host=index == 0,
                is_local=index == 0,
                join_at=join,
                leave_at=leave,
            )
        )
    utterances = []
    busy: dict[int, list[tuple[int, int]]] = {}
    for _ in range(draw(st.integers(0, 6))):
        speaker = draw(st.sampled_from(participants))
        present_from = int(speaker.join_at * 10)
        present_until = int((speaker.leave_at if speaker.leave_at is not None else duration) * 10)
        if present_until - present_from < 2:
            continue
        t = draw(st.integers(present_from, present_until - 2))
        words = []
        for _ in range(draw(st.integers(1, 6))):
            length = draw(st.integers(1, 6))
            if t + length > present_until:
                break
            words.append(Word(fake.word(), t / 10, (t + length) / 10))
            t += length + draw(st.integers(0, 3))
        spoken = (round(words[0].start * 10), round(words[-1].end * 10)) if words else None
        # People talk over each other, but nobody over themselves.
        if spoken is not None and all(spoken[1] <= a or b <= spoken[0] for a, b in busy.get(speaker.id, [])):
            busy.setdefault(speaker.id, []).append(spoken)
            utterances.append(Utterance(speaker.id, tuple(words)))
    webcam = tuple(_spans(draw, participants, tenths, duration))
    screenshare = tuple(_spans(draw, participants[:1], tenths, duration)) if draw(st.booleans()) else ()
    chat: tuple[ChatMessage, ...] = ()
    if draw(st.booleans()):
        sender = draw(st.sampled_from(participants))
        chat = (ChatMessage(sender.id, max(sender.join_at, draw(_tenths(0, tenths - 1))), fake.sentence()),)
    late_title = draw(st.booleans())
    return MeetingScript(
        platform=platform,
        duration=duration,
        title=fake.catch_phrase(),
        url=f"https://{platform}.example/{fake.uuid4()[:8]}",
        details_at=draw(_tenths(1, min(tenths - 1, 50))) if late_title else 0.0,
        participants=tuple(participants),
        utterances=tuple(utterances),
        webcam=webcam,
        screenshare=screenshare,
        chat=chat,
        uncapturable=((duration / 4, duration / 2),) if draw(st.booleans()) else (),
        zoom_meeting_uuid=fake.uuid4() if platform == "zoom" else None,
    )


def _spans(draw: st.DrawFn, participants: list[Participant], tenths: int, duration: float) -> list[Span]:
    out = []
    for p in participants:
        first, last = int(p.join_at * 10), int((p.leave_at or duration) * 10)
        if last - first >= 1 and draw(st.booleans()):
            start = draw(st.integers(first, last - 1))
            end = draw(st.integers(start + 1, last))
            out.append(Span(p.id, start / 10, end / 10))
    return out


@st.composite
def scenarios(draw: st.DrawFn, *, faults: bool = True, max_seconds: int = 90) -> Scenario:
    """A whole scenario: meeting, upload config, app and backend behaviour, and (optionally) faults."""
    seed = draw(st.integers(0, 2**31 - 1))
    profile = draw(st.sampled_from(PROFILES))
    meeting = draw(meetings(max_seconds=max_seconds))
    tenths = int(meeting.duration * 10)
    desktop_audio = draw(st.booleans())
    mode = draw(st.sampled_from(UPLOAD_MODES))
    # The app stops at least 5 s in: a refused sdk-upload create can delay the start by up to 3 s.
    stop_at = draw(_tenths(50, tenths - 1)) if tenths > 51 and draw(st.booleans()) else None
    end = int((stop_at or meeting.duration) * 10)
    pauses: list[tuple[float, float]] = []
    t = 1
    for _ in range(draw(st.integers(0, 2))):
        if t + 2 >= end:
            break
        pause = draw(st.integers(t, end - 2))
        resume = draw(st.integers(pause + 1, end - 1))
        pauses.append((pause / 10, resume / 10))
        t = resume + 1
    streaming = draw(st.sampled_from((None, *_STREAMING[profile])))
    realtime = ("transcript.data",) if streaming and draw(st.booleans()) else ()
    presence = ("participant_events.join", "participant_events.leave")
    realtime_webhook = (("transcript.data",) if streaming else ()) + presence if draw(st.booleans()) else ()
    app = AppBehaviour(
        upload_mode=mode,
        stop_at=stop_at,
        pauses=tuple(pauses),
        desktop_audio=desktop_audio,
        reuse_token=draw(st.booleans()),
    )
    outages: tuple[tuple[float, float], ...] = ()
    if draw(st.booleans()):
        start = draw(_tenths(0, tenths))
        outages = ((start, start + draw(st.sampled_from((60.0, 3600.0, 6 * 3600.0)))),)
    chosen = draw(_faults(tenths, end, mode)) if faults else Faults()
    backend = BackendBehaviour(
        create_transcript=None if chosen.corrupt_upload else draw(st.sampled_from((None, *_ASYNC))),
        webhook_outages=outages,
    )
    return Scenario(
        name=f"generated-{seed}",
        seed=seed,
        meeting=meeting,
        profile=profile,
        upload=UploadConfig(
            streaming_provider=streaming, realtime_events=realtime, realtime_webhook_events=realtime_webhook
        ),
        app=app,
        backend=backend,
        faults=chosen,
    )


@st.composite
def _faults(draw: st.DrawFn, tenths: int, end: int, mode: str) -> Faults:
    # Faults strike once the recording has started (5 s in): one before that would only delay the
    # start by the SDK's jittered backoff, which the model does not predict.
    found: dict[str, Any] = {}
    if draw(st.booleans()):
        at = draw(_tenths(50, tenths + 50))
        found["network_drops"] = ((at, draw(st.sampled_from((5.0, 30.0, 90.0)))),)
    if draw(st.booleans()):
        found["http_bursts"] = (
            HttpBurst(
                route=draw(
                    st.sampled_from(
                        ("/ingest/v1/files/*", "/ingest/v1/recording/finalize", "/api/v1/sdk_upload/")
                    )
                ),
                methods=("PATCH",) if draw(st.booleans()) else ("POST",),
                status=draw(st.sampled_from((500, 503, 429))),
                count=draw(st.integers(1, 3)),
            ),
        )
    crash = end > 20 and draw(st.booleans())
    if crash:
        # Half-way between tenths, so the crash never coincides with a step of the app. A crash
        # strikes alone: a call still retrying through an outage would die with the app, at a moment
        # that depends on the retry's jitter, which the model does not predict.
        found["recorder_crash_at"] = draw(_tenths(10, end - 1)) + 0.05
        found.pop("network_drops", None)
    elif draw(st.booleans()):
        found["simulator_restart_at"] = draw(_tenths(50, tenths + 100))
    if not crash and mode == "seed" and draw(st.booleans()):
        found["corrupt_upload"] = True
    return Faults(**found)
