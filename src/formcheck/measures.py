"""Per-rep measurements from the rep's own window of raw features.

The window (frames from the rep's start to its end, nothing later, so live
and offline compute the same numbers) has short gaps interpolated and a
zero-phase Butterworth low-pass applied, then:

- times: start, extreme (peak of the filtered primary signal), end (s);
- phases: ``out_s`` start -> end range, ``hold_s`` time at end range (within
  ``end_range_share`` of the peak excursion), ``back_s`` end range -> end;
- peak angular velocity of the primary angle (deg/s);
- smoothness: number of velocity peaks per phase (maxima of the angular speed
  higher and more prominent than 20 % of the rep's peak speed; 1 per phase is
  perfectly smooth);
- exercise-specific: trunk peak, knee bend, hip/knee at top and bottom,
  wrist-thigh contact share during the rise, rise and descent speeds,
  left-right knee difference, frontal-plane lean.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from formcheck.cleaning import interpolate_gaps, zero_phase_lowpass
from formcheck.config import Config
from formcheck.exercises import Plan
from formcheck.signals import COL

__all__ = ["measure_rep", "velocity_peaks", "smooth_window"]

_PEAK_SHARE = 0.2


def smooth_window(
    t: NDArray[np.float64], feats: NDArray[np.float64], config: Config
) -> NDArray[np.float64]:
    """Gap-filled, zero-phase filtered copy of a (n, F) feature window."""
    c = config.cleaning
    filled = interpolate_gaps(t, feats, c.max_gap_s)
    return zero_phase_lowpass(t, filled, c.lowpass_hz, c.lowpass_order)


def velocity_peaks(speed: NDArray[np.float64], peak: float) -> int:
    """Peaks of ``speed`` (n,) higher than ``_PEAK_SHARE`` of ``peak`` and separated
    from the previous counted peak by a dip of at least that much."""
    if peak <= 0 or not np.isfinite(peak):
        return 0
    s = np.concatenate([[0.0], np.nan_to_num(speed, nan=0.0), [0.0]])
    level = _PEAK_SHARE * peak
    cand = np.flatnonzero((s[1:-1] > s[:-2]) & (s[1:-1] >= s[2:]) & (s[1:-1] > level)) + 1
    count, last, low = 0, -1.0, 0.0
    for i in cand.tolist():
        if last < 0:
            count, last, low_i = 1, s[i], i
            continue
        low = float(s[low_i:i].min())
        if min(last, s[i]) - low >= level:
            count, last, low_i = count + 1, s[i], i
        elif s[i] > last:
            last, low_i = s[i], i
    return count


def _finite(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return x[np.isfinite(x)]


def _max(x: NDArray[np.float64]) -> float:
    """Largest finite value (NaN if none)."""
    f = _finite(x)
    return float(f.max()) if len(f) else float("nan")


def _min(x: NDArray[np.float64]) -> float:
    """Smallest finite value (NaN if none)."""
    f = _finite(x)
    return float(f.min()) if len(f) else float("nan")


def _pcts(x: NDArray[np.float64]) -> tuple[float, float]:
    """5th and 95th percentiles of the finite values (NaN if none)."""
    f = _finite(x)
    if not len(f):
        return float("nan"), float("nan")
    lo, hi = np.percentile(f, (5.0, 95.0))
    return float(lo), float(hi)


def _phases(t: NDArray[np.float64], rel: NDArray[np.float64], share: float) -> tuple[int, int, int]:
    """Indices of the first end-range frame, the extreme, and the last end-range frame."""
    peak_i = int(np.nanargmax(rel))
    inside = np.flatnonzero(rel >= share * rel[peak_i])
    return int(inside[0]), peak_i, int(inside[-1])


def _angle_speed(t: NDArray[np.float64], angle: NDArray[np.float64]) -> NDArray[np.float64]:
    if len(t) < 2:
        return np.zeros_like(angle)
    return np.abs(np.gradient(angle, t))


def measure_rep(
    t: NDArray[np.float64],
    feats: NDArray[np.float64],
    plan: Plan,
    config: Config,
    baseline: dict[str, float],
) -> dict[str, float]:
    """Measurements of one rep window: ``t`` (n,) s, ``feats`` (n, F) raw features;
    ``baseline`` the set-up medians of the features."""
    end_range_share = getattr(config, plan.exercise).end_range_share
    sm = smooth_window(t, feats, config)
    primary = sm[:, COL[plan.primary]]
    rel = plan.direction * (primary - plan.baseline)
    if not np.isfinite(rel).any():
        rel = np.zeros(len(t))
    i_in, i_ext, i_out = _phases(t, np.nan_to_num(rel, nan=-np.inf), end_range_share)
    m: dict[str, float] = {
        "start_s": float(t[0]),
        "extreme_s": float(t[i_ext]),
        "end_s": float(t[-1]),
        "duration_s": float(t[-1] - t[0]),
        "out_s": float(t[i_in] - t[0]),
        "hold_s": float(t[i_out] - t[i_in]),
        "back_s": float(t[-1] - t[i_out]),
    }
    angle = sm[:, COL["trunk_inclination"] if plan.primary != "hip_height" else COL["knee_flexion"]]
    speed = _angle_speed(t, angle)
    peak = _max(speed)
    m["peak_velocity_deg_s"] = peak
    m["velocity_peaks_out"] = float(velocity_peaks(speed[: i_in + 1], peak))
    m["velocity_peaks_back"] = float(velocity_peaks(speed[i_out:], peak))
    knee = sm[:, COL["knee_flexion"]]
    trunk = sm[:, COL["trunk_inclination"]]
    knee_base = baseline.get("knee_flexion", float("nan"))
    m["knee_bend_deg"] = _max(knee) - (knee_base if knee_base == knee_base else 0.0)
    m["peak_trunk_deg"] = _max(trunk)
    m["peak_extension_deg"] = -_min(trunk)
    m["excursion"] = float(rel[i_ext])
    if plan.exercise == "sit_to_stand":
        touch = config.sit_to_stand.arm_touch_distance
        m.update(_sts_measures(t, sm, plan, (i_in, i_ext, i_out), touch))
    return m


def _sts_measures(
    t: NDArray[np.float64],
    sm: NDArray[np.float64],
    plan: Plan,
    idx: tuple[int, int, int],
    touch: float,
) -> dict[str, float]:
    i_in, _, i_out = idx
    hip, knee = sm[:, COL["hip_flexion"]], sm[:, COL["knee_flexion"]]
    height = sm[:, COL["hip_height"]]
    velocity = np.gradient(height, t) if len(t) > 1 else np.zeros(len(t))
    rise = slice(0, i_in + 1) if plan.direction > 0 else slice(i_out, len(t))
    lower = slice(i_out, len(t)) if plan.direction > 0 else slice(0, i_in + 1)
    wrist = sm[rise, COL["wrist_thigh"]]
    other = sm[:, COL["knee_flexion_other"]]
    both = np.isfinite(other) & np.isfinite(knee)
    hip_pct, knee_pct = _pcts(hip), _pcts(knee)
    return {
        "hip_top_deg": hip_pct[0],
        "hip_bottom_deg": hip_pct[1],
        "knee_top_deg": knee_pct[0],
        "knee_bottom_deg": knee_pct[1],
        "arm_contact_share": float(np.mean(wrist < touch)) if len(wrist) else 0.0,
        "rise_speed": _max(velocity[rise]),
        "descent_speed": -_min(velocity[lower]),
        "knee_asymmetry_deg": _max(np.abs(knee - other)[both])
        if both.mean() > 0.8
        else float("nan"),
        "lateral_lean_deg": _max(np.abs(sm[:, COL["lateral_lean"]])),
    }
