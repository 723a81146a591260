"""How closely a rep follows a demonstrated movement: time-warped distance of angle curves.

A :class:`Template` holds the demonstrated rep(s) as normalised joint-angle curves: each
joint's angle (deg) minus its value at the rep's start, on ``samples`` points evenly spaced
from the rep's start to its end (time normalised, so a slower rep is not a worse one). A
rep is compared by dynamic time warping (:func:`dtw_path`, vectorised over anti-diagonals,
within a Sakoe-Chiba band of ``band`` of the length): the cost of aligning two instants is
the mean over joints of their absolute angle difference, so the distance is in degrees. The
joint with the largest mean difference along the warped path is the worst-matching one.

The match's 0-100 score is ``100 * (1 - worst / tolerance_deg)`` (floored at 0): 100 is the
demonstration itself, 0 a joint off by ``tolerance_deg`` on average (a learned definition:
35 % of the demonstrated excursion). Pure NumPy; no import of the rest of the exercise layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["BAND", "SAMPLES", "Match", "Template", "describe", "dtw_path", "match_rep",
           "mean_curves", "normalised_curves"]

SAMPLES = 50
"""Points per normalised curve."""
BAND = 0.3
"""Sakoe-Chiba band: the warping may shift an instant by this share of the rep at most."""


@dataclass(frozen=True)
class Match:
    """A rep against the template: ``distance_deg`` (mean cost along the warped path: the
    joints' mean absolute angle difference, deg), the ``worst_joint`` (a feature name) and its
    mean difference ``worst_deg``, every joint's ``joint_deg``, and the 0-100 ``score``."""

    distance_deg: float
    worst_joint: str
    worst_deg: float
    joint_deg: dict[str, float]
    score: int


@dataclass(frozen=True)
class Template:
    """The demonstrated movement: ``joints`` (feature names, J), ``curves`` (J rows of
    ``samples`` values, deg relative to the rep's start: the mean of the demonstrated reps),
    the ``tolerance_deg`` that scores 0, ``band`` (share of the rep the warping may
    shift), and ``warn_score``: a match below it gives the rep a cue."""

    joints: tuple[str, ...]
    curves: tuple[tuple[float, ...], ...]
    tolerance_deg: float
    band: float = BAND
    warn_score: int = 70

    def __post_init__(self) -> None:
        if len(self.joints) != len(self.curves) or not self.joints:
            raise ValueError("a template needs one curve per joint (at least one), got "
                             f"{len(self.joints)} joints, {len(self.curves)} curves")  # fmt: skip
        lengths = {len(c) for c in self.curves}
        if len(lengths) != 1 or min(lengths) < 4:
            raise ValueError(f"template curves must all have the same length >= 4, got {lengths}")
        if not self.tolerance_deg > 0:
            raise ValueError(f"tolerance_deg must be > 0, got {self.tolerance_deg}")
        if not 0 < self.band <= 1:
            raise ValueError(f"band must be in (0, 1], got {self.band}")
        if not 0 <= self.warn_score <= 100:
            raise ValueError(f"warn_score must be in [0, 100], got {self.warn_score}")

    @property
    def array(self) -> NDArray[np.float64]:
        """(J, samples) curves."""
        return np.asarray(self.curves, dtype=np.float64)

    @property
    def samples(self) -> int:
        return len(self.curves[0])


def normalised_curves(t: NDArray[np.float64], values: NDArray[np.float64], start_s: float,
                      end_s: float, samples: int = SAMPLES) -> NDArray[np.float64]:  # fmt: skip
    """(J, samples) curves of ``values`` (n, J) at times ``t`` (n,) s between ``start_s`` and
    ``end_s``: linear interpolation at evenly spaced instants, each joint minus its value at
    the start. A joint unseen in the span is NaN throughout; short gaps are bridged."""
    grid = np.linspace(start_s, end_s, samples)
    out = np.full((values.shape[1], samples), np.nan)
    for j in range(values.shape[1]):
        ok = np.isfinite(values[:, j])
        if ok.sum() >= 2:
            out[j] = np.interp(grid, t[ok], values[ok, j])
    return out - out[:, :1]


def dtw_path(cost: NDArray[np.float64], band: float = BAND
             ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:  # fmt: skip
    """The cheapest monotone warping path through ``cost`` (n, m) from (0, 0) to
    (n-1, m-1), with steps (1, 0), (0, 1), (1, 1), within a band of ``band`` of the
    normalised time. Returns the row and column indices (L,), L in [max(n, m), n + m - 1].

    The accumulated cost is filled one anti-diagonal at a time (each depends only on the
    two before it), so the loop runs n + m - 1 times over vectorised cells."""
    n, m = cost.shape
    rows, cols = np.indices((n, m))
    outside = np.abs(rows / max(n - 1, 1) - cols / max(m - 1, 1)) > band
    c = np.where(outside | ~np.isfinite(cost), np.inf, cost)
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for d in range(2, n + m + 1):
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        j = d - i
        best = np.minimum(np.minimum(acc[i - 1, j], acc[i, j - 1]), acc[i - 1, j - 1])
        acc[i, j] = c[i - 1, j - 1] + best
    return _backtrack(acc)


def _backtrack(acc: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The path (0-based rows, cols) back from the last cell of the accumulated cost."""
    i, j = acc.shape[0] - 1, acc.shape[1] - 1
    path = [(i - 1, j - 1)]
    while (i, j) != (1, 1):
        steps = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
        i, j = min(steps, key=lambda s: acc[s])
        path.append((i - 1, j - 1))
    ij = np.array(path[::-1])
    return ij[:, 0], ij[:, 1]


def match_rep(template: Template, curves: NDArray[np.float64]) -> Match | None:
    """Compare a rep's normalised ``curves`` (J, n) (:func:`normalised_curves`, the
    template's joints in its order) with the template; None when no joint was seen."""
    ref = template.array
    seen = np.isfinite(curves).all(axis=1) & np.isfinite(ref).all(axis=1)
    if not seen.any():
        return None
    x, y = curves[seen], ref[seen]
    diff = np.abs(x[:, :, None] - y[:, None, :])  # (J, n, m)
    rows, cols = dtw_path(diff.mean(axis=0), template.band)
    along = diff[:, rows, cols].mean(axis=1)  # (J,) mean difference per joint
    shown = np.asarray(seen).tolist()
    names = [name for name, ok in zip(template.joints, shown, strict=True) if ok]
    worst = int(np.argmax(along))
    distance = float(diff.mean(axis=0)[rows, cols].mean())
    score = max(0, round(100.0 * (1.0 - float(along[worst]) / template.tolerance_deg)))
    joint_deg = {n: round(float(v), 2) for n, v in zip(names, along, strict=True)}
    return Match(distance, names[worst], float(along[worst]), joint_deg, int(score))


def mean_curves(reps: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """The template curves of several demonstrated reps (each (J, n)): their mean, each
    later rep first warped onto the first (DTW on the mean joint difference)."""
    first = reps[0]
    total, count = first.copy(), np.ones_like(first)
    for rep in reps[1:]:
        diff = np.abs(first[:, :, None] - rep[:, None, :]).mean(axis=0)
        rows, cols = dtw_path(diff)
        for j in range(first.shape[0]):
            warped = np.bincount(rows, rep[j, cols], minlength=first.shape[1])
            hits = np.bincount(rows, minlength=first.shape[1])
            total[j] += warped / np.maximum(hits, 1)
        count += 1
    return total / count


def describe(match: Match) -> str:
    """One line for a person: the distance and the worst-matching joint."""
    joint = match.worst_joint.replace("_", " ")
    if not math.isfinite(match.worst_deg):
        return "not compared"
    return (f"{match.score}/100 against the demonstration; {joint} off by "
            f"{match.worst_deg:.0f} deg on average")  # fmt: skip
