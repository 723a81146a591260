"""Live per-frame cost of ``Session.update`` with and without a programme target and hold.

Run: ``PYTHONPATH=src:tests .venv/bin/python bench/programme.py``. Ten minutes of 30 fps
trunk flexions (a rep every 8 s, held 1 s at 60 deg), fed frame by frame; prints the
mean and p95 per frame in ms for no target, a 60 deg target, and a target with a 2 s hold
(the live hold clock runs every frame of a rep). Prints figures; asserts nothing.
"""

from __future__ import annotations

import time

import numpy as np

from formcheck.config import apply_overrides
from formcheck.exercise.session import Session
from support.builders import JOINT_CENTRES, build_sequence, flexion_curves, uniform_times


def _clip(seconds: float = 600.0):  # type: ignore[no-untyped-def]
    t = uniform_times(seconds, 30.0)
    reps = [(s, s + 1.5, s + 2.5, s + 4.0) for s in np.arange(2.0, seconds - 6.0, 8.0)]
    return build_sequence(t, *flexion_curves(t, reps, peak=60.0))


def _per_frame(seq, target: dict[str, float]) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    session = Session("trunk_flexion", config=apply_overrides(JOINT_CENTRES, {"target": target}))
    times = np.empty(len(seq))
    for i in range(len(seq)):
        start = time.perf_counter()
        session.update(seq.t[i], seq.image[i], seq.world[i], seq.width, seq.height)
        times[i] = time.perf_counter() - start
    return 1e3 * float(times.mean()), 1e3 * float(np.percentile(times, 95)), len(session.reps)


def main() -> None:
    seq = _clip()
    _per_frame(seq, {})  # warm-up: imports, caches
    for label, target in (("no target", {}), ("target 60 deg", {"deg": 60.0}),
                          ("target 60 deg, hold 2 s", {"deg": 60.0, "hold_s": 2.0})):  # fmt: skip
        mean, p95, reps = _per_frame(seq, target)
        print(f"{label:<24} mean {mean:.3f} ms  p95 {p95:.3f} ms per frame  ({reps} reps)")


if __name__ == "__main__":
    main()
