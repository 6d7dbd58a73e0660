"""`recall-sim upload FILE --transcript WORDS`: a partner's own recording with the words said in it.

The recorder's media carries its words in a speech track (README, "The speech track"); a file from
elsewhere has none. Given the words, the upload embeds them as that same speech track (an ID3 `TXXX`
tag for MP3, a `mov_text` track for MP4) and, unless participant events are given too, uploads the
speaker timeline they imply (each speaker joins at the start, `speech_on`/`speech_off` around each of
their segments), so the region transcribes the file exactly as it would a recorder's: same words, same
times, same speakers. The media's own audio and video are copied unchanged.

Accepted formats, told apart by their content:
- the transcript download's own JSON: `[{"participant": {...}, "words": [{"text",
  "start_timestamp": {"relative"}, "end_timestamp": {"relative"}}]}]`;
- WebVTT, each cue's speaker named by a voice span (`<v Ada Lovelace>Good morning</v>`);
- SRT, each cue's text starting with the speaker's name (`Ada Lovelace: Good morning`).
A WebVTT or SRT cue gives times to its whole text only: its words share the cue's span in proportion to
their length. Speakers named in a caption file get ids 1, 2, ... in order of first appearance.
"""

from __future__ import annotations

import atexit
import io
import json
import re
import tempfile
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import srt
import typer
import webvtt

from recall_sim.recorder.media.events import participant_events
from recall_sim.recorder.media.id3 import ID3Error, build_txxx_tag, tag_size
from recall_sim.recorder.media.reader import SPEECH_DESCRIPTION
from recall_sim.recorder.media.speech import encode_tx3g
from recall_sim.recorder.media.timeline import RecordedSpans
from recall_sim.recorder.meeting import MeetingScript, Participant, Utterance, Word
from recall_sim.seams import RealClock

__all__ = [
    "WORDS_HELP",
    "WordsFileError",
    "embed_speech",
    "prepare_upload",
    "read_words_file",
    "with_supplied_words",
]

Utterances = list[dict[str, Any]]

_ASS_HEADER = (
    b"[Script Info]\r\nScriptType: v4.00+\r\n\r\n[Events]\r\nFormat: Layer, Start, End, Style, Text\r\n"
)
_SRT_SPEAKER = re.compile(r"^\s*([^:\n]{1,80}?)\s*:\s*(.*)$", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
#: a participant's platforms in Recall's download shape
_PLATFORMS = ("desktop", "dial-in", "unknown")


class WordsFileError(ValueError):
    """The words file cannot be read; the message says what is wrong and how to fix it."""


def _speaker(pid: int, name: str | None) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "is_host": False,
        "platform": "unknown",
        "extra_data": {},
        "email": None,
    }


def _number(value: Any, where: str) -> float:
    if isinstance(value, dict):
        value = value.get("relative")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WordsFileError(f"{where}: expected a time in seconds (a number, or {{'relative': seconds}})")
    return float(value)


def _from_download(items: Any) -> Utterances:
    if not isinstance(items, list):
        raise WordsFileError("a JSON words file is a transcript download: a list of speaker segments")
    out: Utterances = []
    for n, segment in enumerate(items):
        if not isinstance(segment, dict) or not isinstance(segment.get("words"), list):
            raise WordsFileError(f"segment {n}: expected an object with 'participant' and 'words'")
        given = segment.get("participant")
        if not isinstance(given, dict):
            raise WordsFileError(f"segment {n}: 'participant' must be an object")
        speaker = {**_speaker(0, None), **given}
        speaker["extra_data"] = speaker.get("extra_data") or {}
        words = []
        for m, word in enumerate(segment["words"]):
            where = f"segment {n}, word {m}"
            if not isinstance(word, dict) or not isinstance(word.get("text"), str):
                raise WordsFileError(f"{where}: expected an object with 'text'")
            start = _number(word.get("start_timestamp"), f"{where} start_timestamp")
            end = _number(word.get("end_timestamp", word.get("start_timestamp")), f"{where} end_timestamp")
            words.append({"text": word["text"], "start": round(start, 6), "end": round(max(start, end), 6)})
        if words:
            out.append({"participant": speaker, "words": words})
    return out


