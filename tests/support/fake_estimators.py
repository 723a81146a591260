"""The fake pose estimators of the test suite, in one place (fakes, named as fakes).

Each stands in for :class:`formcheck.pose.estimator.MediaPipePose` where a test's point is the
plumbing around the estimator (chunking, cancelling, the live engine, the shape probe), not
pose estimation itself; tests of pose estimation run the real MediaPipe.
"""

from __future__ import annotations

import time

import numpy as np

from formcheck.pose.estimator import FramePose
from formcheck.pose.sequence import PoseSequence

__all__ = [
    "CountingFakeEstimator",
    "PixelFakeEstimator",
    "ReplayFakeEstimator",
    "ShapeFakeEstimator",
    "SlowFakeEstimator",
]

class PixelFakeEstimator:
    """A scripted stand-in for MediaPipePose, for tests of the plumbing only.

    Frames darker than 8 grey levels on average have nobody; otherwise every
    landmark sits at x = mean red / 255, y = t / 100, and the frame has two
    people when its top-left corner is green. It records the times it saw.
    """

    instances: list[PixelFakeEstimator] = []

    def __init__(self, fail_at: float | None = None) -> None:
        self.times: list[float] = []
        self.closed = False
        self.fail_at = fail_at
        PixelFakeEstimator.instances.append(self)

    def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
        assert rgb.dtype == np.uint8 and rgb.flags.c_contiguous
        assert not self.times or t > self.times[-1]
        if self.fail_at is not None and t >= self.fail_at:
            raise RuntimeError("fake failure")
        self.times.append(t)
        if rgb.mean() < 8:
            return FramePose.nobody()
        image = np.zeros((33, 4), np.float32)
        image[:, 0] = rgb[..., 0].mean() / 255
        image[:, 1] = t / 100
        image[:, 3] = 1
        corner = rgb[:8, :8].reshape(-1, 3).mean(axis=0)
        people = 2 if corner[1] > 180 and corner[0] < 80 else 1
        return FramePose(image=image, world=np.zeros((33, 3), np.float32), people=people)

    def close(self) -> None:
        self.closed = True


class CountingFakeEstimator(PixelFakeEstimator):
    """A fake with memory: x is the number of frames it has seen (a stand-in for a tracker
    whose output depends on the frames before), so a warm-up cannot reproduce it."""

    def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
        pose = super().estimate(rgb, t)
        image = np.full((33, 4), len(self.times) / 1000, np.float32)
        return FramePose(image=image, world=pose.world, people=1)


class ReplayFakeEstimator:
    """Scripted estimator: returns the landmarks of ``seq`` at the frame nearest ``t``.

    Records the times it was given (to check they strictly increase)."""

    def __init__(self, seq: PoseSequence, offset: float = 0.0) -> None:
        self.seq, self.offset, self.times = seq, offset, []
        self.closed = False

    def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
        self.times.append(t)
        i = int(np.argmin(np.abs(self.seq.t - (t - self.offset))))
        image = self.seq.image[i]
        if np.isnan(image).all():
            return FramePose.nobody()
        return FramePose(image=image, world=self.seq.world[i], people=1)

    def close(self) -> None:
        self.closed = True


class SlowFakeEstimator:
    """A fake estimator that takes 20 ms a frame and never finds anybody (plumbing only)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
        self.times.append(t)
        time.sleep(0.02)
        return FramePose.nobody()

    def close(self) -> None:
        pass


class ShapeFakeEstimator:
    """A fake for the probe's decision only: finds a person iff the frame is 4:3."""

    def estimate(self, rgb: np.ndarray, t: float) -> FramePose:
        height, width = rgb.shape[:2]
        if abs(np.log(width / height / (4 / 3))) > 0.05:
            return FramePose.nobody()
        return FramePose(image=np.full((33, 4), 0.5, np.float32), world=None, people=1)

    def close(self) -> None:
        pass
