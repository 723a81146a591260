"""The Timed Up and Go (TUG): its total time and phases, and the norms to compare with.

The person rises from a chair, walks 3 m, turns, walks back and sits down (Podsiadlo
and Richardson 1991; CDC STEADI). formcheck times it from rise onset to seat contact
on one sit-to-stand rep (the counter's, with the same seated and standing signals as
every sit-to-stand), and splits the standing part of that rep with the walking
signals of :mod:`formcheck.kinematics.walking`:

- **rise**: rise onset -> the hips at ``stand_share`` of their standing height;
- **walk out**: -> the last frame walking straight out: travelling away at
  ``walk_share`` or more of the walking speed, heading within ``turn_deg`` of the
  walk out's;
- **turn**: -> the first frame walking straight back (the same, mirrored);
- **walk back**: -> the last frame walking straight back;
- **turn and sit**: -> seat contact.

The walking speed is this person's own (the 75th percentile of the speed along the
path between rise and sit), so the thresholds hold for a slow or a fast walker, near
or far from the camera. The turn is found around the farthest point of the path,
whether the walk goes across the frame or away from the camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from formcheck.config import TugConfig
from formcheck.exercise.clinical import TestInputs, TestPhase, TestResult
from formcheck.kinematics.cleaning import interpolate_gaps, zero_phase_lowpass
from formcheck.kinematics.signals import COL
from formcheck.kinematics.walking import WALK_FEATURES, heading_deg, travel

__all__ = ["TugPhases", "tug_phases", "tug_norm", "score_tug", "PHASE_NAMES",
           "NOT_ENDED", "NOT_STARTED", "NO_WALK", "NO_TURN", "TUG_BOHANNON",
           "STEADI_FALL_RISK_S"]

PHASE_NAMES: Final = ("rise", "walk_out", "turn", "walk_back", "turn_and_sit")
NOT_STARTED: Final = "the TUG did not start: no rise from the chair seen"
NOT_ENDED: Final = "the TUG did not end: no return to sitting seen"
NO_WALK: Final = "no walk seen between the rise and the sit: not a TUG"
NO_TURN: Final = "no turn seen between walking out and walking back"

TUG_BOHANNON: Final = ((60, 69, 8.1, 9.0), (70, 79, 9.2, 10.2), (80, 99, 11.3, 12.7))
"""Age band -> (mean s, upper 95 % confidence limit s), Bohannon 2006 (J Geriatr Phys
Ther 29:64): slower than the upper limit is worse than average."""
STEADI_FALL_RISK_S: Final = 12.0
"""CDC STEADI: an older adult who takes 12 s or more is at risk for falling."""


@dataclass(frozen=True)
class TugPhases:
    """Event times of one TUG, s on the clip's clock; None where not seen."""

    rise_onset_s: float
    standing_s: float
    turn_start_s: float | None
    turn_end_s: float | None
    walk_back_end_s: float | None
    sit_onset_s: float
    seat_s: float

    @property
    def total_s(self) -> float:
        return self.seat_s - self.rise_onset_s

    def bounds(self) -> tuple[tuple[str, float | None, float | None], ...]:
        """(phase, start s, end s) for ``PHASE_NAMES``."""
        ev = (self.rise_onset_s, self.standing_s, self.turn_start_s, self.turn_end_s,
              self.walk_back_end_s, self.seat_s)  # fmt: skip
        return tuple((name, ev[i], ev[i + 1]) for i, name in enumerate(PHASE_NAMES))


def _smooth(t: NDArray[np.float64], x: NDArray[np.float64], hz: float, gap_s: float
            ) -> NDArray[np.float64]:  # fmt: skip
    """Gap-filled (up to ``gap_s``) zero-phase low-passed copy of (n,) or (n, K) ``x``."""
    return zero_phase_lowpass(t, interpolate_gaps(t, x, gap_s), hz, 2)