def _timed_words(text: str, start: float, end: float) -> list[dict[str, Any]]:
    """A cue's words, sharing its span in proportion to their length."""
    words = _TAG.sub("", text).split()
    total = sum(len(w) + 1 for w in words)
    out, at = [], 0
    for word in words:
        begin = start + (end - start) * at / total
        at += len(word) + 1
        finish = start + (end - start) * (at - 1) / total
        out.append({"text": word, "start": round(begin, 3), "end": round(finish, 3)})
    return out


def _from_cues(cues: list[tuple[float, float, str | None, str]], kind: str) -> Utterances:
    ids: dict[str, int] = {}
    out: Utterances = []
    for n, (start, end, name, text) in enumerate(cues):
        if not name:
            raise WordsFileError(
                f"{kind} cue {n + 1} names no speaker: "
                + ("write it as <v Name>text</v>" if kind == "WebVTT" else "start its text with 'Name: '")
            )
        words = _timed_words(text, start, end)
        if words:
            pid = ids.setdefault(name, len(ids) + 1)
            out.append({"participant": _speaker(pid, name), "words": words})
    return out


def _vtt_seconds(stamp: str) -> float:
    parts = [float(p) for p in stamp.split(":")]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def _from_webvtt(text: str) -> Utterances:
    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except Exception as error:  # webvtt-py raises its own MalformedFileError and friends
        raise WordsFileError(f"not valid WebVTT: {error}") from None
    cues = [
        (_vtt_seconds(c.start), _vtt_seconds(c.end), c.voice.strip() if c.voice else None, c.text)
        for c in captions.captions
    ]
    return _from_cues(cues, "WebVTT")


def _from_srt(text: str) -> Utterances:
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as error:
        raise WordsFileError(f"not valid SRT: {error}") from None
    if not subtitles:
        raise WordsFileError("no SRT cues found: expected a transcript download (JSON), WebVTT or SRT")
    cues = []
    for sub in subtitles:
        found = _SRT_SPEAKER.match(sub.content)
        name, spoken = (found.group(1), found.group(2)) if found else (None, sub.content)
        cues.append((sub.start.total_seconds(), sub.end.total_seconds(), name, spoken))
    return _from_cues(cues, "SRT")


