"""Offline analysis of a whole ``PoseSequence``: a replay through :class:`Session`
(:meth:`Session.replay`), and the recognition of which exercise a clip shows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from formcheck.config import Config
from formcheck.exercise.report import Report
from formcheck.exercise.report_builder import build_report
from formcheck.exercise.session import Session
from formcheck.pose.sequence import PoseSequence

__all__ = ["analyze", "replay", "build_report", "detect_exercise"]


def analyze(
    seq: PoseSequence,
    exercise: str,
    *,
    test: str | None = None,
    config: Config | None = None,
    age: int | None = None,
    sex: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> Report:
    """Reps, measurements, cues, scores and test results of a clip.

    Raises ``NoPersonFound`` when no frame shows a person, ``ValueError`` for
    an unknown exercise or test (the message lists the valid names).
    """
    session = Session(exercise, test=test, config=config, age=age, sex=sex)
    return replay(seq, session, progress).finish()


def replay(
    seq: PoseSequence, session: Session, progress: Callable[[float], None] | None = None
) -> Session:
    """Feed a whole clip to ``session`` (:meth:`Session.replay`); returns the session."""
    return session.replay(seq, progress)


def _both_sides(report: Report) -> bool:
    """At least one rep to each side (side bending, rotation)."""
    sides = report.sides()
    return sides is not None and sides.reps_left > 0 and sides.reps_right > 0


def detect_exercise(seq: PoseSequence, config: Config | None = None) -> str:
    """Which exercise a clip shows (``--exercise auto``).

    A seated start means sit_to_stand, unless no stand is counted and the trunk
    turns to both sides (trunk_rotation); legs that bend and straighten from a
    standing start (squat reps counted) mean squat; filmed from the front, bends to
    both sides mean lateral_flexion; else the trunk's largest excursion from its
    start decides: forward -> trunk_flexion, backward -> back_extension.
    """
    squat = analyze(seq, "squat", config=config)
    if squat.start_posture is None:
        return "sit_to_stand"
    session = replay(seq, Session("sit_to_stand", config=config))
    if session.plan is not None and session.plan.start_posture == "seated":
        seated = session.finish()
        if not seated.rep_count and _both_sides(analyze(seq, "trunk_rotation", config=config)):
            return "trunk_rotation"
        return "sit_to_stand"
    if squat.rep_count or squat.incomplete is not None:
        return "squat"
    if squat.view != "side" and _both_sides(analyze(seq, "lateral_flexion", config=config)):
        return "lateral_flexion"
    curves = squat.angle_curves
    if curves is None:
        return "trunk_flexion"
    world = squat.trunk_source == "world"
    base = squat.baseline["trunk_inclination_world" if world else "trunk_inclination"]
    trunk = curves.filtered["trunk_inclination"] - base
    forward = np.nanmax(trunk) if np.isfinite(trunk).any() else 0.0
    backward = -np.nanmin(trunk) if np.isfinite(trunk).any() else 0.0
    return "trunk_flexion" if forward >= 2.0 * backward else "back_extension"
