"""The live engine gives its pose estimator back when the camera goes quiet (issue #15).

A scripted estimator stands in for MediaPipe (the point here is the
lifecycle, not inference); ``bench/soak.py`` measures the real server's
memory over many sessions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from formcheck.pose.estimator import FramePose
from formcheck.pose.sequence import PoseSequence
from formcheck.ui.engine import make_engine, return_freed_memory
from support.builders import build_sequence, sit_to_stand_curves, uniform_times

H, W = 480, 640
REPS = [(2.0, 3.0, 4.0, 5.0), (6.5, 7.5, 8.5, 9.5), (11.0, 12.0, 13.0, 14.0)]


class ScriptedEstimator:
    """A fake: the landmarks of ``seq`` at the frame nearest ``t``; records ``close``."""

    def __init__(self, seq: PoseSequence) -> None:
        self.seq, self.closed = seq, False

    def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
        assert not self.closed, "a closed estimator was used"
        i = int(np.argmin(np.abs(self.seq.t - t)))
        return FramePose(image=self.seq.image[i], world=self.seq.world[i], people=1)

    def close(self) -> None:
        self.closed = True


def _factory(made: list[ScriptedEstimator], seq: PoseSequence) -> Callable[[], Any]:
    """A factory of scripted estimators that keeps each one it made in ``made``."""

    def make() -> ScriptedEstimator:
        made.append(ScriptedEstimator(seq))
        return made[-1]

    return make


@pytest.fixture
def clip() -> PoseSequence:
    t = uniform_times(16.0, 30.0)
    return build_sequence(t, *sit_to_stand_curves(t, REPS), width=W, height=H)


def test_idle_engine_releases_its_estimator_and_the_count_goes_on(clip: PoseSequence) -> None:
    made: list[ScriptedEstimator] = []
    engine = make_engine("sit_to_stand", idle_release_s=60, estimator_factory=_factory(made, clip))
    frame = np.zeros((H, W, 3), np.uint8)
    half = len(clip.t) // 2
    for t in clip.t[:half]:
        engine.process(frame, float(t))
    assert not engine.release_if_idle()  # frames just came: kept
    assert engine.release_if_idle(now=time.monotonic() + 61.0)
    assert made[0].closed and engine.releases == 1
    assert not engine.release_if_idle(now=time.monotonic() + 999.0)  # nothing left to release
    for t in clip.t[half:]:  # the camera again: a new estimator, the same session
        engine.process(frame, float(t))
    assert len(made) == 2 and not made[1].closed
    assert engine.latest is not None and engine.latest.overlay.reps == len(REPS)
    engine.close()
    assert made[1].closed


def test_the_watcher_releases_idle_engines_by_itself(clip: PoseSequence) -> None:
    made: list[ScriptedEstimator] = []
    engines = [
        make_engine("sit_to_stand", idle_release_s=0.3, estimator_factory=_factory(made, clip))
        for _ in range(3)
    ]
    for engine in engines:
        engine.process(np.zeros((H, W, 3), np.uint8), 0.0)
    deadline = time.monotonic() + 10.0
    while not all(e.closed for e in made) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [e.closed for e in made] == [True, True, True]
    assert [t.name for t in threading.enumerate()].count("formcheck-idle") == 1


def test_without_idle_release_the_estimator_stays(clip: PoseSequence) -> None:
    fake = ScriptedEstimator(clip)
    engine = make_engine("sit_to_stand", idle_release_s=None, estimator_factory=lambda: fake)
    engine.process(np.zeros((H, W, 3), np.uint8), 0.0)
    assert not engine.release_if_idle(now=time.monotonic() + 1e6) and not fake.closed


def test_bad_idle_release_is_rejected() -> None:
    with pytest.raises(ValueError, match="idle_release_s must be > 0"):
        make_engine("sit_to_stand", idle_release_s=0.0, estimator_factory=lambda: None)  # type: ignore[arg-type,return-value]


def test_return_freed_memory_is_safe_to_call() -> None:
    return_freed_memory()  # glibc: malloc_trim(0); elsewhere nothing
