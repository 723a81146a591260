"""Per-rep measurements from the rep's own window of raw features.

The window (frames from the rep's start to its end, nothing later, so live
and offline compute the same numbers) has short gaps interpolated and a
zero-phase Butterworth low-pass applied, then:

- times: start and end (where the movement begins / ends: still for
  0.1 s, slower than 3 % of the phase's peak speed, or back within 3 % of the
  excursion, whichever is wider), extreme (peak of the filtered primary
  signal; sit-to-stand: standing reached, where the rise stops) (s);
- phases: ``out_s`` start -> end range, ``hold_s`` time at end range (within
  ``end_range_share`` of the peak excursion), ``back_s`` end range -> end;
- peak angular velocity of the primary angle (deg/s);
- smoothness: number of velocity peaks per phase (maxima of the angular speed
  higher and more prominent than 30 % of the rep's peak speed and 10 deg/s; 1 per phase is
  perfectly smooth; the "jerky" cue counts these), and the spectral arc length
  (``sparc_out``, ``sparc_back``: :mod:`formcheck.kinematics.smoothness`; -1.4 is one
  smooth bell, lower is less smooth; NaN for a phase shorter than 8 frames);
- exercise-specific: trunk peak, knee bend, hip/knee at top and bottom,
  wrist-thigh contact share during the rise, rise and descent speeds,
  left-right knee difference, frontal-plane lean;
- ``target_hold_s``: with a target (``config.target``), the seconds the ROM
  measurement, frame by frame (:data:`ROM_CURVES`), stayed within ``band_deg``
  of the target or beyond it; without one, ``hold_s``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from formcheck.config import Config
from formcheck.exercise.definitions import Plan
from formcheck.exercise.reps import RepEvent
from formcheck.kinematics.cleaning import interpolate_gaps, nan_runs, zero_phase_lowpass
from formcheck.kinematics.signals import COL
from formcheck.kinematics.smoothness import sparc

__all__ = [
    "LOOKBACK_S",
    "MEASURE_GROUPS",
    "ROM_CURVES",
    "measure_rep",
    "rom_curve",
    "smooth_window",
    "time_in_band",
    "velocity_peaks",
    "width_twist",
]

_PEAK_SHARE = 0.3
_MIN_PEAK_DEG_S = 10.0
_ONSET_SHARE = 0.03
_STILL_SHARE = 0.03  # "still": slower than this share of the phase's peak speed ...
_STILL_MIN_S = 0.1  # ... for at least this long (MediaPipe's angles move in small steps)
_NOISE_FACTOR = 2.0  # ... and than this many times the speed of landmark jitter at rest
_JITTER_S = 0.3  # stretch of rest whose mean speed measures the jitter
_TOP_SHARE = 0.75  # sit-to-stand "standing": hips above this share of the rep's rise
_LEAN_DEG = 5.0  # sit-to-stand: a forward lean of at least this marks the rep's bounds
LOOKBACK_S = 1.0
"""Seconds of history before the counter's start that a rep's measurement may use."""


def smooth_window(
    t: NDArray[np.float64], feats: NDArray[np.float64], config: Config
) -> NDArray[np.float64]:
    """Gap-filled, zero-phase filtered copy of a (n, F) feature window."""
    c = config.cleaning
    filled = interpolate_gaps(t, feats, c.max_gap_s)
    return zero_phase_lowpass(t, filled, c.lowpass_hz, c.lowpass_order)


def velocity_peaks(speed: NDArray[np.float64], peak: float) -> int:
    """Peaks of ``speed`` (n,) deg/s higher than ``_PEAK_SHARE`` of ``peak`` (and than
    ``_MIN_PEAK_DEG_S``, so landmark jitter in a slow rep is no peak), separated from
    the previous counted peak by a dip of at least that much."""
    if peak <= 0 or not np.isfinite(peak):
        return 0
    s = np.concatenate([[0.0], np.nan_to_num(speed, nan=0.0), [0.0]])
    level = max(_PEAK_SHARE * peak, _MIN_PEAK_DEG_S)
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


def _pct(x: NDArray[np.float64], q: float) -> float:
    """``q``-th percentile (linear interpolation, as NumPy's default) of the finite values."""
    f = np.sort(_finite(x))
    if not len(f):
        return float("nan")
    pos = (len(f) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(f) - 1)
    return float(f[lo] + (f[hi] - f[lo]) * (pos - lo))


def _angle_speed(t: NDArray[np.float64], angle: NDArray[np.float64]) -> NDArray[np.float64]:
    if len(t) < 2:
        return np.zeros_like(angle)
    return np.abs(np.gradient(angle, t))


def _level_index(rel: NDArray[np.float64], i_ext: int, rest: float, forward: bool) -> int:
    """Nearest index from the extreme, backwards (or forwards), where ``rel`` is back
    within ``_ONSET_SHARE`` of the excursion above ``rest``; the window edge if never."""
    with np.errstate(invalid="ignore"):  # an unseen signal (inf - inf): no level, the edge
        level = rest + _ONSET_SHARE * (rel[i_ext] - rest)
    if forward:
        hits = np.flatnonzero(rel[i_ext:] <= level)
        return i_ext + int(hits[0]) if len(hits) else len(rel) - 1
    hits = np.flatnonzero(rel[: i_ext + 1] <= level)
    return int(hits[-1]) if len(hits) else 0


def _median(x: NDArray[np.float64], fallback: float) -> float:
    f = _finite(x)
    return float(np.median(f)) if len(f) else fallback


def _bounds(
    t: NDArray[np.float64], rel: NDArray[np.float64], event: RepEvent, by_speed: bool
) -> tuple[int, int, int]:
    """(start, extreme, end) indices refined on the zero-phase signal ``rel``: where it
    is back within ``_ONSET_SHARE`` of the excursion, or (``by_speed``) earlier / later
    where the movement begins / ends (:func:`_still_index`)."""
    lo = int(np.searchsorted(t, event.start_s, side="left"))
    hi = int(np.searchsorted(t, event.end_s, side="right"))
    core = np.nan_to_num(rel[lo:hi], nan=-np.inf)
    i_ext = lo + int(np.argmax(core)) if hi > lo else int(np.nanargmax(rel))
    filled = np.nan_to_num(rel, nan=np.inf)
    before = _median(rel[:lo], float(filled[lo]) if lo < len(rel) else 0.0)
    after = _median(rel[hi:], float(filled[hi - 1]) if hi > 0 else 0.0)
    start = _level_index(filled, i_ext, before, False)
    end = _level_index(filled, i_ext, after, True)
    if by_speed:
        v = _speed(t, rel)
        jitter = _jitter_speed(t, v, start, end)
        start = _still_index(t, v, i_ext, start, False, jitter)
        end = _still_index(t, v, i_ext, end, True, jitter)
    return start, i_ext, end


def _speed(t: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Signed rate of change (n,) per s of ``x`` (n,) at times ``t`` (n,) s: central
    differences, one-sided at the ends, 0 where not finite (a cheap ``np.gradient``)."""
    v = np.zeros(len(x))
    if len(x) < 2:
        return v
    v[1:-1] = (x[2:] - x[:-2]) / (t[2:] - t[:-2])
    v[0] = (x[1] - x[0]) / (t[1] - t[0])
    v[-1] = (x[-1] - x[-2]) / (t[-1] - t[-2])
    v[~np.isfinite(v)] = 0.0
    return v


def _still_index(t: NDArray[np.float64], v: NDArray[np.float64], i_ext: int, i_level: int,
                 forward: bool, jitter: float) -> int:  # fmt: skip
    """Where the movement into (backwards) or out of (forwards) the extreme ``i_ext``
    begins / ends, from the speed ``v`` (n,) (:func:`_speed`) of the zero-phase signal
    at times ``t`` (n,) s; never later (backwards) / earlier (forwards) than the
    level-based ``i_level``.

    Backwards: from the frame of peak speed towards the extreme, the last earlier
    frame still for ``_STILL_MIN_S`` (landmark angles start moving in small steps
    with still frames between them): slower than ``_STILL_SHARE`` of the peak speed
    and than ``_NOISE_FACTOR`` times ``jitter``, the speed of landmark jitter
    (:func:`_jitter_speed`). That is "movement begins", not where the angle has crept past
    a share of its excursion (a smooth start leaves rest slowly: 3 % of the
    excursion is ~14 % into a minimum-jerk movement). Forwards mirrors it.
    """
    n = len(v)
    if n < 3:
        return i_level
    seg = -v[i_ext:][::-1] if forward else v[: i_ext + 1]
    tt = t[i_ext:][::-1] if forward else t[: i_ext + 1]
    fast = int(np.argmax(seg))
    floor = _NOISE_FACTOR * jitter
    runs = nan_runs(seg[: fast + 1] <= max(_STILL_SHARE * seg[fast], floor))
    last = len(tt) - 1  # a run may reach the window's edge
    held = [stop - 1 for start, stop in runs
            if abs(tt[min(stop, last)] - tt[start]) >= _STILL_MIN_S]  # fmt: skip
    if seg[fast] <= 0.0 or not held:
        return i_level
    return max(i_level, n - 1 - held[-1]) if forward else min(i_level, held[-1])


def _jitter_speed(t: NDArray[np.float64], v: NDArray[np.float64], lo: int, hi: int) -> float:
    """Speed of landmark jitter at rest outside the movement ``[lo, hi]``, from the speed
    ``v`` (n,) at times ``t`` (n,) s: the mean |speed| of the quietest ``_JITTER_S``
    stretch (0 if none is that long), so a previous rep's motion does not count."""
    if len(t) < 3:
        return 0.0
    width = max(3, int(round(_JITTER_S * (len(t) - 1) / float(t[-1] - t[0]))))
    best = np.inf
    for part in (v[:lo], v[hi + 1 :]):
        if len(part) >= width:
            total = np.concatenate(([0.0], np.cumsum(np.abs(part))))
            best = min(best, float((total[width:] - total[:-width]).min()) / width)
    return best if best < np.inf else 0.0


def _trunk_bounds(t: NDArray[np.float64], trunk: NDArray[np.float64], i0: int, i_ext: int, i1: int
                  ) -> tuple[int, int]:  # fmt: skip
    """Sit-to-stand: the forward lean starts before the hips rise and ends after they
    settle; widen (i0, i1) to the trunk's own onset and return when it leans > 10 deg
    (lean peaks searched between hip onset and the top, and the top and seat contact)."""
    filled = np.nan_to_num(trunk, nan=-np.inf)
    level = np.where(np.isfinite(trunk), trunk, np.inf)
    rest = _median(trunk[: i0 + 1], 0.0)
    start, end = i0, i1
    rise_peak = i0 + int(np.argmax(filled[i0 : i_ext + 1]))
    if filled[rise_peak] - rest >= _LEAN_DEG:
        start = _level_index(level, rise_peak, rest, False)
        v = _speed(t, trunk)
        start = _still_index(t, v, rise_peak, start, False, _jitter_speed(t, v, start, len(t)))
    sit_peak = i_ext + int(np.argmax(filled[i_ext : i1 + 1]))
    rest_after = _median(trunk[i1:], rest)
    if filled[sit_peak] - rest_after >= _LEAN_DEG:
        end = _level_index(level, sit_peak, rest_after, True)
        v = _speed(t, trunk)
        upright = sit_peak + int(np.argmin(level[sit_peak:]))  # before any lean into a next rep
        still = _still_index(t, v, sit_peak, end, True, _jitter_speed(t, v, 0, end))
        end = min(still, max(end, upright))
    return min(i0, start), max(i1, end)


def _knee_bounds(t: NDArray[np.float64], knee: NDArray[np.float64], plan: Plan,
                 event: RepEvent, i0: int, i1: int) -> tuple[int, int]:  # fmt: skip
    """Leg exercises: widen (i0, i1) to where the knee's own movement begins and ends
    (level and speed on the zero-phase knee angle, away from the start posture
    positive). Hip height changes little at the start of a knee bend (it goes with
    the cosine of the knee angle), so a bound on it alone comes late and leaves early."""
    if not np.isfinite(knee).any():
        return i0, i1
    away = knee if plan.start_posture == "standing" else -knee
    start, _, end = _bounds(t, away, event, True)
    return min(i0, start), max(i1, end)


def measure_rep(
    t: NDArray[np.float64],
    feats: NDArray[np.float64],
    plan: Plan,
    config: Config,
    baseline: dict[str, float],
    event: RepEvent,
) -> dict[str, float]:
    """Measurements of one rep: ``t`` (n,) s and raw ``feats`` (n, F) from up to
    ``LOOKBACK_S`` before the counter's start to when the counter reported the rep
    (``event.emitted_s``); ``baseline`` the set-up medians of the features.

    Start and end are refined on the zero-phase signal: where it is back within
    3 % of the excursion from its resting level or, for angles, earlier / later
    where the movement begins / ends by its speed (sit-to-stand from seated:
    also the trunk lean before seat-off, by level or speed, and its return after
    sitting); sit-to-stand "standing" is where the rise has stopped.
    """
    sm = smooth_window(t, feats, config)
    rel = plan.relative(sm[:, COL[plan.primary]])
    if not np.isfinite(rel).any():
        rel = np.zeros(len(t))
    # a seat is a hard stop: from seated, hip height's level marks seat contact exactly;
    # elsewhere movements end softly (a knee straightening), found by their speed
    i0, i_ext, i1 = _bounds(t, rel, event, plan.start_posture != "seated")
    seat_i = i1
    if plan.legs:  # the knees move before the hips visibly do, and settle after them
        i0, i1 = _knee_bounds(t, sm[:, COL[plan.knee]], plan, event, i0, i1)
    if plan.legs and plan.start_posture == "seated":
        i0, i1 = _trunk_bounds(t, sm[:, COL[plan.trunk]], i0, i_ext, i1)
    seat_s = float(t[seat_i])
    t, sm, rel = t[i0 : i1 + 1], sm[i0 : i1 + 1], rel[i0 : i1 + 1]
    m = _common(t, sm, rel, plan, config, baseline, i_ext - i0)
    m["excursion"] = float(rel[i_ext - i0] - event.rest_level)
    m["primary_end_s"] = seat_s
    if plan.legs:
        touch = plan.setting("arm_touch_distance")
        phases = _phases(t, rel, i_ext - i0, config, plan)
        m.update(_sts_measures(t, sm, rel, plan, phases, touch))
        m.update(_foot_knee_measures(sm, baseline))
    m["target_hold_s"] = _target_hold(t, sm, plan, config, m)
    for group in plan.measure_groups:
        m.update(MEASURE_GROUPS[group](sm, plan, baseline, i_ext - i0))
    return m


_RomCurve = Callable[[NDArray[np.float64], Plan, dict[str, float]], NDArray[np.float64]]

ROM_CURVES: Final[dict[str, _RomCurve]] = {
    "peak_trunk_deg": lambda sm, plan, m: sm[:, COL[plan.trunk]],
    "peak_extension_deg": lambda sm, plan, m: -sm[:, COL[plan.trunk]],
    "knee_bottom_deg": lambda sm, plan, m: sm[:, COL[plan.knee]],
    "knee_range_deg": lambda sm, plan, m: sm[:, COL[plan.knee]] - m["knee_top_deg"],
    "side_bend_deg": lambda sm, plan, m: np.abs(sm[:, COL[plan.primary]]
                                                - sm[0, COL[plan.primary]]),
}
"""Per-frame curves (n,) deg, by ROM measurement name (``ExerciseSpec.rom``), whose
largest value over a rep is (about) that measurement: what a hold is timed on."""


def rom_curve(sm: NDArray[np.float64], plan: Plan, m: dict[str, float]) -> NDArray[np.float64]:
    """The ROM measurement ``plan.rom`` frame by frame over the rep's filtered features
    ``sm`` (n, F); all NaN for a measurement without a curve in ``ROM_CURVES``."""
    curve = ROM_CURVES.get(plan.rom)
    return np.full(len(sm), np.nan) if curve is None else curve(sm, plan, m)


def time_in_band(t: NDArray[np.float64], curve: NDArray[np.float64], low: float) -> float:
    """Seconds of ``t`` (n,) s during which ``curve`` (n,) is at or above ``low``: the sum
    of the frame intervals whose both ends are in the band (a dip out pauses the clock)."""
    if len(t) < 2:
        return 0.0
    with np.errstate(invalid="ignore"):
        inside = curve >= low
    both = inside[1:] & inside[:-1]
    return float(np.diff(t)[both].sum())


def _target_hold(t: NDArray[np.float64], sm: NDArray[np.float64], plan: Plan, config: Config,
                 m: dict[str, float]) -> float:  # fmt: skip
    """Seconds held within the target band (``config.target``: within ``band_deg`` of
    ``deg`` or beyond it); without a target, the time at end range (``hold_s``)."""
    target = config.target
    if not target.active:
        return m["hold_s"]
    return time_in_band(t, rom_curve(sm, plan, m), target.deg - target.band_deg)


def _foot_knee_measures(sm: NDArray[np.float64], baseline: dict[str, float]) -> dict[str, float]:
    """Knee valgus (deg, frontal-plane projection, the worse knee) and heel rise (shank
    lengths), each as its largest value in the rep beyond the start posture's."""
    def beyond(name: str) -> float:
        base = baseline.get(name, float("nan"))
        return _max(sm[:, COL[name]]) - (base if base == base else 0.0)

    return {"knee_valgus": beyond("knee_valgus"), "heel_lift": beyond("heel_rise")}


def _phases(
    t: NDArray[np.float64], rel: NDArray[np.float64], i_ext: int, config: Config, plan: Plan
) -> tuple[int, int, int]:
    """Indices of the first end-range frame, the extreme, and the last end-range frame
    (end range: within ``end_range_share`` of the peak excursion)."""
    share = plan.setting("end_range_share")
    inside = np.flatnonzero(np.nan_to_num(rel, nan=-np.inf) >= share * rel[i_ext])
    if not len(inside):  # the extreme itself unseen (NaN): no end range to time
        return i_ext, i_ext, i_ext
    return int(inside[0]), i_ext, int(inside[-1])


def _arrival_index(t: NDArray[np.float64], rel: NDArray[np.float64], i_in: int, i_ext: int
                   ) -> int:  # fmt: skip
    """First frame in [``i_in``, ``i_ext``] where the movement out has stopped: slower
    than ``_STILL_SHARE`` of its peak speed (``i_ext`` if never). A smooth rise reaches
    ``end_range_share`` of its height well before it stops (90 % at 3/4 of a
    minimum-jerk movement)."""
    if i_ext <= i_in or len(t) < 3:
        return i_in
    v = _speed(t, rel)
    peak = float(v[: i_in + 1].max())
    slow = np.flatnonzero(v[i_in : i_ext + 1] <= _STILL_SHARE * peak)
    return i_in + int(slow[0]) if len(slow) and peak > 0 else i_ext


def _upright_index(t: NDArray[np.float64], trunk: NDArray[np.float64], i_in: int, i_out: int
                   ) -> int:  # fmt: skip
    """Sit-to-stand: first frame (up to ``i_out``) where the trunk, after its forward
    lean before ``i_in``, has stopped straightening: standing tall, not only hips up
    (MediaPipe's hip rises past its standing height while the trunk still straightens)."""
    if i_out <= i_in or len(t) < 3 or not np.isfinite(trunk[: i_in + 1]).any():
        return i_in
    lean = int(np.nanargmax(trunk[: i_in + 1]))
    back = -_speed(t, trunk)[lean : i_out + 1]
    fast = int(np.argmax(back))
    slow = np.flatnonzero(back[fast:] <= _STILL_SHARE * back[fast])
    return lean + fast + int(slow[0]) if back[fast] > 0 and len(slow) else i_in


def _common(
    t: NDArray[np.float64],
    sm: NDArray[np.float64],
    rel: NDArray[np.float64],
    plan: Plan,
    config: Config,
    baseline: dict[str, float],
    i_ext: int,
) -> dict[str, float]:
    """Times, phase durations, velocity and smoothness, trunk and knee extremes."""
    i_in, _, i_out = _phases(t, rel, i_ext, config, plan)
    reached = plan.legs  # standing (or the bottom) first reached
    if reached:
        i_in = _arrival_index(t, rel, i_in, i_ext)
        if plan.start_posture == "seated":
            i_in = max(i_in, _upright_index(t, sm[:, COL[plan.trunk]], i_in, i_out))
    m: dict[str, float] = {
        "start_s": float(t[0]),
        "extreme_s": float(t[i_in] if reached else t[i_ext]),
        "end_s": float(t[-1]),
        "duration_s": float(t[-1] - t[0]),
        "out_s": float(t[i_in] - t[0]),
        "hold_s": float(t[i_out] - t[i_in]),
        "back_s": float(t[-1] - t[i_out]),
    }
    upright = plan.start_posture == "upright"
    trunk_col = COL[plan.primary] if plan.unit == "deg" else COL[plan.trunk]  # a trunk angle
    angle = sm[:, trunk_col if upright else COL["knee_flexion"]]
    speed = _angle_speed(t, angle)
    peak = _max(speed)
    m["peak_velocity_deg_s"] = peak
    m["velocity_peaks_out"] = float(velocity_peaks(speed[: i_in + 1], peak))
    m["velocity_peaks_back"] = float(velocity_peaks(speed[i_out:], peak))
    m["sparc_out"] = sparc(t[: i_in + 1], speed[: i_in + 1])  # smoothness, -1.4 = one smooth bell
    m["sparc_back"] = sparc(t[i_out:], speed[i_out:])
    knee, trunk = sm[:, COL["knee_flexion"]], sm[:, COL[plan.trunk]]
    knee_base = baseline.get("knee_flexion", float("nan"))
    m["knee_bend_deg"] = _max(knee) - (knee_base if knee_base == knee_base else 0.0)
    m["peak_trunk_deg"] = _max(trunk)
    m["peak_extension_deg"] = -_min(trunk)
    m["excursion"] = float(rel[i_ext])
    return m


def _sts_measures(
    t: NDArray[np.float64],
    sm: NDArray[np.float64],
    rel: NDArray[np.float64],
    plan: Plan,
    idx: tuple[int, int, int],
    touch: float,
) -> dict[str, float]:
    i_in, _, i_out = idx
    hip, knee = sm[:, COL["hip_flexion"]], sm[:, COL[plan.knee]]
    if plan.knee != "knee_flexion":  # outside a side view no image hip angle is a measurement
        hip = np.full(len(t), np.nan)
    height = sm[:, COL["hip_height"]]
    velocity = np.gradient(height, t) if len(t) > 1 else np.zeros(len(t))
    seated = plan.start_posture == "seated"
    rise = slice(0, i_in + 1) if seated else slice(i_out, len(t))
    lower = slice(i_out, len(t)) if seated else slice(0, i_in + 1)
    wrist = sm[rise, COL["wrist_thigh"]]
    other = sm[:, COL["knee_flexion_other"]]
    both = np.isfinite(other) & np.isfinite(knee)
    top = rel >= _TOP_SHARE * np.nanmax(rel) if seated else np.ones(len(t), bool)
    return {
        "hip_top_deg": _pct(hip[top], 5.0),
        "hip_bottom_deg": _pct(hip, 95.0),
        "knee_top_deg": _pct(knee[top], 5.0),
        "knee_bottom_deg": _pct(knee, 95.0),
        "knee_range_deg": _pct(knee, 95.0) - _pct(knee[top], 5.0),
        "arm_contact_share": float(np.mean(wrist < touch)) if len(wrist) else 0.0,
        "rise_speed": _max(velocity[rise]),
        "descent_speed": -_min(velocity[lower]),
        "knee_asymmetry_deg": _max(np.abs(knee - other)[both])
        if both.mean() > 0.8 and plan.knee == "knee_flexion"
        else float("nan"),
        "lateral_lean_deg": _max(np.abs(sm[:, COL["lateral_lean"]])),
    }


# --- side bending and rotation (``ExerciseSpec.measure_groups``) -----------------------------

def _signed_peak(x: NDArray[np.float64], i_ext: int) -> float:
    """Change of ``x`` (n,) from the rep's first frame to its extreme ``i_ext`` (NaN unseen)."""
    return float(x[i_ext] - x[0]) if len(x) else float("nan")


def _largest_change(x: NDArray[np.float64]) -> float:
    """Largest |change| of ``x`` (n,) from its first frame (NaN if unseen)."""
    return _max(np.abs(x - x[0])) if len(x) else float("nan")


def width_twist(ratio: NDArray[np.float64], shoulder_yaw: NDArray[np.float64],
                ratio0: float, hip_yaw0: float) -> NDArray[np.float64]:  # fmt: skip
    """(n,) trunk rotation (deg, + to the person's left) from the image shoulder-over-hip
    width ratio ``ratio`` (n,) against its start ``ratio0``: the shoulder line's yaw
    against the camera has cosine ``ratio / ratio0 * cos(hip_yaw0)`` (the line was as
    turned as the hip line, ``hip_yaw0`` deg, at the start), its sign from the world
    landmarks' shoulder yaw ``shoulder_yaw`` (n,) (MediaPipe's depth gives the side
    reliably, not the size); minus the hip line's start yaw."""
    cos0 = np.cos(np.radians(hip_yaw0 if hip_yaw0 == hip_yaw0 else 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):  # an unseen start: NaN, no angle
        c = np.clip(ratio / ratio0 * cos0, -1.0, 1.0)
    sign = np.where(np.nan_to_num(shoulder_yaw) < 0, -1.0, 1.0)
    start = hip_yaw0 if hip_yaw0 == hip_yaw0 else 0.0
    return sign * np.degrees(np.arccos(c)) - start


def _side_bend_group(sm: NDArray[np.float64], plan: Plan, baseline: dict[str, float],
                     i_ext: int) -> dict[str, float]:  # fmt: skip
    """Side bending: the bend's range (deg) and side (+1 left, -1 right) on the counted
    signal, and what else moved from the rep's start: trunk rotation (world landmarks,
    deg; they read about half a rotation, see the README), forward bend (world trunk
    inclination, deg), knee bend (deg, 3-D outside a side view), hips' sideways shift (% of
    hip width)."""
    peak = _signed_peak(sm[:, COL[plan.primary]], i_ext)
    knee = sm[:, COL[plan.knee]]
    return {
        "side_bend_deg": abs(peak),
        "side": float(np.sign(peak)) if peak == peak else float("nan"),
        "rotation_world_deg": _largest_change(sm[:, COL["trunk_twist_world"]]),
        "forward_bend_deg": _max(sm[:, COL["trunk_inclination_world"]]
                                 - sm[0, COL["trunk_inclination_world"]]),
        "knee_bend_deg": _max(knee - knee[0]) if len(knee) else float("nan"),
        "hip_shift_pct": 100.0 * _largest_change(sm[:, COL["hip_shift"]]),
    }


def _rotation_group(sm: NDArray[np.float64], plan: Plan, baseline: dict[str, float],
                    i_ext: int) -> dict[str, float]:  # fmt: skip
    """Trunk rotation: its range (deg) and side (+1 left, -1 right) at the rep's extreme,
    from the image widths with the world landmarks' side (:func:`width_twist`), and from
    the world landmarks alone (``rotation_world_deg``)."""
    twist = width_twist(sm[:, COL["shoulder_hip_width"]], sm[:, COL["shoulder_yaw_world"]],
                        baseline.get("shoulder_hip_width", float("nan")),
                        baseline.get("hip_yaw_world", float("nan")))  # fmt: skip
    peak = _signed_peak(twist, i_ext)
    world = _signed_peak(sm[:, COL["trunk_twist_world"]], i_ext)
    side = float(np.sign(peak)) if peak == peak and peak != 0 else float(np.sign(world))
    if not plan.rom_measured:  # counted only: no angle is shown (ExerciseSpec.rom_views)
        return {"rotation_deg": float("nan"), "rotation_world_deg": float("nan"), "side": side}
    return {"rotation_deg": abs(peak), "rotation_world_deg": abs(world), "side": side}


MEASURE_GROUPS: Final[dict[str, Callable[..., dict[str, float]]]] = {
    "side_bend": _side_bend_group,
    "rotation": _rotation_group,
}
"""Extra measurement groups an exercise names in ``ExerciseSpec.measure_groups``:
``(filtered rep window (n, F), plan, baseline, extreme index) -> measurements``."""