def _standing_span(t: NDArray[np.float64], rel: NDArray[np.float64], onset_s: float,
                   seat_s: float, share: float) -> tuple[float, float]:  # fmt: skip
    """(standing reached, sitting begins), s: the first and last frame between rise onset
    and seat contact with the seated-standing signal ``rel`` (n,) (away from seated
    positive, smoothed) at ``share`` of the way from its level at onset to its standing
    level (its median over the rep: the walk's typical value, whichever way a stride
    swings it)."""
    inside = (t >= onset_s) & (t <= seat_s)
    seated = float(rel[inside][0])
    standing = float(np.nanmedian(rel[inside]))
    up = np.flatnonzero(inside & (rel >= seated + share * (standing - seated)))
    if not len(up):
        return onset_s, seat_s
    return float(t[up[0]]), float(t[up[-1]])


def _path(t: NDArray[np.float64], walk: NDArray[np.float64], focal_px: float,
          s: TugConfig) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # fmt: skip
    """(positions (n, 2) torso lengths, heading (n,) deg) from walking features (n, 4)."""
    pos = _smooth(t, walk[:, :1], s.lowpass_hz, s.max_gap_s)[:, 0]
    scale = _smooth(t, walk[:, 1:2], s.scale_lowpass_hz, s.max_gap_s)[:, 0]
    face = _smooth(t, walk[:, 2:4], s.lowpass_hz, s.max_gap_s)
    ok = np.isfinite(pos) & np.isfinite(scale) & np.isfinite(face).all(axis=1)
    where = np.full((len(t), 2), np.nan)
    head = np.full(len(t), np.nan)
    if ok.sum() >= 2:
        where[ok] = travel(t[ok], pos[ok], scale[ok], focal_px)
        head[ok] = heading_deg(face[ok, 0], face[ok, 1])
    return where, head


def tug_phases(
    t: NDArray[np.float64],
    rel: NDArray[np.float64],
    walk: NDArray[np.float64],
    onset_s: float,
    seat_s: float,
    focal_px: float,
    settings: TugConfig | None = None,
) -> TugPhases | str:
    """The phases of a TUG between rise onset ``onset_s`` and seat contact ``seat_s``
    (s, one sit-to-stand rep), from frame times ``t`` (n,) s, a signal ``rel`` (n,) that
    tells seated from standing (away from seated positive, raw), and walking features
    ``walk`` (n, 4) (``WALK_FEATURES``); ``focal_px`` the camera's focal length in pixels
    (for the depth part of the path). A reason (``NO_WALK``, ``NO_TURN``) instead when the
    rep holds no walk out and back."""
    s = settings or TugConfig()
    rel_s = _smooth(t, rel, 6.0, s.max_gap_s)
    stand_s, sit_s = _standing_span(t, rel_s, onset_s, seat_s, s.stand_share)
    where, head = _path(t, walk, focal_px, s)
    inside = np.flatnonzero((t >= stand_s) & (t <= sit_s) & np.isfinite(head))
    if len(inside) < 3:
        return NO_WALK
    d = where[inside] - where[inside[0]]
    dist = np.linalg.norm(d, axis=1)
    far = int(np.argmax(dist))
    if dist[far] < s.min_travel:
        return NO_WALK
    prog = d @ (d[far] / dist[far])
    speed = np.gradient(prog, t[inside])
    walking = s.walk_share * float(np.percentile(np.abs(speed), 75))
    hd = head[inside]
    out, back = speed >= walking, speed <= -walking
    if not out[:far].any() or not back[far:].any():
        return NO_TURN
    h_out = float(np.median(hd[:far][out[:far]]))
    h_back = float(np.median(hd[far:][back[far:]]))
    if abs(h_back - h_out) < 180.0 - s.turn_deg:
        return NO_TURN
    straight_out = np.flatnonzero(out & (np.abs(hd - h_out) < s.turn_deg))
    straight_back = np.flatnonzero(back & (np.abs(hd - h_back) < s.turn_deg))
    before = straight_out[straight_out < far]
    after = straight_back[straight_back > far]
    tt = t[inside]
    turn_start = float(tt[before[-1]]) if len(before) else None
    turn_end = float(tt[after[0]]) if len(after) else None
    back_end = float(tt[after[-1]]) if len(after) else None
    return TugPhases(onset_s, stand_s, turn_start, turn_end, back_end, sit_s, seat_s)


