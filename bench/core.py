"""Speed of the core: one hour of 30 fps landmarks in one call, and the live per-frame cost.

Run: ``.venv/bin/python bench/core.py``. Targets: offline < 0.5 s for the hour
(angles + cleaning + reps + measurements/cues/scores), live ``Session.update``
< 0.5 ms per frame. Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from formcheck.exercise.analysis import analyze  # noqa: E402
from formcheck.exercise.session import Session  # noqa: E402
from support.builders import build_sequence, flexion_curves, sit_to_stand_curves, uniform_times  # noqa: E402


def _hour(exercise: str, seconds: float = 3600.0):  # type: ignore[no-untyped-def]
    t = uniform_times(seconds, 30.0)
    starts = np.arange(2.0, seconds - 8.0, 8.0)
    if exercise == "sit_to_stand":
        reps = [(s, s + 1.0, s + 2.5, s + 3.9) for s in starts]
        curves = sit_to_stand_curves(t, reps)
    else:
        reps = [(s, s + 1.5, s + 3.0, s + 4.5) for s in starts]
        curves = flexion_curves(t, reps, peak=70.0)
    return build_sequence(t, *curves, noise=0.005, missing=0.02, seed=1), len(reps)


def _offline(exercise: str) -> None:
    seq, truth = _hour(exercise)
    analyze(seq.slice(0, 3000), exercise)  # warm-up
    best, cpu = np.inf, np.inf
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = analyze(seq, exercise)
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    print(
        f"offline {exercise}: {len(seq)} frames (1 h at 30 fps) in {best:.3f} s wall, "
        f"{cpu:.3f} s CPU (target < 0.5 s); reps {report.rep_count}/{truth}"
    )


def _live(exercise: str, frames: int = 9000) -> None:
    seq, _ = _hour(exercise, frames / 30.0)
    session = Session(exercise)
    times = np.empty(frames)
    for i in range(frames):
        start = time.perf_counter()
        session.update(seq.t[i], seq.image[i], seq.world[i], seq.width, seq.height)
        times[i] = time.perf_counter() - start
    ms = times[300:] * 1e3
    p99 = np.percentile(ms, 99)
    reps = session.finish().rep_count
    print(
        f"live {exercise}: Session.update mean {ms.mean():.3f} ms, p99 {p99:.3f} ms, "
        f"max {ms.max():.2f} ms per frame (target < 0.5 ms mean); reps {reps}"
    )


def main() -> None:
    for exercise in ("trunk_flexion", "sit_to_stand"):
        _offline(exercise)
    for exercise in ("trunk_flexion", "sit_to_stand"):
        _live(exercise)


if __name__ == "__main__":
    main()
