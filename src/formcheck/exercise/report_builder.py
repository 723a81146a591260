"""The report of a session: what it counted and measured, and what the user must know.

Built by :meth:`formcheck.exercise.session.Session.finish` for live and offline alike
(offline analysis is a replay through the same session).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from formcheck.exercise.report import Report

if TYPE_CHECKING:
    from formcheck.exercise.session import Session

__all__ = ["build_report", "PARTIAL_REPS"]

PARTIAL_REPS = (
    "A rep had begun before the recording started (or before the person was in view):"
    " it is not counted"
)


def build_report(session: Session) -> Report:
    """The report of a session (live ``finish`` and offline ``analyze``)."""
    calib, plan, spec = session.calibration, session.plan, session.spec
    duration, rate = session.frame_stats()
    warnings = _warnings(session, rate)
    if calib is None or plan is None:
        return Report(
            exercise=spec.name, view="unknown", view_ratio=float("nan"), side=None,
            facing=None, start_posture=None, primary=spec.primary, primary_unit=spec.unit,
            baseline={}, thresholds={}, reps=[], incomplete=None, warnings=warnings,
            test=session.test_result(), duration_s=duration, detection_rate=rate,
            angle_curves=session.curves(),
        )  # fmt: skip
    thresholds = {  # the floors, in the units of the counted curve (see Session.curves)
        "baseline": plan.baseline * plan.scale,
        "enter": plan.absolute(plan.counter.enter) * plan.scale,
        "rest": plan.absolute(plan.counter.rest) * plan.scale,
    }
    model = session.config.angles.centres_for(calib.view)
    return Report(
        exercise=spec.name,
        view=calib.view,
        view_ratio=calib.view_ratio,
        side=calib.side,
        facing="right" if calib.facing > 0 else "left",
        start_posture=plan.start_posture,
        primary=plan.primary.removesuffix("_world"),
        primary_unit=plan.unit,
        baseline=dict(calib.baseline),
        thresholds=thresholds,
        reps=list(session.reps),
        incomplete=session.open_rep(),
        warnings=warnings,
        test=session.test_result(),
        duration_s=duration,
        detection_rate=rate,
        angle_curves=session.curves(),
        trunk_source="world" if plan.trunk.endswith("_world") else "image",
        knee_source="world" if plan.knee.endswith("_world") else "image",
        view_yaw_deg=calib.view_yaw_deg,
        joint_points="landmarks" if model is None else "estimated_centres",
        joint_centre_offsets=None if model is None else dataclasses.asdict(model),
        min_visibility=session.config.cleaning.min_visibility,
        phases=plan.phases,
        target=_target(session),
        short_reps=list(session.short_reps),
    )


def _target(session: Session) -> dict[str, float] | None:
    """The prescribed target and hold (``config.target``) when either is set."""
    target = session.config.target
    return dataclasses.asdict(target) if target.active or target.hold_s > 0 else None


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
    if session.short_reps:
        target = session.config.target
        out.append(f"{len(session.short_reps)} rep(s) short of {target.count_share:.0%} of the"
                   f" {target.deg:g} deg target: not counted")  # fmt: skip
    taught = session.spec.demonstration.get("view")  # a definition taught by demonstration
    if taught is not None and calib.view != taught:
        out.append(f"Camera view looks {calib.view}, but the exercise was taught in a {taught}"
                   " view: film it as it was taught, for a faithful count and comparison")
    elif taught is None and calib.view not in session.spec.views:
        out.append(_view_warning(session, calib.view))
    elif session.plan is not None and not session.plan.rom_measured:
        out.append(f"Reps are counted; {session.spec.title.lower()} range of motion is not "
                   f"measured from video (too coarse in a {calib.view} view: see the README)")
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
    return f"Camera view looks {view}: {what}. {session.spec.view_advice} for measured angles"