def tug_norm(time_s: float, age: int | None) -> dict[str, object]:
    """The TUG time against Bohannon 2006 by age band (60-99) and the CDC STEADI
    fall-risk threshold (12 s or more)."""
    norm: dict[str, object] = {
        "fall_risk_reference": "CDC STEADI (older adults): 12 s or more",
        "fall_risk_12s": time_s >= STEADI_FALL_RISK_S,
    }
    if age is None:
        norm["comparison"] = "give age to compare with norms"
        return norm
    for lo, hi, mean, upper in TUG_BOHANNON:
        if lo <= age <= hi:
            norm.update(reference=f"Bohannon 2006, age {lo}-{hi}: mean {mean} s",
                        mean_s=mean, threshold_s=upper,
                        worse_than_average=time_s > upper)  # fmt: skip
            return norm
    norm["comparison"] = f"no age-specific norm for age {age} (norms cover 60-99)"
    return norm


_WALK_COLS: Final = [COL[name] for name in WALK_FEATURES]


def _phases_of(ph: TugPhases) -> tuple[TestPhase, ...]:
    return tuple(TestPhase(name, _r(a), _r(b)) for name, a, b in ph.bounds())


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)


def _unseen(ph: TugPhases) -> tuple[str, ...]:
    """Notes for the phase bounds the walking signals did not show."""
    missing = [name for name, a, b in ph.bounds() if a is None or b is None]
    if not missing:
        return ()
    return (f"not seen: the bounds of {', '.join(m.replace('_', ' ') for m in missing)}"
            " (the person out of view or not walking straight)",)  # fmt: skip


def _seated_standing(inputs: TestInputs) -> NDArray[np.float64]:
    """(n,) the signal that tells seated from standing while the person walks, away from
    seated positive: the counted signal when it is a ratio of body lengths (side view: hip
    height over the leg; 45 deg: the knee), else the knee angle of the view (a signal
    counted in % of its start value, ``Plan.scale``, is a pixel height, which grows and
    shrinks as the person walks towards and away from the camera)."""
    plan = inputs.plan
    assert plan is not None
    if plan.scale == 1.0:
        return np.asarray(plan.relative(inputs.feats[:, COL[plan.primary]]))
    return -inputs.feats[:, COL[plan.knee]]


def score_tug(inputs: TestInputs) -> TestResult:
    """The TUG from the session: the first complete sit-to-stand rep that holds a walk
    out, a turn and a walk back. Without one, an invalid result with no time and the
    reason: no rise seen (``NOT_STARTED``), a rise but no return to sitting
    (``NOT_ENDED``), or a rep with no walk or no turn in it (``NO_WALK``, ``NO_TURN``)."""
    if not inputs.reps or inputs.plan is None:
        reason = NOT_ENDED if inputs.open_rep is not None else NOT_STARTED
        return TestResult(inputs.test, False, notes=(reason,))
    rel = _seated_standing(inputs)
    walk = inputs.feats[:, _WALK_COLS]
    focal = inputs.config.tug.focal_share * max(inputs.frame_size)
    reasons: list[str] = []
    for rep in inputs.reps:
        seat = float(rep.measurements.get("primary_end_s", rep.end_s))
        ph = tug_phases(inputs.t, rel, walk, rep.start_s, seat, focal, inputs.config.tug)
        if isinstance(ph, str):
            reasons.append(ph)
            continue
        total = round(ph.total_s, 2)
        return TestResult(inputs.test, True, time_s=total, norm=tug_norm(total, inputs.age),
                          notes=_unseen(ph), phases=_phases_of(ph))  # fmt: skip
    reason = NOT_ENDED if inputs.open_rep is not None else reasons[0]
    return TestResult(inputs.test, False, notes=(reason,))
