"""Minimum-jerk motion between key poses (pure NumPy).

A :class:`Track` is one degree of freedom given at key times (seconds) with
key values; between two keys it follows the minimum-jerk profile
``10 s^3 - 15 s^4 + 6 s^5`` (zero velocity and acceleration at both keys),
before the first key and after the last it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Track", "min_jerk", "sample_tracks"]


def min_jerk(s: ArrayLike) -> NDArray[np.float64]:
    """Minimum-jerk position profile: ``s`` (any shape, 0..1, clipped) -> 0..1, same shape."""
    s = np.clip(np.asarray(s, dtype=np.float64), 0.0, 1.0)
    return s**3 * (10.0 - 15.0 * s + 6.0 * s**2)


@dataclass(frozen=True)
class Track:
    """One degree of freedom: ``times`` (K,) seconds, strictly increasing; ``values`` (K,)."""

    times: tuple[float, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.times) != len(self.values) or not self.times:
            raise ValueError(
                f"Track needs as many times as values (at least one), "
                f"got {len(self.times)} and {len(self.values)}"
            )
        if any(b <= a for a, b in zip(self.times, self.times[1:], strict=False)):
            raise ValueError(f"Track times must strictly increase, got {self.times}")

    def __call__(self, t: ArrayLike) -> NDArray[np.float64]:
        """Values at times ``t`` (T,) seconds -> (T,)."""
        t = np.asarray(t, dtype=np.float64)
        times = np.asarray(self.times)
        values = np.asarray(self.values)
        if len(times) == 1:
            return np.full(t.shape, values[0])
        i = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
        s = (t - times[i]) / (times[i + 1] - times[i])
        return values[i] + (values[i + 1] - values[i]) * min_jerk(s)


def sample_tracks(tracks: Mapping[str, Track], t: ArrayLike) -> dict[str, NDArray[np.float64]]:
    """Every track at times ``t`` (T,) seconds: name -> (T,) values."""
    return {name: track(t) for name, track in tracks.items()}
