"""Minimum-jerk motion between key poses (pure NumPy).

A :class:`Track` is one degree of freedom given at key times (seconds) with
key values; between two keys it follows the minimum-jerk profile
``10 s^3 - 15 s^4 + 6 s^5`` (zero velocity and acceleration at both keys),
before the first key and after the last it holds.

A :class:`WalkIn` is walking forward into view: a steady speed, then an even
deceleration to a stop; :class:`WalkTrack` reads one of its degrees of freedom
(the displacement, or a leg's swing) like a :class:`Track`.

A :class:`TugWalk` is the walk of a Timed Up and Go: from standing, out along the
facing direction, a 180 deg turn on the spot, back, and a second turn to face the
chair's way again; :class:`TugWalkTrack` reads its position, heading or a leg's swing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Track", "TugWalk", "TugWalkTrack", "WalkIn", "WalkTrack", "min_jerk", "sample_tracks"]


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


@dataclass(frozen=True)
class WalkIn:
    """Walking forward, then stopping: at ``speed_m_s`` until ``stop_s - slow_s``, then
    slowing evenly to a stop at ``stop_s`` (seconds); still afterwards.

    The legs swing with the distance covered, one gait cycle (two steps) per
    ``stride_m``, and their swing shrinks with the speed, so they come together
    at the stop. Leg offsets are degrees added to the segment pitches of
    :mod:`formcheck_synth.script` (thigh: - swings the knee forward; shank =
    thigh offset + knee flexion, which peaks in the swing).
    """

    stop_s: float
    speed_m_s: float
    slow_s: float
    stride_m: float
    thigh_swing_deg: float = 20.0
    swing_knee_deg: float = 50.0
    stance_knee_deg: float = 6.0

    def speed(self, t: ArrayLike) -> NDArray[np.float64]:
        """Forward speed (T,) m/s at times ``t`` (T,) s."""
        left = self.stop_s - np.asarray(t, dtype=np.float64)
        return self.speed_m_s * np.clip(left / self.slow_s, 0.0, 1.0)

    def displacement(self, t: ArrayLike) -> NDArray[np.float64]:
        """Forward position (T,) metres relative to where the person stops (<= 0)."""
        left = np.maximum(self.stop_s - np.asarray(t, dtype=np.float64), 0.0)
        slowing = self.speed_m_s * np.minimum(left, self.slow_s) ** 2 / (2.0 * self.slow_s)
        steady = self.speed_m_s * np.maximum(left - self.slow_s, 0.0)
        return -(slowing + steady)

    def legs(self, t: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """Per-leg offsets (T,) degrees: ``thigh_l``, ``thigh_r``, ``shank_l``, ``shank_r``."""
        phase = 2.0 * np.pi * self.displacement(t) / self.stride_m
        amp = self.speed(t) / self.speed_m_s
        return leg_swing(phase, amp, self.thigh_swing_deg, self.stance_knee_deg,
                         self.swing_knee_deg)  # fmt: skip


def leg_swing(
    phase: NDArray[np.float64], amp: NDArray[np.float64], thigh_swing_deg: float,
    stance_knee_deg: float, swing_knee_deg: float,
) -> dict[str, NDArray[np.float64]]:  # fmt: skip
    """Per-leg offsets (T,) degrees of a gait at stride ``phase`` (T,) rad and amplitude
    ``amp`` (T,) (speed over the walking speed): the thigh swings, the knee bends most in
    swing; the right leg half a stride behind the left."""
    out = {}
    for side, p in (("l", phase), ("r", phase + np.pi)):
        thigh = -thigh_swing_deg * amp * np.sin(p)
        swing = np.maximum(np.cos(p), 0.0) ** 2
        knee = amp * (stance_knee_deg + swing_knee_deg * swing)
        out[f"thigh_{side}"], out[f"shank_{side}"] = thigh, thigh + knee
    return out


@dataclass(frozen=True)
class WalkTrack:
    """One degree of freedom of a :class:`WalkIn`: ``walk`` (metres) or a leg offset."""

    walk_in: WalkIn
    dof: str

    def __call__(self, t: ArrayLike) -> NDArray[np.float64]:
        """Values at times ``t`` (T,) seconds -> (T,)."""
        if self.dof == "walk":
            return self.walk_in.displacement(t)
        return self.walk_in.legs(t)[self.dof]


@dataclass(frozen=True)
class TugWalk:
    """The Timed Up and Go's walk, from ``start_s`` (standing, facing +Z): ``distance_m``
    out at up to ``speed_m_s`` (even acceleration over ``ramp_s`` at each end), a turn of
    180 deg about the vertical over ``turn_s`` (minimum jerk, on the spot), the same walk
    back, and a second 180 deg turn. The legs swing as in :class:`WalkIn` (one gait cycle
    per ``stride_m`` walked, the swing shrinking with the speed); they are still in the
    turns (a simplified, en bloc turn)."""

    start_s: float
    distance_m: float = 3.0
    speed_m_s: float = 1.0
    ramp_s: float = 0.5
    turn_s: float = 1.2
    stride_m: float = 1.2
    thigh_swing_deg: float = 20.0
    swing_knee_deg: float = 50.0
    stance_knee_deg: float = 6.0

    def __post_init__(self) -> None:
        if self.distance_m <= self.speed_m_s * self.ramp_s:
            raise ValueError("the walk must be longer than its two ramps "
                             f"({self.speed_m_s * self.ramp_s:.2f} m), got {self.distance_m}")

    @property
    def leg_s(self) -> float:
        """Seconds of one walk (out or back)."""
        return self.distance_m / self.speed_m_s + self.ramp_s

    @property
    def events(self) -> tuple[float, float, float, float, float]:
        """(walk out starts, turn starts, turn ends, walk back ends, second turn ends), s."""
        a = self.start_s
        b = a + self.leg_s
        c = b + self.turn_s
        d = c + self.leg_s
        return a, b, c, d, d + self.turn_s

    @property
    def duration_s(self) -> float:
        return self.events[-1] - self.start_s

    def _leg(self, t: NDArray[np.float64], start: float) -> tuple[NDArray, NDArray]:
        """(distance m, speed m/s) (T,) into one walk starting at ``start`` s."""
        u = np.clip(t - start, 0.0, self.leg_s)
        r, v = self.ramp_s, self.speed_m_s
        cruise = self.leg_s - 2.0 * r
        up = np.minimum(u, r)
        dist = 0.5 * v * up**2 / r + v * np.clip(u - r, 0.0, cruise)
        down = np.clip(u - r - cruise, 0.0, r)
        dist = dist + v * down - 0.5 * v * down**2 / r
        speed = v * np.clip(np.minimum(u, self.leg_s - u) / r, 0.0, 1.0)
        return dist, speed

    def position(self, t: ArrayLike) -> NDArray[np.float64]:
        """(T,) metres along +Z from the start: 0 -> ``distance_m`` -> 0."""
        t = np.asarray(t, dtype=np.float64)
        a, _, c, _, _ = self.events
        return self._leg(t, a)[0] - self._leg(t, c)[0]

    def heading(self, t: ArrayLike) -> NDArray[np.float64]:
        """(T,) degrees turned about the vertical: 0, 180 after the first turn, 360 after
        the second."""
        t = np.asarray(t, dtype=np.float64)
        _, b, _, d, _ = self.events
        return 180.0 * (min_jerk((t - b) / self.turn_s) + min_jerk((t - d) / self.turn_s))

    def legs(self, t: ArrayLike) -> dict[str, NDArray[np.float64]]:
        """Per-leg offsets (T,) degrees: ``thigh_l``, ``thigh_r``, ``shank_l``, ``shank_r``."""
        t = np.asarray(t, dtype=np.float64)
        a, _, c, _, _ = self.events
        (d1, v1), (d2, v2) = self._leg(t, a), self._leg(t, c)
        phase = 2.0 * np.pi * (d1 + d2) / self.stride_m
        amp = (v1 + v2) / self.speed_m_s
        return leg_swing(phase, amp, self.thigh_swing_deg, self.stance_knee_deg,
                         self.swing_knee_deg)  # fmt: skip


@dataclass(frozen=True)
class TugWalkTrack:
    """One degree of freedom of a :class:`TugWalk`: ``walk`` (metres), ``heading`` (deg)
    or a leg offset."""

    tug: TugWalk
    dof: str

    def __call__(self, t: ArrayLike) -> NDArray[np.float64]:
        if self.dof == "walk":
            return self.tug.position(t)
        if self.dof == "heading":
            return self.tug.heading(t)
        return self.tug.legs(t)[self.dof]


def sample_tracks(tracks: Mapping[str, Track | WalkTrack | TugWalkTrack], t: ArrayLike
                  ) -> dict[str, NDArray[np.float64]]:  # fmt: skip
    """Every track at times ``t`` (T,) seconds: name -> (T,) values."""
    return {name: track(t) for name, track in tracks.items()}
