"""The streaming session: one object for live use and (by replay) offline analysis.

``Session.update(t, image_lm, world_lm, width, height)`` does, per frame:
visibility masking -> set-up (until the baseline is found) -> features (the
angle kernel with T = 1) -> the rep counter (inline causal One-Euro filter +
hysteresis) -> per-rep measurements, cues and score when a rep ends (from
that rep's window of raw features, zero-phase filtered). ``finish()`` builds
the :class:`~formcheck.exercise.report.Report`.

:meth:`Session.replay` (``formcheck.exercise.analysis.analyze``) feeds a whole clip to
the same object: set-up frame by frame, then the features of all later frames
in one vectorised call and one :meth:`RepCounter.feed` over them. Elementwise
NumPy gives the same numbers for 1 frame or T, so live and offline agree
exactly. The report is built by :mod:`formcheck.exercise.report_builder`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from formcheck.config import AnglesConfig, Config
from formcheck.errors import NoPersonFound
from formcheck.exercise.clinical import TestInputs, TestResult, not_seated
from formcheck.exercise.clinical_tests import TESTS, get_test
from formcheck.exercise.cues import incomplete_cue, rep_cues, score
from formcheck.exercise.definitions import EXERCISES, ExerciseSpec, Plan, get_exercise
from formcheck.exercise.display import (
    CUE_HOLD_S,
    CUE_MIN_SHOW_S,
    PHASE_HOLD_S,
    REP_CUE_SHOW_S,
    CueLevel,
    Debounced,
    rep_feedback,
)
from formcheck.exercise.measures import (
    LOOKBACK_S,
    measure_rep,
    rom_curve,
    smooth_window,
    time_in_band,
)
from formcheck.exercise.report import AngleCurves, Report, RepResult
from formcheck.exercise.report_builder import PARTIAL_REPS, build_report
from formcheck.exercise.reps import AWAY, REST, RepCounter, RepEvent
from formcheck.exercise.template_scoring import (
    compare_with_template,
    template_cues,
    template_fields,
)
from formcheck.kinematics.angles import Side
from formcheck.kinematics.signals import (
    COL,
    FEATURES,
    MEASURED_JOINTS,
    frame_features,
    masked_points,
    measured_points,
)
from formcheck.kinematics.viewpoint import VIEW_GUIDANCE, Calibration, SetupFinder, View
from formcheck.pose.landmarks import N_LANDMARKS
from formcheck.pose.sequence import PoseSequence

__all__ = ["Session", "LiveState", "FEET_HIDDEN", "PARTIAL_REPS", "frames_with_person"]

SEVERAL_PEOPLE = "Only one person in view, please"
TURN_SIDE_ON = "Turn side-on to the camera"
STEP_BACK = "Step back so your feet are in view"
_UNSEEN_S = 0.5  # the counted signal unseen this long: say what the person should do
FEET_HIDDEN = "Feet not visible: cannot count reps — step back so your whole body is in view"

NEVER_READY = {
    "Step back so your feet are in view": FEET_HIDDEN,
    "Step into view so your whole body is visible": "No person fully in view: cannot count reps"
    " — step into view so your whole body is visible",
}


@dataclass(frozen=True)
class LiveState:
    """What the live page shows after each frame.

    - ``t``: the frame time (s); ``phase``: "setup" until the baseline is
      found, then one of the exercise's phase names (e.g. "upright",
      "bending", "end_range", "returning"; sit-to-stand from seated: "seated",
      "rising", "standing", "sitting"; from standing: "standing", "lowering",
      "bottom", "rising");
    - ``rep_count``; ``angles``: current raw trunk_inclination, hip_flexion,
      knee_flexion (deg) and hip_height (% torso) on the side used;
    - ``primary``: (name, current value) of the counted signal (deg, or % torso
      for hip_height);
    - ``cue``: short patient-facing words or None; ``cue_level``: "good" |
      "warn" | "bad"; ``setup_messages``: guidance ("Turn side-on to the
      camera", "Step back so your feet are in view", "Hold still for a moment");
    - ``last_rep``: the :class:`RepResult` completed at this frame, else None;
    - ``view`` ("side" | "oblique" | "frontal" | "unknown"), ``side`` used;
    - ``test_elapsed_s`` / ``test_remaining_s``: for a clinical test (from rise onset);
    - ``points``: this frame's shoulder, hip, knee and ankle on the side used, as
      the angles measure them (estimated joint centres in side view), x and y
      normalised to the frame (0..1); empty during set-up or without a person;
      no shoulder when the trunk angle comes from world landmarks (outside a
      side view), as no image line measures it then;
    - ``guidance``: the one instruction the person must follow for the count
      to work, in large words, during the session (set-up and after): "Only one
      person in view, please", "Step back so your feet are in view", "Turn
      side-on to the camera"; None when all is well;
    - ``short_rep``: a rep completed at this frame that fell short of the target's
      count share (not counted; its cues say by how much), else None;
      ``target_deg``: the prescribed target (``config.target``), None without one;
      ``hold_s``: with a target and a hold, the seconds the rep in progress has held
      within the target band so far (None at rest; see :meth:`Session.hold_progress`).

    ``phase`` and ``cue`` are debounced (:mod:`formcheck.exercise.display`): a phase shows
    once it has held 0.3 s, a live cue once it has held 0.4 s, and stays 1.5 s.
    """

    t: float
    phase: str
    rep_count: int
    angles: dict[str, float]
    primary: tuple[str, float]
    cue: str | None
    cue_level: CueLevel
    setup_messages: list[str]
    last_rep: RepResult | None
    view: View
    side: Side | None
    test_elapsed_s: float | None = None
    test_remaining_s: float | None = None
    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    guidance: str | None = None
    short_rep: RepResult | None = None
    target_deg: float | None = None
    hold_s: float | None = None


class _History:
    """Growable per-frame arrays: ``t`` (N,) s and raw features (N, F)."""

    def __init__(self) -> None:
        self._t = np.empty(256)
        self._f = np.empty((256, len(FEATURES)))
        self.n = 0

    def extend(self, t: NDArray[np.float64], feats: NDArray[np.float64]) -> None:
        need = self.n + len(t)
        if need > len(self._t):
            size = max(need, 2 * len(self._t))
            self._t = np.resize(self._t, size)
            self._f = np.resize(self._f, (size, len(FEATURES)))
        self._t[self.n : need] = t
        self._f[self.n : need] = feats
        self.n = need

    @property
    def t(self) -> NDArray[np.float64]:
        return self._t[: self.n]

    @property
    def feats(self) -> NDArray[np.float64]:
        return self._f[: self.n]

    def window(
        self, start_s: float, end_s: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lo = int(np.searchsorted(self.t, start_s, side="left"))
        hi = int(np.searchsorted(self.t, end_s, side="right"))
        return self._t[lo:hi], self._f[lo:hi]


class Session:
    """One exercise session, fed frame by frame; see the module docstring."""

    def __init__(
        self,
        exercise: str | ExerciseSpec,
        *,
        test: str | None = None,
        config: Config | None = None,
        age: int | None = None,
        sex: str | None = None,
    ) -> None:
        # a name from the registry, or a definition given as it is (a file, a demonstration)
        self.spec: ExerciseSpec = (
            exercise if isinstance(exercise, ExerciseSpec) else get_exercise(exercise)
        )
        _check_test(test, self.spec, age, sex)
        self.test, self.age, self.sex = test, age, sex
        self.config = config or Config()
        self._features = functools.partial(_features, angles=self.config.angles)
        self._setup = SetupFinder(self.config.setup, self._features, self.spec.setup_joints,
                                  self.spec.side)  # fmt: skip
        self._pre_t: list[float] = []
        self._pre_pix: list[NDArray[np.float64]] = []
        self.calibration: Calibration | None = None
        self.plan: Plan | None = None
        self.counter: RepCounter | None = None
        self._hist = _History()
        self.reps: list[RepResult] = []
        self.partial_reps: list[RepResult] = []
        self.short_reps: list[RepResult] = []
        self._first_t = math.nan
        self._last_t = -math.inf
        self._frames = 0
        self._seen = 0
        self._points: dict[str, tuple[float, float]] = {}
        self._people = 1
        self._phase_shown: Debounced[str] = Debounced(PHASE_HOLD_S)
        self._cue_shown: Debounced[tuple[str | None, CueLevel]] = Debounced(
            CUE_HOLD_S, CUE_MIN_SHOW_S, idle=(None, "good")
        )
        self._unseen_since = math.nan
        self._frame_size = (0, 0)

    # -- live ---------------------------------------------------------------------------
    def update(
        self,
        t: float,
        image_lm: NDArray[np.floating] | None,
        world_lm: NDArray[np.floating] | None,
        width: int,
        height: int,
        *,
        people: int = 1,
    ) -> LiveState:
        """Feed one frame: ``t`` s (increasing), ``image_lm`` (33, 4) normalised
        x, y, z, visibility or None, ``world_lm`` (33, 3) m or None (gives the
        trunk angle outside a side view), frame size in pixels, and how many
        people the pose model found in it. Returns the state to display. A frame
        whose ``t`` is not later than the previous one is ignored."""
        self._people = people
        image = _row(image_lm, 4, "image_lm")
        world = _row(world_lm, 3, "world_lm")
        if float(t) <= self._last_t:  # time must increase: a repeated frame changes nothing
            return self._live_state(self._last_t, False)
        self._last_t = float(t)
        self._frame_size = (int(width), int(height))
        pts = masked_points(
            image[None], world[None], width, height, self.config.cleaning.min_visibility
        )[0]
        before, short_before = len(self.reps), len(self.short_reps)
        if self.calibration is None:
            self._setup_frame(float(t), image, pts)
        else:
            row = pts[None]
            self._run(np.array([float(t)]), self.features(row), frames_with_person(row))
            self._points = self._measured(pts[:, :2], width, height)
        short = self.short_reps[-1] if len(self.short_reps) > short_before else None
        return self._live_state(float(t), len(self.reps) > before, short)

    def _measured(
        self, pix: NDArray[np.float64], width: int, height: int
    ) -> dict[str, tuple[float, float]]:
        """Normalised measured points of one frame's pixels (33, 2) (see ``LiveState``)."""
        assert self.calibration is not None
        c = self.calibration
        world = self.plan is not None and self.plan.trunk.endswith("_world")
        xy = measured_points(pix[None], c.side, c.facing, self.config.angles.centres_for(c.view),
                             trunk_world=world)[0] / np.array([width, height])  # fmt: skip
        return {j: (float(x), float(y)) for j, (x, y) in zip(MEASURED_JOINTS, xy, strict=True)
                if np.isfinite(x) and np.isfinite(y)}  # fmt: skip

    def finish(self) -> Report:
        """The report of everything fed so far (a rep back at rest but not yet
        settled counts as complete)."""
        self._flush()
        return build_report(self)

    def replay(self, seq: PoseSequence, progress: Callable[[float], None] | None = None
               ) -> Session:  # fmt: skip
        """Feed a whole clip: set-up frame by frame (as live), then every later frame's
        features in one vectorised call through one ``RepCounter.feed``, so the counter
        sees exactly the numbers it would see live. ``progress`` gets 0.5 after set-up
        and 1.0 at the end. Raises ``NoPersonFound`` when no frame shows a person."""
        if len(seq) == 0 or not seq.detected.any():
            raise NoPersonFound(f"{seq.meta.source or 'clip'}: no person found in any frame")
        pts = masked_points(seq.image, seq.world, seq.width, seq.height,
                            self.config.cleaning.min_visibility)  # fmt: skip
        self._frame_size = (int(seq.width), int(seq.height))
        k = 0
        while k < len(seq) and self.calibration is None:
            self._last_t = float(seq.t[k])
            self._setup_frame(float(seq.t[k]), seq.image[k].astype(np.float64), pts[k])
            k += 1
        if progress is not None:
            progress(0.5)
        if self.calibration is not None and k < len(seq):
            self._last_t = float(seq.t[-1])
            self._run(seq.t[k:], self.features(pts[k:]), frames_with_person(pts[k:]))
        if progress is not None:
            progress(1.0)
        return self

    def _flush(self) -> None:
        if self.counter is not None:
            for event in self.counter.flush():
                self._add(event)

    # -- shared by live and offline -----------------------------------------------------
    def features(self, pts: NDArray[np.float64]) -> NDArray[np.float64]:
        """(N, F) features of masked points (N, 33, 5) for the calibrated side and facing."""
        assert self.calibration is not None
        c = self.calibration
        return self._features(pts, c.side, c.facing, np.asarray(c.forward3), c.view)

    def _setup_frame(self, t: float, image: NDArray[np.float64], pts: NDArray[np.float64]) -> None:
        self._count_frame(t, pts)
        self._pre_t.append(t)
        self._pre_pix.append(pts)
        calib = self._setup.update(t, image, pts)
        if calib is not None:
            self._lock(calib)

    def _count_frame(self, t: float, pix: NDArray[np.float64]) -> None:
        if self._first_t != self._first_t:
            self._first_t = t
        self._frames += 1
        self._seen += frames_with_person(pix[None])

    def _lock(self, calib: Calibration) -> None:
        self.calibration = calib
        self.plan = self.spec.plan(calib, self.config)
        cl = self.config.cleaning
        self.counter = RepCounter(
            **self.plan.counter.counter_kwargs(),
            min_cutoff_hz=cl.one_euro_min_cutoff_hz,
            beta=cl.one_euro_beta,
            d_cutoff_hz=cl.one_euro_d_cutoff_hz,
        )
        pts = np.asarray(self._pre_pix).reshape(-1, N_LANDMARKS, 5)
        t, feats = np.asarray(self._pre_t), self.features(pts)
        self._pre_t, self._pre_pix = [], []
        self._frames -= len(t)  # counted once already, by _count_frame
        self._seen -= frames_with_person(pts)
        self._run(t, feats, frames_with_person(pts))  # the counter sees every frame from the first

    def _run(self, t: NDArray[np.float64], feats: NDArray[np.float64], seen: int) -> None:
        """Counter + rep results over frames ``t`` (N,) with features (N, F), of
        which ``seen`` show the person (see :func:`frames_with_person`)."""
        assert self.plan is not None and self.counter is not None
        self._frames += len(t)
        self._seen += seen
        self._hist.extend(t, feats)
        x = self.plan.relative(feats[:, COL[self.plan.primary]])
        for event in self.counter.feed(t, x):
            self._add(event)

    def _add(self, event: RepEvent) -> None:
        """A rep the counter reported: counted, or noted (begun mid-movement; or short of
        the target's count share, ``config.target.count_share``)."""
        if event.partial:
            self.partial_reps.append(self._result(event, 0, complete=False))
            return
        result = self._result(event, len(self.reps) + 1)
        if self._counts(result):
            self.reps.append(result)
        else:
            self.short_reps.append(dataclasses.replace(result, index=0))

    def _counts(self, rep: RepResult) -> bool:
        """Without a target every rep counts; with one, a rep whose ROM reached
        ``count_share`` of it."""
        target = self.config.target
        return not target.active or rep.rom_deg >= target.count_share * target.deg

    def _result(self, event: RepEvent, index: int, complete: bool = True) -> RepResult:
        assert self.plan is not None and self.calibration is not None
        t, feats = self._hist.window(event.start_s - LOOKBACK_S, event.emitted_s)
        m = measure_rep(t, feats, self.plan, self.config, self.calibration.baseline, event)
        cues = rep_cues(self.spec.cues, m, self.config, self.plan, self.calibration.view)
        if not complete:
            cues = [incomplete_cue(self.plan, m["excursion"])] + cues
        points, deductions = score(cues)
        fit = None
        if self.spec.template is not None:  # a demonstrated exercise: how closely it followed
            fit = compare_with_template(self.spec.template, t, feats, m, self.config)
            cues, points, deductions = template_cues(fit, self.spec.template, cues, points,
                                                     deductions)  # fmt: skip
        rom = _rom(self.plan, m)
        target = self.config.target
        return RepResult(
            index,
            m["start_s"],
            m["extreme_s"],
            m["end_s"],
            rom,
            m,
            cues,
            points,
            deductions,
            complete,
            target_deg=target.deg if target.active else None,
            target_reached=bool(rom >= target.deg) if target.active else None,
            hold_reached=bool(m["target_hold_s"] >= target.hold_s) if target.hold_s > 0 else None,
            side=_side(m),
            **template_fields(fit),
        )

    def open_rep(self) -> RepResult | None:
        """The rep in progress (away from the start posture) as an incomplete result."""
        if self.counter is None or self.counter.state != AWAY or self._hist.n == 0:
            return None
        start = self.counter.open_rep_start_s
        event = RepEvent(
            start,
            self.counter.extreme_s,
            float(self._hist.t[-1]),
            self.counter.extreme,
            self.counter.entered_s,
            float(self._hist.t[-1]),
        )
        return self._result(event, len(self.reps) + 1, complete=False)

    # -- live state ---------------------------------------------------------------------
    def _live_state(self, t: float, new_rep: bool, short: RepResult | None = None
                    ) -> LiveState:  # fmt: skip
        calib = self.calibration
        if calib is None or self.plan is None or self.counter is None:
            guidance = self._setup.messages[0] if self._setup.messages else None
            if self._people > 1:
                guidance = SEVERAL_PEOPLE
            return LiveState(t, "setup", 0, {}, ("", math.nan), None, "warn",
                             list(self._setup.messages), None, "unknown", None,
                             guidance=guidance)  # fmt: skip
        row = self._hist.feats[-1]
        angles = {n: float(row[COL[n]]) for n in ("hip_flexion", "knee_flexion")}
        angles["trunk_inclination"] = float(row[COL[self.plan.trunk]])
        angles["knee_flexion"] = float(row[COL[self.plan.knee]])
        angles["hip_height"] = float(row[COL["hip_height"]])
        if self.spec.shown_angle in COL and self.spec.shown_angle not in angles:
            angles[self.spec.shown_angle] = float(row[COL[self.spec.shown_angle]])
        last = max((*self.reps[-1:], *self.short_reps[-1:]), key=lambda r: r.end_s, default=None)
        cue, level = self._cue_shown.update(t, self._live_cue(t, row, last))
        elapsed, remaining = self._test_clock(t)
        return LiveState(
            t,
            self._phase_shown.update(t, self._phase()),
            len(self.reps),
            angles,
            (self.plan.primary.removesuffix("_world"), float(row[COL[self.plan.primary]])),
            cue,
            level,
            self._view_messages() + ([problem] if (problem := self.setup_problem()) else []),
            self.reps[-1] if new_rep else None,
            calib.view,
            calib.side,
            elapsed,
            remaining,
            points=dict(self._points),
            guidance=self._guidance(t, row),
            short_rep=short,
            target_deg=self.config.target.deg if self.config.target.active else None,
            hold_s=self.hold_progress(),
        )

    def hold_progress(self) -> float | None:
        """Live: seconds the rep in progress has held within the target band so far (raw
        per-frame features, so a guide for the page; the rep's own ``target_hold_s``,
        from filtered features, is the measurement). None without a target and a hold,
        or at rest."""
        target = self.config.target
        if (not target.active or target.hold_s <= 0 or self.plan is None
                or self.counter is None or self.counter.state != AWAY):  # fmt: skip
            return None
        t, feats = self._hist.window(self.counter.open_rep_start_s, math.inf)
        knee = feats[:, COL[self.plan.knee]]
        top = float(np.nanmin(knee)) if np.isfinite(knee).any() else math.nan
        curve = rom_curve(feats, self.plan, {"knee_top_deg": top})
        return time_in_band(t, curve, target.deg - target.band_deg)
    def _view_messages(self) -> list[str]:
        """Set-up messages, without the view guidance when the view is one the exercise is
        filmed from (``ExerciseSpec.views``: side bending from the front)."""
        assert self.calibration is not None
        c = self.calibration
        if c.view in self.spec.views:
            return [m for m in c.messages if m != VIEW_GUIDANCE.get(c.view)]
        return list(c.messages)

    def _guidance(self, t: float, row: NDArray[np.float64]) -> str | None:
        """The one thing the person should do now for the count to work, or None:
        one person only; the counted signal back in view; a side view where the
        exercise's angles need one."""
        assert self.plan is not None and self.calibration is not None
        if self._people > 1:
            return SEVERAL_PEOPLE
        if np.isfinite(row[COL[self.plan.primary]]):
            self._unseen_since = math.nan
        elif self._unseen_since != self._unseen_since:
            self._unseen_since = t
        if t - self._unseen_since >= _UNSEEN_S:
            return STEP_BACK if self.plan.legs else VIEW_GUIDANCE["unknown"]
        if self.spec.needs_side_view and self.calibration.view != "side":
            return TURN_SIDE_ON
        if self.spec.guide_view and self.calibration.view not in self.spec.views:
            return self.spec.view_advice  # e.g. side bending filmed side-on: "Face the camera"
        return None

    def _phase(self) -> str:
        """The raw phase of this frame: at rest, moving out (away from the start
        posture and still moving), at end range (away and slow), or coming back."""
        assert self.plan is not None and self.counter is not None
        rest, out, end_range, back = self.plan.phases
        c = self.counter
        slow = 0.5 * c.enter  # units per second: slower than this is holding still
        if c.state == REST:
            moving = c.value - c.start_level > 0.5 * c.enter_level() and c.speed > slow
            return out if moving else rest
        if c.state != AWAY or c.speed < -slow:
            return back
        return out if c.speed > slow else end_range

    def _live_cue(
        self, t: float, row: NDArray[np.float64], last: RepResult | None
    ) -> tuple[str | None, CueLevel]:
        assert self.plan is not None and self.calibration is not None
        if not self.plan.legs:
            knee = row[COL["knee_flexion"]] - _nz(self.calibration.baseline["knee_flexion"])
            if knee > self.plan.setting("knee_bend_deg"):
                return "Keep your knees straight", "warn"
        elif self._phase() == "rising" and self.plan.start_posture == "seated":
            if row[COL["wrist_thigh"]] < self.plan.setting("arm_touch_distance"):
                return "Cross your arms, push through your legs", "warn"
        if last is not None and t - last.end_s <= REP_CUE_SHOW_S:
            return rep_feedback(last.cues)
        return None, "good"

    def _test_clock(self, t: float) -> tuple[float | None, float | None]:
        """(elapsed, remaining) s of the test from its first rise onset; remaining only
        for a test with a duration (``ClinicalTest.duration``)."""
        if self.test is None or self.counter is None:
            return None, None
        key = get_test(self.test).duration
        duration = float(getattr(self.config.tests, key)) if key else None
        start = self.reps[0].start_s if self.reps else self.counter.open_rep_start_s
        if start != start:
            return 0.0, duration
        elapsed = t - start
        return elapsed, (None if duration is None else max(0.0, duration - elapsed))

    def setup_waiting(self) -> str:
        """Why set-up has not finished, as a report sentence."""
        reason = self._setup.messages[0] if self._setup.messages else ""
        return NEVER_READY.get(reason, NEVER_READY["Step into view so your whole body is visible"])

    def setup_problem(self) -> str | None:
        """Why no rep can be counted: set-up never found the person with the joints the
        exercise needs (sit-to-stand and squats need the ankles), or the primary signal
        was not seen at set-up (its baseline is NaN); else None."""
        if self.plan is None:
            return self.setup_waiting() if self._frames else None
        if self.plan.baseline == self.plan.baseline:
            return None
        if self.plan.primary == "hip_height":
            return FEET_HIDDEN
        name = self.plan.primary.removesuffix("_world").replace("_", " ")
        return (
            f"{name.capitalize()} not measurable at set-up: cannot count reps"
            " — step back so your whole body is in view"
        )

    # -- tests --------------------------------------------------------------------------
    def test_result(self) -> TestResult | None:
        """The clinical test outcome from the reps so far (None without a test), scored by
        the test's definition (:mod:`formcheck.exercise.clinical_tests`).

        Invalid with no time/count when set-up found no countable person, or when the
        start posture is not one the test allows (the sit-to-stand tests start seated)."""
        if self.test is None:
            return None
        test = get_test(self.test)
        stop = str(getattr(self.config.tests, test.stop_rule)) if test.stop_rule else None
        if (problem := self.setup_problem()) is not None:
            return TestResult(self.test, False, stop_rule=stop, notes=(problem,))
        if self.plan is not None and self.plan.start_posture not in test.start:
            return not_seated(self.test, stop)
        return test.score(self.test_inputs())

    def test_inputs(self) -> TestInputs:
        """What the test is scored from (see :class:`TestInputs`)."""
        assert self.test is not None
        return TestInputs(self.test, tuple(self.reps), self.open_rep(), self._hist.t,
                          self._hist.feats, self.plan, self.config, self.age, self.sex,
                          self._frame_size, self._halfway_at)  # fmt: skip

    def _halfway_at(self, t_end: float, stands: list[float]) -> bool:
        """More than halfway up (but not yet counted) at ``t_end``."""
        if self.plan is None or not math.isfinite(t_end) or self._hist.n == 0:
            return False
        if t_end > self._hist.t[-1] or any(abs(s - t_end) < 1e-9 for s in stands):
            return False
        typical = (
            np.median([r.measurements["excursion"] for r in self.reps])
            if self.reps
            else self.plan.counter.enter
        )
        t, feats = self._hist.window(t_end - 1.0, t_end)
        sm = smooth_window(t, feats, self.config)[:, COL[self.plan.primary]]
        rel = self.plan.relative(sm)
        rising = len(rel) > 1 and rel[-1] > rel[0]
        last_stand_before = max((s for s in stands if s <= t_end), default=-math.inf)
        return bool(rising and rel[-1] > 0.5 * typical and t_end - last_stand_before > 1.0)

    # -- for build_report ---------------------------------------------------------------
    def curves(self) -> AngleCurves | None:
        """Raw and zero-phase filtered per-frame curves (offline extra): the trunk, hip and
        knee angles as measured (the knee from world landmarks outside a side view), hip
        height, and the counted signal under its own name, in its counted unit (a signal
        counted in % of its start value is scaled so that the start is 100)."""
        if self._hist.n == 0:
            return None
        plan = self.plan
        trunk = plan.trunk if plan is not None else "trunk_inclination"
        knee = plan.knee if plan is not None else "knee_flexion"
        names = ["trunk_inclination", "hip_flexion", "knee_flexion", "hip_height"]
        cols = [COL[trunk], COL["hip_flexion"], COL[knee], COL["hip_height"]]
        if plan is not None and plan.primary not in names:
            names.append(plan.primary)
            cols.append(COL[plan.primary])
        t = self._hist.t.copy()
        raw = self._hist.feats[:, cols].copy()
        if plan is not None and plan.primary in names and plan.scale != 1.0:
            raw[:, names.index(plan.primary)] *= plan.scale
        sm = smooth_window(t, raw, self.config)
        raw_curves = {n: raw[:, i] for i, n in enumerate(names)}
        return AngleCurves(t, raw_curves, {n: sm[:, i] for i, n in enumerate(names)})

    def frame_stats(self) -> tuple[float, float]:
        """(duration s, share of frames with a person)."""
        t_last = (
            float(self._hist.t[-1])
            if self._hist.n
            else (self._pre_t[-1] if self._pre_t else math.nan)
        )
        duration = t_last - self._first_t if self._frames else 0.0
        return (duration if math.isfinite(duration) else 0.0), (
            self._seen / self._frames if self._frames else 0.0
        )


def frames_with_person(pts: NDArray[np.float64]) -> int:
    """How many frames of masked points (N, 33, C) show the person: any landmark
    visible enough. The one definition of "detected" before and after set-up."""
    return int(np.isfinite(pts).any(axis=(1, 2)).sum())


def _features(
    pts: NDArray[np.float64],
    side: str,
    facing: int,
    forward3: NDArray[np.float64] | None = None,
    view: str = "side",
    *,
    angles: AnglesConfig,
) -> NDArray[np.float64]:
    """Features of masked points, through the joint-centre estimate for ``view``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return frame_features(pts, side, facing, forward3, angles.centres_for(view))  # type: ignore[arg-type]


def _row(landmarks: NDArray[np.floating] | None, columns: int, name: str) -> NDArray[np.float64]:
    """One frame's landmarks as (33, columns) float64, NaN when absent; rounded
    through float32 so a live row equals the same row stored in a PoseSequence."""
    if landmarks is None:
        return np.full((N_LANDMARKS, columns), np.nan)
    row = np.asarray(landmarks, dtype=np.float64)
    if row.shape != (N_LANDMARKS, columns):
        raise ValueError(f"{name} must have shape ({N_LANDMARKS}, {columns}), got {row.shape}")
    return row.astype(np.float32).astype(np.float64)


def _check_test(test: str | None, exercise: ExerciseSpec, age: int | None, sex: str | None
                ) -> None:  # fmt: skip
    if test is not None and test not in TESTS:
        raise ValueError(f"unknown test {test!r}; valid: {', '.join(TESTS)}")
    if test is not None and test not in exercise.tests:
        allowed = [name for name, spec in EXERCISES.items() if test in spec.tests]
        raise ValueError(f"test {test!r} needs exercise {' or '.join(map(repr, allowed))},"
                         f" got {exercise.name!r}")  # fmt: skip
    if sex is not None and sex not in ("f", "m"):
        raise ValueError(f"sex must be 'f' or 'm', got {sex!r}")
    if age is not None and not 0 < age < 130:
        raise ValueError(f"age must be between 1 and 129, got {age}")


def _rom(plan: Plan, m: dict[str, float]) -> float:
    """The rep's range of motion: the measurement the exercise names (``ExerciseSpec.rom``);
    NaN (counted only, no angle shown) in a view where it is no measurement
    (``ExerciseSpec.rom_views``)."""
    return m[plan.rom] if plan.rom_measured else math.nan


def _side(m: dict[str, float]) -> str | None:
    """"left" or "right" for a rep measured to one side (the ``side`` measurement: +1 the
    person's left, -1 right), else None."""
    side = m.get("side", math.nan)
    return None if side != side or side == 0 else ("left" if side > 0 else "right")


def _nz(x: float) -> float:
    return x if x == x else 0.0

