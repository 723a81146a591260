"""An exercise defined by demonstration: one or two good reps in, an :class:`ExerciseSpec` out.

:func:`learn` takes the pose of a demonstration (optionally a span of a longer clip) and:

1. finds the person's side, facing and camera view, and every per-frame feature
   (:func:`formcheck.kinematics.signals.frame_features`), through the same set-up as
   :class:`~formcheck.exercise.session.Session`;
2. measures how each candidate signal of that view moved (:class:`Movement`: from its
   start posture to its farthest value, in which direction, over how much of the time
   it was seen), and proposes as the primary signal the one that moved most for its kind
   (an angle by 15 deg, a height by 10 % of the leg is "moved");
3. derives the counter's thresholds from the demonstrated excursion (a rep must go 40 %
   of it, and come back within 25 %), replays the demonstration through a ``Session``
   with them, and keeps the reps it counts;
4. makes the template of those reps (:mod:`formcheck.exercise.template_match`): every
   joint angle seen throughout, normalised in time and to its start value, averaged
   over the reps after time-warping.

A demonstration that cannot make a working definition is refused with the reason
(:class:`DemonstrationRefused`): too few frames, no person in view, nothing moved, the
movement left the view, or no rep that returned to its start.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
from numpy.typing import NDArray

from formcheck.config import Config, CounterConfig
from formcheck.errors import FormcheckError
from formcheck.exercise.definitions import (
    BUILT_IN,
    DefinitionSettings,
    ExerciseSpec,
    Signal,
)
from formcheck.exercise.measures import smooth_window
from formcheck.exercise.session import Session
from formcheck.exercise.template_match import SAMPLES, Template, mean_curves, normalised_curves
from formcheck.kinematics.angles import Side
from formcheck.kinematics.signals import COL, masked_points, other_side
from formcheck.kinematics.viewpoint import Calibration
from formcheck.pose.sequence import PoseSequence

__all__ = [
    "CANDIDATES",
    "DemonstrationRefused",
    "Movement",
    "Proposal",
    "learn",
    "choose_primary",
    "movements",
    "proposed_settings",
]

MIN_DURATION_S = 1.0
MIN_FRAMES = 15
MIN_SEEN = 0.8
"""A signal unseen in more than 1 - this share of the demonstration left the view."""
TEMPLATE_SEEN = 0.9
"""A joint angle joins the template when seen in at least this share of the frames."""
FAR_SIDE = 0.8
"""Weight of a far-side signal when choosing the primary (:attr:`Movement.rank`)."""
ENTER_SHARE, REST_SHARE = 0.4, 0.25
TOLERANCE_SHARE = 0.35
"""A joint off by this share of the demonstrated excursion on average scores 0 (floor 10 deg)."""
"""Counter thresholds as shares of the demonstrated excursion."""
PHASES: Final = ("start", "moving", "end_range", "returning")
MEASUREMENTS: Final = ("start_s", "extreme_s", "end_s", "duration_s", "out_s", "hold_s",
                       "back_s", "excursion")  # fmt: skip

# (unit, least change that is a movement) of each candidate signal
_DEG, _LEG = ("deg", 15.0), ("% leg", 10.0)
CANDIDATES: Final[dict[str, dict[str, tuple[str, float]]]] = {
    "side": {"hip_flexion": _DEG, "knee_flexion": _DEG, "trunk_inclination": _DEG,
             "hip_flexion_other": _DEG, "knee_flexion_other": _DEG, "hip_height_leg": _LEG},
    "oblique": {"hip_flexion": _DEG, "knee_flexion": _DEG, "trunk_inclination_world": _DEG,
                "knee_flexion_world": _DEG, "lateral_lean": _DEG, "shoulder_tilt": _DEG,
                "hip_flexion_other": _DEG, "knee_flexion_other": _DEG, "hip_height_leg": _LEG},
    "frontal": {"lateral_lean": _DEG, "shoulder_tilt": _DEG, "hip_flexion": _DEG,
                "knee_flexion": _DEG, "hip_flexion_other": _DEG, "knee_flexion_other": _DEG,
                "trunk_inclination_world": _DEG, "knee_flexion_world": _DEG,
                "hip_height_leg": _LEG},
}  # fmt: skip
"""The signals a demonstration may count, per camera view, with their unit and the least
change that counts as moving. Side-on, frontal-plane signals (shoulder tilt, lean) are
projections of nearly overlapping points and not offered; outside a side view, the trunk's
sagittal angle comes from the world landmarks."""
CANDIDATES["unknown"] = CANDIDATES["oblique"]

_NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")


class DemonstrationRefused(FormcheckError):
    """The demonstration cannot make a working definition; the message says why."""


@dataclass(frozen=True)
class Movement:
    """How one signal moved in the demonstration: its ``start`` value (the set-up median),
    its farthest value from it (``extreme``), the ``direction`` (+1: away is larger),
    ``excursion`` = |extreme - start| in ``unit``, the least change that is a movement
    (``threshold``) and the share of frames it was ``seen`` in."""

    feature: str
    unit: str
    start: float
    extreme: float
    direction: int
    excursion: float
    threshold: float
    seen: float

    @property
    def strength(self) -> float:
        """Excursion over the least movement (>= 1: it moved)."""
        return self.excursion / self.threshold if math.isfinite(self.excursion) else 0.0

    @property
    def rank(self) -> float:
        """The strength, the far side's discounted by ``FAR_SIDE``: its landmarks are
        hidden behind the body and guessed, so of two legs moving alike the near one is
        counted."""
        return self.strength * (FAR_SIDE if self.feature.endswith("_other") else 1.0)


@dataclass(frozen=True)
class Proposal:
    """A learned definition with the evidence for it: the ``spec`` (file-ready), every
    candidate's ``movements`` (strongest first), the demonstrated ``reps`` ((start, end) s),
    and the demonstration's time ``t`` (N,) s with smoothed ``curves`` (name -> (N,)) of the
    candidates, for plots."""

    spec: ExerciseSpec
    movements: tuple[Movement, ...]
    reps: tuple[tuple[float, float], ...]
    t: NDArray[np.float64]
    curves: dict[str, NDArray[np.float64]]

    @property
    def primary(self) -> Movement:
        return next(m for m in self.movements if m.feature == self.spec.primary)


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"exercise name {name!r}: use 2-40 lower-case letters, digits and _,"
                         " starting with a letter (e.g. knee_raise)")  # fmt: skip
    if name in BUILT_IN:
        raise ValueError(f"exercise name {name!r} is a built-in exercise; choose another")


def span(seq: PoseSequence, start_s: float | None, end_s: float | None) -> PoseSequence:
    """The frames of ``seq`` from ``start_s`` to ``end_s`` (s, None: the clip's ends)."""
    lo = 0 if start_s is None else int(np.searchsorted(seq.t, start_s, side="left"))
    hi = len(seq) if end_s is None else int(np.searchsorted(seq.t, end_s, side="right"))
    if start_s is not None and end_s is not None and end_s <= start_s:
        raise ValueError(f"--to ({end_s:g} s) must be after --from ({start_s:g} s)")
    return seq.slice(lo, hi)


def _probe_spec(name: str, side: Side | None) -> ExerciseSpec:
    """A definition that counts nothing: for the set-up and the features only."""
    never = DefinitionSettings(CounterConfig(999.0, 500.0, 1.0))
    return ExerciseSpec(name, name, "trunk_inclination", "deg", 1, PHASES, False, (), (),
                        settings=never, side=side)  # fmt: skip


def _features(seq: PoseSequence, config: Config, name: str, side: Side | None = None
              ) -> tuple[Session, NDArray[np.float64]]:  # fmt: skip
    """The set-up (a session that counts nothing; measuring ``side``, None: the camera's)
    and every frame's features (N, F)."""
    probe = Session(_probe_spec(name, side), config=config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        probe.replay(seq)
    if probe.calibration is None:
        raise DemonstrationRefused("no person fully in view in the demonstration (one side's"
                                   " shoulder, hip and knee): film the whole body")  # fmt: skip
    pts = masked_points(seq.image, seq.world, seq.width, seq.height,
                        config.cleaning.min_visibility)  # fmt: skip
    return probe, probe.features(pts)


def movements(t: NDArray[np.float64], sm: NDArray[np.float64], baseline: dict[str, float],
              view: str) -> tuple[Movement, ...]:  # fmt: skip
    """How each candidate signal of ``view`` moved: smoothed features ``sm`` (N, F) at ``t``
    (N,) s, start values from ``baseline``; strongest first."""
    out = []
    for feature, (unit, least) in CANDIDATES[view].items():
        x = sm[:, COL[feature]]
        seen = float(np.isfinite(x).mean()) if len(x) else 0.0
        start = baseline.get(feature, math.nan)
        if not math.isfinite(start):
            finite = x[np.isfinite(x)]
            start = float(finite[0]) if len(finite) else math.nan
        away = np.abs(x - start)
        if not np.isfinite(away).any():
            out.append(Movement(feature, unit, start, math.nan, 1, math.nan, least, seen))
            continue
        far = int(np.nanargmax(away))
        extreme = float(x[far])
        out.append(Movement(feature, unit, start, extreme, 1 if extreme >= start else -1,
                            float(away[far]), least, seen))  # fmt: skip
    return tuple(sorted(out, key=lambda m: -m.rank))


def choose_primary(moved: tuple[Movement, ...], chosen: str | None = None) -> Movement:
    """The primary signal: the strongest movement seen throughout (or the one ``chosen``,
    a physiotherapist's choice, if it moved and was seen); refused (with the reason) when
    nothing moved, or what moved most was out of view too often."""
    if chosen is not None:
        pick = next((m for m in moved if m.feature == chosen), None)
        if pick is None:
            names = ", ".join(m.feature for m in moved)
            raise ValueError(f"primary signal {chosen!r} is not offered in this view; offered:"
                             f" {names}")  # fmt: skip
        moved = (pick,)
    seen = [m for m in moved if m.seen >= MIN_SEEN]
    best_seen = max(seen, key=lambda m: m.rank, default=None)
    strongest = moved[0] if moved else None
    if best_seen is not None and best_seen.strength >= 1.0:
        return best_seen
    if strongest is not None and strongest.strength >= 1.0:
        raise DemonstrationRefused(
            f"the movement left the view: {strongest.feature} (moved {strongest.excursion:.0f}"
            f" {strongest.unit}) was seen in only {strongest.seen:.0%} of the demonstration;"
            " keep the whole body in the frame")  # fmt: skip
    if best_seen is None:
        raise DemonstrationRefused("the movement left the view: no joint angle was seen in"
                                   f" {MIN_SEEN:.0%} of the demonstration")  # fmt: skip
    raise DemonstrationRefused(
        f"nothing moved: no signal changed by its least movement (the most: {best_seen.feature}"
        f" {best_seen.excursion:.0f} {best_seen.unit}, needs {best_seen.threshold:g})")


def proposed_settings(primary: Movement, knee_bend: float) -> DefinitionSettings:
    """Counter thresholds from the demonstrated excursion, and the live knee cue beyond the
    knee bend the demonstration itself showed (``knee_bend`` deg beyond its start)."""
    e = primary.excursion
    rest = round(REST_SHARE * e, 1)
    counter = CounterConfig(enter=round(ENTER_SHARE * e, 1), rest=rest,
                            onset=round(0.25 * rest, 2))  # fmt: skip
    knee = max(15.0, round(knee_bend + 15.0, 1)) if math.isfinite(knee_bend) else 15.0
    return DefinitionSettings(counter, knee_bend_deg=knee)


DRAWN: Final = ("trunk_inclination", "hip_flexion", "knee_flexion")
"""The angles the pages can draw on the video (the live state carries these)."""


def _shown(primary: Movement) -> str:
    """The drawn angle: the counted one (its image version), else the knee."""
    base = primary.feature.removesuffix("_world")
    return base if base in DRAWN else "knee_flexion"


def _spec(name: str, title: str | None, primary: Movement, settings: DefinitionSettings
          ) -> ExerciseSpec:  # fmt: skip
    return ExerciseSpec(
        name=name,
        title=title or name.replace("_", " ").capitalize(),
        primary=primary.feature,
        unit=primary.unit,
        direction=primary.direction,
        phases=PHASES,
        needs_side_view=False,
        measurements=MEASUREMENTS,
        cues=(),
        signals={"default": Signal(primary.feature, primary.unit, primary.direction)},
        shown_angle=_shown(primary),
        rom="excursion",
        settings=settings,
    )


def _template(t: NDArray[np.float64], sm: NDArray[np.float64], view: str,
              reps: list[tuple[float, float]], primary: Movement) -> Template:  # fmt: skip
    """The demonstrated reps' mean normalised angle curves (angles seen throughout)."""
    seen = np.isfinite(sm).mean(axis=0) if len(sm) else np.zeros(sm.shape[1])
    joints = tuple(f for f, (unit, _) in CANDIDATES[view].items()
                   if unit == "deg" and seen[COL[f]] >= TEMPLATE_SEEN)  # fmt: skip
    cols = [COL[j] for j in joints]
    curves = [normalised_curves(t, sm[:, cols], a, b, SAMPLES) for a, b in reps]
    mean = mean_curves(curves)
    keep = np.isfinite(mean).all(axis=1)
    kept = np.asarray(keep).tolist()
    joints, mean = tuple(j for j, k in zip(joints, kept, strict=True) if k), mean[keep]
    scale = primary.excursion if primary.unit == "deg" else float(np.ptp(mean))
    tolerance = TOLERANCE_SHARE * scale
    return Template(joints, tuple(tuple(round(float(v), 2) for v in row) for row in mean),
                    round(max(10.0, tolerance), 1))  # fmt: skip


def learn(seq: PoseSequence, name: str, *, title: str | None = None,
          start_s: float | None = None, end_s: float | None = None,
          config: Config | None = None, source: str | None = None,
          primary: str | None = None, enter: float | None = None,
          rest: float | None = None) -> Proposal:  # fmt: skip
    """Learn an exercise from the demonstration in ``seq`` (frames ``start_s``..``end_s`` s).

    The physiotherapist may override the proposal: the ``primary`` signal (a feature
    name among :data:`CANDIDATES` of the view), and the counter's ``enter`` and ``rest``
    thresholds (in the signal's unit). Raises ``ValueError`` for a bad name, span or
    override, :class:`DemonstrationRefused` with the reason when no working definition
    can be made."""
    _check_name(name)
    config = config or Config()
    demo = span(seq, start_s, end_s)
    duration = float(demo.t[-1] - demo.t[0]) if len(demo) else 0.0
    if len(demo) < MIN_FRAMES or duration < MIN_DURATION_S:
        raise DemonstrationRefused(
            f"too few frames: the demonstration has {len(demo)} frames over {duration:.1f} s;"
            f" it needs at least {MIN_FRAMES} frames and {MIN_DURATION_S:g} s (a whole rep)")
    calib, sm, moved = _measure(demo, config, name, None)
    chosen = choose_primary(moved, primary)
    if chosen.feature.endswith("_other"):  # the far leg moved: measure that side's angles
        calib, sm, moved = _measure(demo, config, name, other_side(calib.side))
        chosen = choose_primary(moved, primary and primary.removesuffix("_other"))
    knee = next((m for m in moved if m.feature == "knee_flexion"), None)
    settings = _adjusted(proposed_settings(chosen, knee.excursion if knee else math.nan),
                         enter, rest)  # fmt: skip
    return _finish(demo, config, name, title, source, chosen, settings, moved, sm, calib)


def _measure(demo: PoseSequence, config: Config, name: str, side: Side | None
             ) -> tuple[Calibration, NDArray[np.float64], tuple[Movement, ...]]:  # fmt: skip
    """Calibration, smoothed features (N, F) and movements of the demonstration."""
    probe, feats = _features(demo, config, name, side)
    assert probe.calibration is not None
    sm = smooth_window(demo.t, feats, config)
    return probe.calibration, sm, movements(demo.t, sm, probe.calibration.baseline,
                                            probe.calibration.view)  # fmt: skip


def _adjusted(settings: DefinitionSettings, enter: float | None, rest: float | None
              ) -> DefinitionSettings:  # fmt: skip
    """The proposal with the thresholds a physiotherapist set (checked as the counter does)."""
    if enter is None and rest is None:
        return settings
    c = settings.counter
    enter = c.enter if enter is None else float(enter)
    rest = c.rest if rest is None else float(rest)
    if not 0 < rest < enter:
        raise ValueError(f"the return threshold ({rest:g}) must be above 0 and below the rep"
                         f" threshold ({enter:g})")  # fmt: skip
    counter = replace(c, enter=enter, rest=rest, onset=round(min(c.onset, 0.25 * rest), 2))
    return replace(settings, counter=counter)


def _finish(demo: PoseSequence, config: Config, name: str, title: str | None,
            source: str | None, primary: Movement, settings: DefinitionSettings,
            moved: tuple[Movement, ...], sm: NDArray[np.float64], calib: Calibration
            ) -> Proposal:  # fmt: skip
    """Count the demonstration with the proposed definition and make its template."""
    # the demonstrated leg stays the measured one, whichever side faces the camera later
    spec = replace(_spec(name, title, primary, settings), side=calib.side)
    counted = Session(spec, config=config).replay(demo).finish()  # a rep ending at the end too
    reps = [(r.start_s, r.end_s) for r in counted.reps]
    if not reps:
        raise DemonstrationRefused(
            f"no complete repetition: {primary.feature} left its start posture by"
            f" {primary.excursion:.0f} {primary.unit} but did not come back to it; show one or"
            " two whole reps, from the start posture back to it")  # fmt: skip
    template = _template(demo.t, sm, calib.view, reps[:2], primary)
    posture = {m.feature: round(m.start, 1) for m in moved
               if math.isfinite(m.start) and m.feature in template.joints + (primary.feature,)}
    demonstration = {
        "source": source or demo.meta.source or "",
        "from_s": round(float(demo.t[0]), 3),
        "to_s": round(float(demo.t[-1]), 3),
        "view": calib.view,
        "side": calib.side,
        "reps": len(reps),
        "rep_times_s": [[round(a, 3), round(b, 3)] for a, b in reps],
        "start_posture": posture,
    }
    spec = replace(spec, template=template, demonstration=demonstration)
    curves = {m.feature: sm[:, COL[m.feature]] for m in moved}
    return Proposal(spec, moved, tuple(reps), demo.t.copy(), curves)
