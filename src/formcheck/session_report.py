"""The report of a session: what it counted and measured, and what the user must know.

Built by :meth:`formcheck.session.Session.finish` for live and offline alike
(offline analysis is a replay through the same session).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from formcheck.report import Report

if TYPE_CHECKING:
    from formcheck.session import Session

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