def read_words_file(path: Path) -> Utterances:
    """The words of `path` as speech-track utterances, in start order. Raises WordsFileError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise WordsFileError(f"cannot read {path}: {error}") from None
    head = text.lstrip()
    if head.startswith(("[", "{")):
        try:
            utterances = _from_download(json.loads(text))
        except json.JSONDecodeError as error:
            raise WordsFileError(f"not valid JSON: {error}") from None
    elif head.startswith("WEBVTT"):
        utterances = _from_webvtt(text)
    else:
        utterances = _from_srt(text)
    return sorted(utterances, key=lambda u: u["words"][0]["start"])


def _mp3(media: Path, speech: bytes, target: Path) -> None:
    data = media.read_bytes()
    try:
        skip = tag_size(data)
    except ID3Error:
        skip = 0
    # The file's own leading tag makes way for the speech tag: decoders read only the first one.
    target.write_bytes(build_txxx_tag({SPEECH_DESCRIPTION: speech.decode()}) + data[skip:])


def _mp4(media: Path, utterances: Utterances, target: Path) -> None:
    with av.open(str(media)) as source, av.open(str(target), "w", format="mp4") as out:
        kept = [s for s in source.streams if s.type in ("audio", "video")]
        copies = {s.index: out.add_stream_from_template(s) for s in kept}
        text = out.add_stream("mov_text")
        text.codec_context.subtitle_header = _ASS_HEADER
        base = Fraction(1, 1000)
        text.time_base = base
        starts = [round(u["words"][0]["start"] * 1000) for u in utterances]
        for packet in source.demux(*kept):
            if packet.dts is None:
                continue
            packet.stream = copies[packet.stream.index]
            out.mux(packet)
        # One sample per utterance; a sample lasts until the next begins, as one text track cannot hold
        # overlapping samples (the JSON inside keeps the true word times).
        for n, utterance in enumerate(utterances):
            body = json.dumps(utterance, separators=(",", ":"), ensure_ascii=False).encode()
            until = starts[n + 1] if n + 1 < len(starts) else round(utterance["words"][-1]["end"] * 1000) + 1
            sample = av.Packet(encode_tx3g(body))
            sample.pts = sample.dts = starts[n]
            sample.duration = max(1, until - starts[n])
            sample.time_base = base
            sample.stream = text
            out.mux(sample)


def embed_speech(media: Path, utterances: Utterances, target: Path, kind: str) -> None:
    """Write `media` to `target` with `utterances` as its speech track (`kind`: mp3 or mp4)."""
    if kind == "mp3":
        _mp3(media, json.dumps(utterances, separators=(",", ":"), ensure_ascii=False).encode(), target)
    else:
        _mp4(media, utterances, target)


def _duration(media: Path) -> float:
    with av.open(str(media)) as container:
        return float(container.duration or 0) / av.time_base


def _script(utterances: Utterances, duration: float) -> MeetingScript:
    speakers: dict[int, dict[str, Any]] = {}
    for u in utterances:
        speakers.setdefault(int(u["participant"]["id"] or 0), u["participant"])
    return MeetingScript(
        platform="zoom",
        duration=duration,
        participants=tuple(
            Participant(
                pid,
                str(p.get("name") or ""),
                is_host=bool(p.get("is_host")),
                platform=p["platform"] if p.get("platform") in _PLATFORMS else "unknown",
                email=p.get("email") if isinstance(p.get("email"), str) else None,
            )
            for pid, p in speakers.items()
        ),
        utterances=tuple(
            Utterance(
                int(u["participant"]["id"] or 0),
                tuple(Word(w["text"], w["start"], w["end"]) for w in u["words"]),
            )
            for u in utterances
        ),
    )


#: the `--transcript` option's help
WORDS_HELP = "The words said in FILE, with speakers: a transcript download (JSON), WebVTT or SRT"


def prepare_upload(
    media: Path, words: Path, events: Path | None, scratch: Path, started_at: datetime
) -> tuple[Path, Path | None]:
    """(media, participant events) to upload, written under `scratch`: `words` embedded as the speech
    track and, without `events`, the speaker timeline they imply. Raises WordsFileError."""
    utterances = read_words_file(words)
    kind = _kind(media)
    target = scratch / f"with-words.{kind}"
    try:
        embed_speech(media, utterances, target, kind)
        duration = _duration(target)
    except av.error.FFmpegError as error:
        raise WordsFileError(f"cannot add the words to {media.name}: {error}") from None
    if events is None:
        last = max((w["end"] for u in utterances for w in u["words"]), default=0.0)
        script = _script(utterances, max(duration, last))
        spans = RecordedSpans(((0.0, script.duration),), script.duration)
        timeline = participant_events(script, spans, start_at=0.0, started_at=started_at)
        events = scratch / "participant_events.json"
        events.write_text(json.dumps(timeline))
    return target, events


def _kind(media: Path) -> str:
    with media.open("rb") as fh:
        head = fh.read(12)
    if head[4:8] in (b"ftyp", b"styp", b"moov", b"mdat", b"free", b"wide"):
        return "mp4"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    raise WordsFileError(f"{media} is neither MP4 nor MP3")


def with_supplied_words(media: Path, words: Path | None, events: Path | None) -> tuple[Path, Path | None]:
    """What `recall-sim upload` uploads: unchanged without `--transcript`; with it, the prepared copies
    (removed when the command exits). A words file it cannot use is a usage error naming the option."""
    if words is None:
        return media, events
    scratch = tempfile.TemporaryDirectory(prefix="recall-sim-upload-")
    atexit.register(scratch.cleanup)
    try:
        return prepare_upload(media, words, events, Path(scratch.name), RealClock().now())
    except WordsFileError as error:
        raise typer.BadParameter(str(error), param_hint="--transcript") from None
