"""How fast the recorder captures and encodes a meeting, as a multiple of real time.

    python benchmarks/media_capture.py [--runs 3] [--tiny-minutes 60] [--standard-minutes 5]

For each profile and container it records the same scripted meeting (four people taking turns, webcams
toggling, a screenshare) and prints the median over `--runs` of media seconds per wall-clock second and
per CPU second. The baseline in the same run is the same meeting with encoding switched off: only the
synthesis (audio samples, scenes and pictures) the encoder would feed its codecs. The ratio is capture and
encode speed over synthesis speed (wall clock): the share of the work that is not encoding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/media_capture.py`

from benchmarks._report import Figure, add_json_flag, figures_reported
from recall_sim.recorder.media import PROFILES, MediaProfile, MeetingEncoder
from recall_sim.recorder.media.synth import AudioSynth, VideoSynth
from recall_sim.recorder.meeting import MeetingScript, Participant, Span, Utterance, Word
from recall_sim.seams import RandomStream

_VOCABULARY = (
    *("so", "the", "numbers", "look", "fine", "but", "we"),
    *("should", "ship", "the", "release", "next", "week"),
)


def meeting(seconds: float, seed: int = 1) -> MeetingScript:
    """A deterministic meeting: turns of 2-12 words with short gaps, some overlap, webcams and a share."""
    rng = RandomStream(seed, "benchmark-meeting")
    ids = (100, 200, 300, 400)
    utterances = []
    t = 0.5
    while t < seconds - 5:
        pid = rng.choice(ids)
        words = []
        for _ in range(rng.randint(2, 12)):
            length = rng.uniform(0.15, 0.5)
            words.append(Word(rng.choice(_VOCABULARY), round(t, 3), round(t + length, 3)))
            t += length + rng.uniform(0.03, 0.15)
        utterances.append(Utterance(pid, tuple(words)))
        t += rng.uniform(-0.5, 2.0)  # sometimes someone starts before the last one finished
    webcam = tuple(
        Span(pid, k * 300.0 + pid / 10, k * 300.0 + 200.0)
        for k in range(int(seconds // 300) + 1)
        for pid in ids
    )
    return MeetingScript(
        platform="zoom",
        duration=seconds,
        participants=tuple(Participant(pid, f"P{pid}", is_local=pid == 100) for pid in ids),
        utterances=tuple(utterances),
        webcam=webcam,
        screenshare=(Span(300, seconds * 0.4, seconds * 0.6),),
    )


def encode(script: MeetingScript, profile: MediaProfile, kind: str, seconds: float) -> None:
    encoder = MeetingEncoder(script, profile, kind=kind)  # type: ignore[arg-type]
    t = 0.0
    while t < seconds:
        t = min(seconds, t + 1.0)
        encoder.advance_to(t)
    encoder.close(seconds)


def synthesise(script: MeetingScript, profile: MediaProfile, kind: str, seconds: float) -> None:
    """What the encoder computes before its codecs: samples per step, a picture per new scene."""
    audio = AudioSynth(script, profile.sample_rate, 0.0)
    video = VideoSynth(script, profile, 0.0) if kind == "mp4" else None
    step = round(profile.fragment_duration * profile.sample_rate)
    for first in range(0, round(seconds * profile.sample_rate), step):
        audio.render(first, step)
    if video is not None:
        last = object()
        for index in range(round(seconds * profile.fps)):
            scene = video.scene_for(index / profile.fps)
            if scene != last:
                av.VideoFrame.from_ndarray(video.render(scene), format="rgb24").reformat(format="yuv420p")
                last = scene


def measure(job: Callable[[], None], runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        job()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tiny-minutes", type=float, default=60.0)
    parser.add_argument("--standard-minutes", type=float, default=5.0)
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    minutes = {"tiny": args.tiny_minutes, "standard": args.standard_minutes}
    print(f"median of {args.runs} runs; x = media seconds per second (wall / CPU); ratio = ours / baseline")
    print(
        f"{'profile':<9} {'kind':<4} {'media':>7}  {'capture+encode':>22}  {'synthesis only (baseline)':>26}"
        f"{'ratio':>7}"
    )
    for name, profile in PROFILES.items():
        seconds = minutes[name] * 60
        script = meeting(seconds)
        for kind in ("mp4", "mp3"):
            wall, cpu = measure(lambda: encode(script, profile, kind, seconds), args.runs)  # noqa: B023
            base_wall, base_cpu = measure(lambda: synthesise(script, profile, kind, seconds), args.runs)  # noqa: B023
            media = f"{name} {kind} capture+encode"
            rates = (seconds / wall, seconds / base_wall)
            figures.append(Figure(media, *rates, "synthesis only", "x real time"))
            print(
                f"{name:<9} {kind:<4} {seconds / 60:>5.0f} m  "
                f"{seconds / wall:>8.0f}x / {seconds / cpu:>6.0f}x {cpu:>5.1f}s  "
                f"{seconds / base_wall:>8.0f}x / {seconds / base_cpu:>6.0f}x {base_cpu:>5.1f}s"
                f"{base_wall / wall:>7.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
