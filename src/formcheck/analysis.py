"""Offline analysis of a whole ``PoseSequence``: a replay through :class:`Session`.

Set-up runs frame by frame (the same object as live); every later frame's
features come from one vectorised call and go through one
``RepCounter.feed``: the counter sees exactly the numbers it would see live.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from formcheck.config import Config
from formcheck.errors import NoPersonFound
from formcheck.report import Report
from formcheck.sequence import PoseSequence
from formcheck.session import PARTIAL_REPS, Session, frames_with_person
from formcheck.signals import masked_points

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
    """Feed a whole clip to ``session``: set-up frame by frame, the rest in one batch."""
    if len(seq) == 0 or not seq.detected.any():
        raise NoPersonFound(f"{seq.meta.source or 'clip'}: no person found in any frame")
    minvis = session.config.cleaning.min_visibility
    pts = masked_points(seq.image, seq.world, seq.width, seq.height, minvis)
    k = 0
    while k < len(seq) and session.calibration is None:
        session._setup_frame(float(seq.t[k]), seq.image[k].astype(np.float64), pts[k])
        k += 1
    if progress is not None:
        progress(0.5)
    if session.calibration is not None and k < len(seq):
        feats = session.features(pts[k:])
        session._run(seq.t[k:], feats, frames_with_person(pts[k:]))
    if progress is not None:
        progress(1.0)
    return session


def build_report(session: Session) -> Report:
    """The report of a session (live ``finish`` and offline ``analyze``)."""
    calib, plan, spec = session.calibration, session.plan, session.spec
    duration, rate = session.frame_stats()
    warnings = _warnings(session, rate)
    if calib is None or plan is None:
        return Report(
            spec.name,
            "unknown",
            float("nan"),
            None,
            None,
            None,
            spec.primary,
            spec.unit,
            {},
            {},
            [],
            None,
            warnings,
            session.test_result(),
            duration,
            rate,
            session.curves(),
        )
    thresholds = {
        "baseline": plan.baseline,
        "enter": plan.absolute(plan.counter.enter),
        "rest": plan.absolute(plan.counter.rest),
    }
    report = Report(
        spec.name,
        calib.view,
        calib.view_ratio,
        calib.side,
        "right" if calib.facing > 0 else "left",
        plan.start_posture,
        plan.primary.removesuffix("_world"),
        plan.unit,
        dict(calib.baseline),
        thresholds,
        list(session.reps),
        session.open_rep(),
        warnings,
        session.test_result(),
        duration,
        rate,
        session.curves(),
    )
    report.extras["trunk_source"] = "world" if plan.trunk.endswith("_world") else "image"
    report.extras["view_yaw_deg"] = calib.view_yaw_deg
    model = session.config.angles.centres_for(calib.view)
    report.extras["joint_points"] = "landmarks" if model is None else "estimated_centres"
    report.extras["joint_centre_offsets"] = None if model is None else dataclasses.asdict(model)
    report.extras["min_visibility"] = session.config.cleaning.min_visibility
    return report


def _warnings(session: Session, rate: float) -> list[str]:
    out: list[str] = []
    calib = session.calibration
    if calib is None:
        out.append(session.setup_waiting())
        return out
    out += list(calib.warnings)
    if (problem := session.setup_problem()) is not None:
        out.append(problem)
    if session.partial_reps:
        out.append(PARTIAL_REPS)
    if calib.view != "side":
        out.append(_view_warning(session, calib.view))
    if rate < 0.8:
        out.append(f"Person detected in only {rate:.0%} of frames")
    return out


def _view_warning(session: Session, view: str) -> str:
    """What a non-side view means for the numbers (counting goes on in every view)."""
    if session.spec.needs_side_view:
        what = "trunk angles are approximate (from 3-D landmarks)"
    elif session.plan is not None and session.plan.knee.endswith("_world"):
        what = ("reps are counted; knee angles come from 3-D landmarks (coarser) and hip"
                " angles are not measured")  # fmt: skip
    else:
        what = "reps are counted; hip and knee angles are approximate"
    return f"Camera view looks {view}: {what}. Turn side-on to the camera for measured angles"


def detect_exercise(seq: PoseSequence, config: Config | None = None) -> str:
    """Which exercise a clip shows (``--exercise auto``).

    A seated start means sit_to_stand; legs that bend and straighten from a
    standing start (squat reps counted) mean squat; else the trunk's largest
    excursion from its start decides: forward -> trunk_flexion, backward ->
    back_extension.
    """
    squat = analyze(seq, "squat", config=config)
    if squat.start_posture is None:
        return "sit_to_stand"
    session = replay(seq, Session("sit_to_stand", config=config))
    if session.plan is not None and session.plan.start_posture == "seated":
        return "sit_to_stand"
    if squat.rep_count or squat.incomplete is not None:
        return "squat"
    curves = squat.angle_curves
    if curves is None:
        return "trunk_flexion"
    world = squat.extras.get("trunk_source") == "world"
    base = squat.baseline["trunk_inclination_world" if world else "trunk_inclination"]
    trunk = curves.filtered["trunk_inclination"] - base
    forward = np.nanmax(trunk) if np.isfinite(trunk).any() else 0.0
    backward = -np.nanmin(trunk) if np.isfinite(trunk).any() else 0.0
    return "trunk_flexion" if forward >= 2.0 * backward else "back_extension"
