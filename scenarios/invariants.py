"""What every scenario run must satisfy: the system agrees with the reference model, and the properties
that hold whatever the scenario (signatures verify, message ids are stable, nothing accepted is lost,
nothing after shutdown).

`check(run)` returns the violations found, each a `Violation(invariant, detail)`; an empty list is a pass.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import av

from recall_sim.recorder.media import read_speech
from recall_sim.scenarios.reference import Prediction, milestones, predict
from recall_sim.scenarios.runner import Run

__all__ = ["Violation", "check"]

#: seconds a word's time may differ between the model and what the region made of the media
WORD_TOLERANCE = 0.1
#: seconds the media's length may differ from the model's (the last audio frame and video frame)
DURATION_TOLERANCE = 0.25
#: codec frames the shortest recording's audio decodes to: a recording stopped the instant it started
#: still holds one sample (so it decodes, and the region processes it as any other), which the encoder
#: pads to a whole frame and flushes: two AAC frames, three MP3 frames
SHORTEST_AUDIO_FRAMES = 3


@dataclass(frozen=True)
class Violation:
    invariant: str
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.detail}"


class _Checker:
    def __init__(self, run: Run, prediction: Prediction) -> None:
        self.run = run
        self.p = prediction
        self.found: list[Violation] = []

    def expect(self, invariant: str, ok: bool, detail: str) -> bool:
        if not ok:
            self.found.append(Violation(invariant, detail))
        return ok

    def equal(self, invariant: str, actual: Any, expected: Any) -> bool:
        return self.expect(invariant, actual == expected, f"expected {expected!r}, got {actual!r}")

    # -- the model's predictions ---------------------------------------------------------------------

    def statuses(self) -> None:
        uploads = self.run.uploads
        if not self.equal("one sdk upload", len(uploads), 1):
            return
        upload = uploads[0]
        self.equal("upload status", upload["status"]["code"], self.p.upload_status)
        self.equal("upload sub_code", upload["status"]["sub_code"], self.p.upload_sub_code)
        recordings = [r for r in self.run.recordings if r["id"] == upload["recording_id"]]
        if self.equal("one recording", len(recordings), 1):
            self.equal("recording status", recordings[0]["status"]["code"], self.p.recording_status)

    def webhooks(self) -> None:
        created = [m["event_type"] for m in self.run.messages]
        self.equal("webhook messages", created, self.p.webhook_events)
        delivered = {d.msg_id for d in self.run.backend.deliveries if d.status == 200}
        missing = [m["event_type"] for m in self.run.messages if m["id"] not in delivered]
        self.equal("every webhook delivered", missing, [])

    def sdk_events(self) -> None:
        instances = self.run.sdk_events
        if not instances:
            self.found.append(Violation("sdk events", "the SDK delivered nothing"))
            return
        first = milestones(instances[0])
        if self.p.exact_duration:
            self.equal("sdk milestones", first, self.p.sdk_milestones)
        else:
            self.equal(
                "sdk milestones before the crash", first[: len(self.p.sdk_milestones)], self.p.sdk_milestones
            )
        self.equal("app errors", self.run.app_errors, self.p.app_errors)

    def media(self) -> None:
        upload = self.run.uploads[0] if self.run.uploads else None
        downloads = self.run.backend.downloads.get(upload["recording_id"], {}) if upload else {}
        if self.p.recording_status != "done":
            self.equal("no media for a failed recording", sorted(downloads), [])
            return
        kind = "audio_mixed" if "audio_mixed" in self.p.artifacts else "video_mixed"
        media = downloads.get(kind)
        if not self.expect("media downloaded", media is not None, f"no {kind} among {sorted(downloads)}"):
            return
        assert media is not None
        assert upload is not None
        if kind == "video_mixed" or self.p.media_kind == "mp3":
            captured = self.run.captured.get(upload["id"])
            self.equal("media is what the recorder captured", hashlib.sha256(media).hexdigest(), captured)
        duration, frame = _duration(media)
        if self.p.exact_duration:
            # However short the recording, its audio is never shorter than the codec's shortest.
            longest = max(self.p.duration + DURATION_TOLERANCE, SHORTEST_AUDIO_FRAMES * frame)
            self.expect(
                "recorded duration",
                self.p.duration - DURATION_TOLERANCE <= duration <= longest,
                f"media lasts {duration:.3f} s, the model says {self.p.duration:.3f} s",
            )
        else:
            self.expect(
                "recorded duration up to the crash",
                0 < duration <= self.p.duration + DURATION_TOLERANCE,
                f"media lasts {duration:.3f} s, the crash came {self.p.duration:.3f} s in",
            )
        self.words(media, duration)
        self.participant_events(downloads, duration)

    def words(self, media: bytes, duration: float) -> None:
        if self.p.media_kind == "mp4" and "audio_mixed" in self.p.artifacts:
            return  # the transcoded MP3 carries no speech track; the uploaded MP4 is not downloaded
        spoken = [
            (u["participant"]["name"], w["text"], float(w["start"]), float(w["end"]))
            for u in read_speech(media)
            for w in u["words"]
        ]
        expected = [(w.speaker, w.text, w.start, w.end) for w in self.p.words]
        if not self.p.exact_duration:
            expected = [w for w in expected if w[3] <= duration + 1e-6]
            spoken = [w for w in spoken if w[3] <= duration + 1e-6]
        self._same_words("speech track", spoken, expected)
        transcripts = [
            d.get("transcript")
            for d in self.run.backend.downloads.values()
            if d.get("transcript") is not None
        ]
        wanted = self.run.scenario.backend.create_transcript is not None
        if wanted and self.equal("one transcript downloaded", len(transcripts), 1):
            assert transcripts[0] is not None
            words = [
                (
                    seg["participant"]["name"],
                    w["text"],
                    w["start_timestamp"]["relative"],
                    w["end_timestamp"]["relative"],
                )
                for seg in json.loads(transcripts[0])
                for w in seg["words"]
            ]
            self._same_words("transcript", words, expected)

    def _same_words(
        self,
        what: str,
        actual: list[tuple[str, str, float, float]],
        expected: list[tuple[str, str, float, float]],
    ) -> None:
        # In time order: where people talk over each other, the order of their words is the clock's.
        actual = sorted(actual, key=lambda w: (round(w[2], 1), w[0], w[1]))
        expected = sorted(expected, key=lambda w: (round(w[2], 1), w[0], w[1]))
        if not self.equal(
            f"{what} words", [(s, t) for s, t, _, _ in actual], [(s, t) for s, t, _, _ in expected]
        ):
            return
        late = [
            (t, a0, e0)
            for (_, t, a0, _), (_, _, e0, _) in zip(actual, expected, strict=True)
            if abs(a0 - e0) > WORD_TOLERANCE
        ]
        self.equal(f"{what} word times within {WORD_TOLERANCE} s", late, [])

    def participant_events(self, downloads: dict[str, bytes], duration: float) -> None:
        raw = downloads.get("participant_events")
        if not self.expect("participant events downloaded", raw is not None, f"got {sorted(downloads)}"):
            return
        assert raw is not None
        actual = [(e["action"], e["participant"]["id"], e["timestamp"]["relative"]) for e in json.loads(raw)]
        expected = self.p.participant_events
        if not self.p.exact_duration:
            expected = [e for e in expected if e[2] <= duration]
            actual = [e for e in actual if e[2] <= duration]
            return  # the cut point decides which events exist; the prefix is checked above by words
        self.equal("participant events", actual, expected)

    def realtime(self) -> None:
        """What real-time listeners heard: the SDK's `realtime-event` listener and the backend's
        real-time webhook endpoint. The streamed transcript's final words are the words kept, and
        join/leave are the participant events part's."""
        upload = self.run.scenario.upload
        sdk = self.run.sdk_events[0] if self.run.sdk_events else []
        heard = [p for name, p in sdk if name == "realtime-event"]
        self._realtime("real-time listener", heard, set(upload.realtime_events))
        self._realtime("real-time webhook", self.run.backend.realtime, set(upload.realtime_webhook_events))

    def _realtime(self, where: str, heard: list[dict[str, Any]], subscribed: set[str]) -> None:
        """`heard`: events as `{"event", "data"}` (the data object of contract section 6), in order."""
        unasked = sorted({p["event"] for p in heard} - subscribed)
        self.equal(f"{where}: only the events subscribed to", unasked, [])
        if self.run.scenario.upload.streaming_provider and "transcript.data" in subscribed:
            words = [
                (p["data"]["data"]["participant"]["name"], w["text"], w["start_timestamp"]["relative"], 0.0)
                for p in heard
                if p["event"] == "transcript.data"
                for w in p["data"]["data"]["words"]
            ]
            expected = [(w.speaker, w.text, w.start, 0.0) for w in self.p.words]
            if self.p.exact_duration:
                self._same_words(f"{where} transcript", words, expected)
            else:
                # Killed mid-call: the last finals die with the app; what it did hear was spoken.
                spoken = Counter((s, t) for s, t, _, _ in expected)
                invented = Counter((s, t) for s, t, _, _ in words) - spoken
                self.equal(f"{where} words before the crash were spoken", sorted(invented), [])
        presence = {f"participant_events.{a}" for a in ("join", "leave")} & subscribed
        if presence and self.p.exact_duration:
            actual = [
                (
                    p["event"].removeprefix("participant_events."),
                    p["data"]["data"]["participant"]["id"],
                    p["data"]["data"]["timestamp"]["relative"],
                )
                for p in heard
                if p["event"] in presence
            ]
            seen = [e for e in self.p.participant_events if f"participant_events.{e[0]}" in presence]
            self.equal(f"{where} join and leave", actual, seen)

    def promptness(self) -> None:
        """Without faults, the upload ends soon after the recording does: a couple of minutes for the
        upload and processing (a quarter of the media's length, and a few seconds), not a timeout."""
        s = self.run.scenario
        faulty = s.faults != type(s.faults)() or s.backend.webhook_outages
        if faulty or not self.run.uploads:
            return
        ended = datetime.fromisoformat(self.run.uploads[0]["status"]["updated_at"]).timestamp()
        late = ended - (self.run.origin + self.p.stopped_at)
        allowed = 120.0 + 0.5 * self.p.duration
        self.expect(
            "upload ends promptly", late <= allowed, f"{late:.1f} s after the stop (allowed {allowed:.0f} s)"
        )

    # -- properties of every run -----------------------------------------------------------------------

    def signatures(self) -> None:
        bad = [d.event for d in self.run.backend.deliveries if not d.verified]
        self.equal("every webhook verifies", bad, [])

    def stable_messages(self) -> None:
        bodies: dict[str, str] = {}
        for d in self.run.backend.deliveries:
            body = json.dumps(d.body, sort_keys=True)
            if bodies.setdefault(d.msg_id, body) != body:
                self.found.append(Violation("message ids stable", f"{d.msg_id} arrived with two bodies"))
        ids = {m["id"] for m in self.run.messages}
        strangers = sorted({d.msg_id for d in self.run.backend.deliveries} - ids)
        self.equal("deliveries name known messages", strangers, [])

    def nothing_lost(self) -> None:
        created = {u["id"] for u in self.run.backend.uploads}
        held = {u["id"]: u for u in self.run.uploads}
        self.equal("every created upload is held", sorted(created - set(held)), [])
        unfinished = [u["id"] for u in held.values() if u["status"]["code"] not in ("complete", "failed")]
        self.equal("every upload finished", unfinished, [])
        self.equal("backend problems", self.run.backend.errors + self.run.problems, [])

    def nothing_after_shutdown(self) -> None:
        for index, events in enumerate(self.run.sdk_events, start=1):
            names = [name for name, _ in events]
            if "shutdown" in names:
                self.equal(f"nothing after shutdown (sdk {index})", names[names.index("shutdown") + 1 :], [])


def _duration(media: bytes) -> tuple[float, float]:
    """How long the recording is: the seconds of audio a player plays (the codec's priming trimmed;
    the video's last frame lasts a whole frame, past the instant the recording stopped); and the
    seconds one codec frame lasts."""
    with av.open(io.BytesIO(media), "r") as container:
        stream = container.streams.audio[0]
        sizes = [frame.samples for frame in container.decode(stream)]
        rate = stream.codec_context.sample_rate or 1
        return float(sum(sizes) / rate), float(max(sizes, default=0) / rate)


def check(run: Run, prediction: Prediction | None = None) -> list[Violation]:
    """Every invariant on `run`; `prediction` defaults to the model's for the run's scenario."""
    if prediction is None:
        journaled = sum(run.segments.values())
        prediction = predict(run.scenario, nothing_journaled=journaled == 0)
    checker = _Checker(run, prediction)
    checker.statuses()
    checker.webhooks()
    checker.sdk_events()
    checker.media()
    checker.realtime()
    checker.promptness()
    checker.signatures()
    checker.stable_messages()
    checker.nothing_lost()
    checker.nothing_after_shutdown()
    return checker.found
