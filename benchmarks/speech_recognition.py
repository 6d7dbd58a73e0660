"""How well and how fast the region recognises speech in media without a speech track.

    python benchmarks/speech_recognition.py [--scenarios happy-path,async-transcript,huddle] [--runs 1]
    python benchmarks/speech_recognition.py --quick

For each named scenario it records the scenario's meeting with voices on (espeak-ng speaks every
utterance, each participant in a voice of their own; MP3 at the `standard` profile's 48 kHz), strips
nothing but ignores the speech track, and recognises the audio as the region does for a partner's own
recording (simulator/transcription/recognition.py: PocketSphinx's US English model). A first row does
the same for the spoken-English MP3 the upload test makes (scenarios/spoken_media.py).

Printed per row: the word error rate of the recognised words against the words said (the speech track:
the script's words as recorded), and the recognition speed in x real time (media seconds per wall-clock
second and per CPU second). The baseline in the same run is decoding the same audio to the recogniser's
16 kHz PCM; the ratio is recognition speed over decoding speed (wall clock), as every table here prints
ours / baseline. The median over `--runs` is printed; `--json` gives the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/speech_recognition.py`

import jiwer
import numpy as np

from benchmarks._report import Figure, add_json_flag, figures_reported
from recall_sim.recorder.media import STANDARD, MeetingEncoder
from recall_sim.recorder.media.profiles import voiced
from recall_sim.scenarios.named import named_scenarios
from recall_sim.scenarios.spoken_media import SENTENCES, normalised, script_words, spoken_mp3
from recall_sim.simulator.transcription.recognition import (
    SAMPLE_RATE,
    decode_channels,
    recognise,
    recognise_samples,
)

DEFAULT_SCENARIOS = "happy-path,async-transcript,huddle"
_BASELINE = "decoding the audio to 16 kHz PCM"


def voiced_meeting(scenario: str, folder: Path) -> tuple[Path, str, float]:
    """The scenario's meeting recorded with voices as MP3: (path, the words said, seconds)."""
    script = named_scenarios()[scenario].meeting
    segments: list[bytes] = []
    encoder = MeetingEncoder(
        script, voiced(STANDARD), kind="mp3", on_segment=lambda s: segments.append(s.data)
    )
    summary = encoder.close(script.duration)
    path = folder / f"{scenario}.mp3"
    path.write_bytes(b"".join(segments[i] for i in summary.concatenation))
    said = " ".join(w["text"] for u in summary.speech_json() for w in u["words"])
    return path, said, summary.duration


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help="comma-separated named scenarios")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="the upload test's MP3 and one short meeting")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    scenarios = ["async-transcript"] if args.quick else [s for s in args.scenarios.split(",") if s]
    print(
        f"median of {args.runs} run(s); WER = word error rate against the words said; "
        "x = media seconds per second of recognition (wall / CPU); "
        "baseline = decoding the audio to 16 kHz PCM; ratio = ours / baseline (wall)"
    )
    loading = time.perf_counter()
    recognise_samples([np.zeros(SAMPLE_RATE, dtype=np.int16)])  # loads the model once, before timing
    print(f"model loaded in {time.perf_counter() - loading:.1f} s (once per process, not in the rows)")
    print(f"{'media':<34} {'seconds':>7} {'words':>5} {'WER':>6} {'speed':>16} {'baseline':>10} {'ratio':>7}")
    totals = {"seconds": 0.0, "wall": 0.0, "cpu": 0.0, "errors": 0.0, "words": 0}
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as scratch:
        folder = Path(scratch)
        rows: list[tuple[str, Path, str, float]] = []
        sentences = spoken_mp3(folder / "sentences.mp3")
        rows.append(("spoken sentences (upload test)", sentences, script_words(SENTENCES), 10.0))
        for scenario in scenarios:
            path, said, seconds = voiced_meeting(scenario, folder)
            rows.append((f"{scenario} (voiced meeting)", path, said, seconds))
        for label, path, said, seconds in rows:
            base_wall, _, _ = measure(lambda: decode_channels(path), args.runs)  # noqa: B023
            wall, cpu, heard = measure(lambda: recognise(path), args.runs)  # noqa: B023
            reference = normalised(said)
            hypothesis = normalised(" ".join(w.text for w in heard))  # type: ignore[attr-defined]
            rate = jiwer.wer(reference, hypothesis)
            words = len(reference.split())
            print(
                f"{label:<34} {seconds:>7.1f} {words:>5} {rate:>6.2f} "
                f"{seconds / wall:>6.2f}x / {seconds / cpu:>5.2f}x {seconds / base_wall:>9.0f}x "
                f"{base_wall / wall:>7.3f}",
                flush=True,
            )
            figures.append(
                Figure(f"{label}: recognition", seconds / wall, seconds / base_wall, _BASELINE, "x real time")
            )
            figures.append(Figure(f"{label}: word error rate", rate, None, None, "WER"))
            totals["seconds"] += seconds
            totals["wall"] += wall
            totals["cpu"] += cpu
            totals["errors"] += rate * words
            totals["words"] += words
    print(
        f"{'all':<34} {totals['seconds']:>7.1f} {int(totals['words']):>5} "
        f"{totals['errors'] / max(1, totals['words']):>6.2f} "
        f"{totals['seconds'] / totals['wall']:>6.2f}x / {totals['seconds'] / totals['cpu']:>5.2f}x"
    )


if __name__ == "__main__":
    main()
