"""Offline analysis of a whole ``PoseSequence``: a replay through :class:`Session`
(:meth:`Session.replay`), and the recognition of which exercise a clip shows."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from formcheck.config import Config
from formcheck.exercise.definitions import EXERCISES, ExerciseSpec
from formcheck.exercise.report import Report
from formcheck.exercise.report_builder import build_report
from formcheck.exercise.session import Session
from formcheck.kinematics.joint_centres import JointCentreModel
from formcheck.kinematics.signals import COL, frame_features, masked_points
from formcheck.pose.sequence import PoseSequence

__all__ = ["AngleInputs", "analyze", "angle_inputs", "build_report", "detect_exercise", "replay"]


def analyze(
    seq: PoseSequence,
    exercise: str | ExerciseSpec,
    *,
    test: str | None = None,
    config: Config | None = None,
    age: int | None = None,
    sex: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> Report:
    """Reps, measurements, cues, scores and test results of a clip.

    Raises ``NoPersonFound`` when no frame shows a person, ``ValueError`` for
    an unknown exercise or test (the message lists the valid names). ``exercise``: a
    registered name, or a definition (e.g. read from a file).
    """
    session = Session(exercise, test=test, config=config, age=age, sex=sex)
    return replay(seq, session, progress).finish()


def replay(
    seq: PoseSequence, session: Session, progress: Callable[[float], None] | None = None
) -> Session:
    """Feed a whole clip to ``session`` (:meth:`Session.replay`); returns the session."""
    return session.replay(seq, progress)


@dataclass(frozen=True)
class AngleInputs:
    """What the app computes a clip's joint angles from: times ``t`` (T,) s, masked
    points ``pts`` (T, 33, 5) (:func:`~formcheck.kinematics.signals.masked_points`), and
    the ``side``, ``facing`` (+1 image right) and ``forward3`` (3,) found at set-up."""

    t: NDArray[np.float64]
    pts: NDArray[np.float64]
    side: str
    facing: int
    forward3: NDArray[np.float64]

    def angles(self, centres: JointCentreModel | None) -> dict[str, NDArray[np.float64]]:
        """Image trunk, hip and knee angles (T,) deg through ``centres`` (None: the raw
        landmarks), by the function every frame of the app goes through."""
        feats = frame_features(self.pts, self.side, self.facing, self.forward3,  # type: ignore[arg-type]
                               centres)  # fmt: skip
        return {n: feats[:, COL[n]] for n in ("trunk_inclination", "hip_flexion", "knee_flexion")}


def angle_inputs(seq: PoseSequence, exercise: str, config: Config | None = None) -> AngleInputs:
    """The clip's :class:`AngleInputs`, as a session of ``exercise`` finds them (for fitting
    the joint-centre offsets on the very numbers the app computes). Raises ``ValueError``
    when set-up never completes."""
    session = replay(seq, Session(exercise, config=config))
    calib = session.calibration
    if calib is None:
        raise ValueError(f"{seq.meta.source or 'clip'}: set-up never completed")
    pts = masked_points(seq.image, seq.world, seq.width, seq.height,
                        session.config.cleaning.min_visibility)  # fmt: skip
    return AngleInputs(seq.t, pts, calib.side, calib.facing, np.asarray(calib.forward3))


class _Evidence:
    """What a clip shows, each analysis made once: the reports of ``reps`` exercises,
    whether a seated-start exercise sees it start seated."""

    def __init__(self, seq: PoseSequence, config: Config | None, specs: list[ExerciseSpec]):
        self.seq, self.config, self.specs = seq, config, specs
        self._reports: dict[str, Report] = {}

    def report(self, name: str) -> Report:
        if name not in self._reports:
            self._reports[name] = analyze(self.seq, name, config=self.config)
        return self._reports[name]

    def counted(self) -> list[Report]:
        return [self.report(s.name) for s in self.specs
                if s.recognition is not None and s.recognition.by == "reps"]  # fmt: skip

    @functools.cached_property
    def seated(self) -> bool:
        """A seated-start exercise's set-up finds the clip starting seated, or no
        rep-counted exercise finds anybody standing at all (found once per clip)."""
        counted = self.counted()
        if counted and all(r.start_posture is None for r in counted):
            return True
        return any(_starts_seated(self.seq, s, self.config) for s in self.specs
                   if s.recognition is not None and s.recognition.by == "seated_start")  # fmt: skip


def detect_exercise(seq: PoseSequence, config: Config | None = None) -> str:
    """Which exercise a clip shows (``--exercise auto``), from each definition's
    :class:`~formcheck.exercise.definitions.Recognition`, tried in its order:

    - ``both_sides``: its own reps go to both sides (side bending, rotation), in one of
      its ``views``, seated if it says so, and no rep counted by ``unless_reps_of``;
    - ``seated_start``: the clip starts seated (or nobody is ever seen standing);
    - ``reps``: reps counted from a standing start by the exercise's own counter;
    - ``trunk``: the trunk's largest excursion lies in the exercise's direction.
    """
    specs = sorted((s for s in EXERCISES.values() if s.recognition is not None),
                   key=lambda s: s.recognition.order)  # type: ignore[union-attr]  # fmt: skip
    seen = _Evidence(seq, config, specs)
    for spec in specs:
        if _recognised(spec, seen):
            return spec.name
    return specs[-1].name


def _recognised(spec: ExerciseSpec, seen: _Evidence) -> bool:
    how = spec.recognition
    assert how is not None
    if how.by == "seated_start":
        return seen.seated
    if how.by == "reps":
        report = seen.report(spec.name)
        return bool(report.rep_count) or report.incomplete is not None
    if how.by == "both_sides":
        if how.seated and not seen.seated:
            return False
        if how.unless_reps_of is not None and seen.report(how.unless_reps_of).rep_count:
            return False
        report = seen.report(spec.name)
        return (how.views is None or report.view in how.views) and _both_sides(report)
    counted = seen.counted()
    report = counted[0] if counted else seen.report(spec.name)
    return _trunk_leans(report, spec.direction, how.dominance)


def _both_sides(report: Report) -> bool:
    """At least one rep to each side (side bending, rotation)."""
    sides = report.sides()
    return sides is not None and sides.reps_left > 0 and sides.reps_right > 0


def _starts_seated(seq: PoseSequence, spec: ExerciseSpec, config: Config | None) -> bool:
    session = replay(seq, Session(spec.name, config=config))
    return session.plan is not None and session.plan.start_posture == "seated"


def _trunk_leans(report: Report, direction: int, dominance: float) -> bool:
    """The trunk's largest excursion from its start lies in ``direction`` (+1 forward),
    at least ``dominance`` times the largest the other way (no curves: no evidence
    against)."""
    curves = report.angle_curves
    if curves is None:
        return True
    world = report.trunk_source == "world"
    base = report.baseline["trunk_inclination_world" if world else "trunk_inclination"]
    trunk = direction * (curves.filtered["trunk_inclination"] - base)
    if not np.isfinite(trunk).any():
        return True
    return bool(np.nanmax(trunk) >= dominance * -np.nanmin(trunk))
