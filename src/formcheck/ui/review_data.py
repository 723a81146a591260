"""From a :class:`~formcheck.exercise.report.Report` to what the review page shows (no Streamlit).

- :func:`frame_series`: the per-frame table (chart and CSV): ``t_s``, the rep
  a frame belongs to, the filtered and raw angle curves (deg; hip height in
  % of torso length);
- :func:`frame_overlays`: one :class:`~formcheck.render.overlay.Overlay` per frame
  for the annotated clip (reps done so far, phase, the last rep's score and
  cue for a few seconds after it ends, the measured angle at its joint);
- :func:`rep_rows`: one flat row per rep for the table;
- :func:`series_csv`: the CSV download.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from formcheck.config import CleaningConfig
from formcheck.exercise.display import REP_CUE_SHOW_S, rep_feedback, rep_phase
from formcheck.exercise.report import Report
from formcheck.kinematics.angles import Side
from formcheck.kinematics.joint_centres import JointCentreModel
from formcheck.kinematics.signals import MEASURED_JOINTS, masked_pixels, measured_points
from formcheck.pose.landmarks import INDEX
from formcheck.pose.sequence import PoseSequence
from formcheck.render.overlay import Overlay

__all__ = [
    "ANGLE_JOINT",
    "ANGLE_POINTS",
    "angle_points",
    "CUE_SHOW_S",
    "display_angle",
    "frame_overlays",
    "frame_series",
    "report_warnings",
    "rep_rows",
    "sides_text",
    "series_csv",
    "worst_level",
]

CUE_SHOW_S = REP_CUE_SHOW_S  # one display time, decided in formcheck.exercise.display
"""Seconds a finished rep's cue and score stay on the annotated clip."""

ANGLE_JOINT = {"trunk_inclination": "hip", "hip_flexion": "hip", "knee_flexion": "knee",
               "side_bend": "hip"}  # fmt: skip
"""Landmark (without side) where each angle is drawn."""

ANGLE_POINTS = {
    "trunk_inclination": ("hip", "shoulder"),
    "hip_flexion": ("shoulder", "hip", "knee"),
    "knee_flexion": ("hip", "knee", "ankle"),
    "side_bend": ("hip", "shoulder"),
}
"""The measured points each angle goes through (the trunk: from the hip, against the vertical)."""


def angle_points(
    points: Mapping[str, tuple[float, float]], name: str
) -> tuple[tuple[float, float], ...]:
    """The points of angle ``name`` from ``LiveState.points``-like ``points`` (joint ->
    normalised x, y); empty when one is missing."""
    wanted = ANGLE_POINTS.get(name, ())  # none: an exercise that shows no angle
    return tuple(points[j] for j in wanted) if all(j in points for j in wanted) else ()

_UNITS = {"hip_height": "pct_torso", "hip_height_leg": "pct_leg", "hip_height_px": "pct_start"}


def display_angle(exercise: str) -> str:
    """The angle drawn on the video for ``exercise`` (its definition's ``shown_angle``:
    leg exercises show the knee)."""
    from formcheck.exercise.definitions import EXERCISES

    spec = EXERCISES.get(exercise)
    return spec.shown_angle if spec is not None else "trunk_inclination"


def _column(name: str, prefix: str = "") -> str:
    return f"{prefix}{name}_{_UNITS.get(name, 'deg')}"


def frame_series(seq: PoseSequence, report: Report) -> dict[str, list[float]]:
    """Per-frame columns (lists of equal length; NaN where unseen), ``t_s`` first."""
    curves = report.angle_curves
    t = np.asarray(curves.t if curves is not None else seq.t, dtype=np.float64)
    out: dict[str, list[float]] = {"t_s": t.tolist(), "rep": _rep_of_frame(t, report).tolist()}
    if curves is not None:
        for name, values in curves.filtered.items():
            out[_column(name)] = np.asarray(values, dtype=np.float64).tolist()
        for name, values in curves.raw.items():
            out[_column(name, "raw_")] = np.asarray(values, dtype=np.float64).tolist()
    return out


def _rep_of_frame(t: np.ndarray, report: Report) -> np.ndarray:
    """(T,) 1-based rep number each frame lies in, NaN outside reps."""
    rep = np.full(t.shape, np.nan)
    for r in report.reps:
        rep[(t >= r.start_s) & (t <= r.end_s)] = r.index
    return rep


def series_csv(series: Mapping[str, Sequence[float]]) -> bytes:
    """CSV with a header row; empty cells where a value is NaN."""
    names = list(series)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in zip(*(series[n] for n in names), strict=True):
        writer.writerow(["" if not math.isfinite(v) else _fmt(name, v)
                         for name, v in zip(names, row, strict=True)])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _fmt(name: str, value: float) -> str:
    if name == "t_s":
        return f"{value:.4f}"
    return f"{value:.0f}" if name == "rep" else f"{value:.2f}"


def worst_level(cues: Sequence[Any]) -> str:
    """"bad" if any cue is bad, else "warn" if any, else "good"."""
    levels = {getattr(c, "level", "warn") for c in cues}
    return "bad" if "bad" in levels else "warn" if levels else "good"


def frame_overlays(seq: PoseSequence, report: Report) -> list[Overlay]:
    """One overlay per row of ``seq`` (times from ``seq.t``)."""
    name = display_angle(report.exercise)
    joint = INDEX.get(f"{report.side or 'left'}_{ANGLE_JOINT.get(name)}")
    curves = report.angle_curves
    angle = _curve_at(curves, name, seq.t)
    label = name.split("_")[0]
    reps = list(report.reps)
    ends = np.array([r.end_s for r in reps], dtype=np.float64)
    starts = np.array([r.start_s for r in reps], dtype=np.float64)
    measured = _measured_points(seq, report)
    overlays = []
    for i, t in enumerate(seq.t.tolist()):
        done = int(np.searchsorted(ends, t, side="right"))
        current = int(np.searchsorted(starts, t, side="right")) - 1  # last rep started by t
        overlays.append(Overlay(
            reps=done, phase=_phase(report, reps[current] if current >= 0 else None, t),
            **_recent_cue(reps, done, t),
            angle_deg=float(angle[i]), angle_at=joint, angle_label=label,
            angle_points=angle_points(measured[i], name),
            angle_vertical=name in ("trunk_inclination", "side_bend"),
        ))  # fmt: skip
    return overlays


def _measured_points(seq: PoseSequence, report: Report) -> list[dict[str, tuple[float, float]]]:
    """Per frame, the measured points of the report's side (as ``LiveState.points``),
    with the joint-centre offsets and visibility threshold the analysis recorded."""
    if report.side not in ("left", "right"):
        return [{} for _ in range(len(seq))]
    offsets = report.joint_centre_offsets
    centres = JointCentreModel(**offsets) if offsets else None
    minvis = report.min_visibility
    minvis = CleaningConfig().min_visibility if minvis is None else float(minvis)
    pix = masked_pixels(seq.image, seq.width, seq.height, minvis)
    facing = 1 if report.facing == "right" else -1
    world = report.trunk_source == "world"
    side: Side = "left" if report.side == "left" else "right"
    xy = measured_points(pix, side, facing, centres, trunk_world=world)
    xy /= np.array([seq.width, seq.height])
    ok = np.asarray(np.isfinite(xy).all(axis=-1))  # (T, joints)
    return [{j: (float(xy[i, k, 0]), float(xy[i, k, 1])) for k, j in enumerate(MEASURED_JOINTS)
             if ok[i, k]} for i in range(len(xy))]  # fmt: skip


def _curve_at(curves: Any, name: str, t: np.ndarray) -> np.ndarray:
    """The filtered curve ``name`` sampled at times ``t`` (NaN if absent)."""
    if curves is None or name not in curves.filtered or len(curves.t) == 0:
        return np.full(t.shape, np.nan)
    values = np.asarray(curves.filtered[name], dtype=np.float64)
    index = np.clip(np.searchsorted(curves.t, t), 0, len(curves.t) - 1)
    return values[index]


def _phase(report: Report, rep: Any, t: float) -> str:
    """"Rep n: <phase>" while ``t`` lies in ``rep`` (the last rep started by ``t``; reps do
    not overlap), in the exercise's own phase words (as the live page), else empty."""
    if rep is None or not rep.start_s <= t <= rep.end_s:
        return ""
    phases = report.phases or ("", "going", "", "returning")
    word = rep_phase(phases, t, rep.start_s, rep.extreme_s, rep.end_s)
    return f"Rep {rep.index}: {word.replace('_', ' ')}"


def _recent_cue(reps: Sequence[Any], done: int, t: float) -> dict[str, Any]:
    """Score and cue of the last finished rep while it is recent."""
    if done == 0 or t - reps[done - 1].end_s > CUE_SHOW_S:
        return {}
    rep = reps[done - 1]
    cue, level = rep_feedback(rep.cues)
    return {"score": float(rep.score), "cue": cue, "cue_level": level}


def rep_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Flat rows for the rep table from ``Report.to_dict()`` (measurements inlined)."""
    rows = []
    for rep in report.get("reps", []):
        cues = "; ".join(c["message"] for c in rep.get("cues", [])) or "good form"
        row = {"rep": rep["index"], "score": rep["score"], "start s": rep["start_s"],
               "end s": rep["end_s"], "ROM deg": rep.get("rom_deg"), "cues": cues}  # fmt: skip
        if rep.get("template_score") is not None:  # an exercise defined by demonstration
            row["match /100"] = rep["template_score"]
            row["worst joint"] = str(rep.get("template_worst_joint", "")).replace("_", " ")
            row["worst joint off deg"] = rep.get("template_worst_deg")
        if rep.get("side"):  # side bending and rotation: which side the rep went to
            row["side"] = rep["side"]
        for key, value in rep.get("measurements", {}).items():
            if key not in ("start_s", "end_s", "side"):  # side: +1/-1, shown as its word
                row[key] = value
        rows.append(row)
    return rows


def sides_text(sides: Mapping[str, Any] | None) -> str | None:
    """The summary's ``sides`` (``Report.sides()``) as one line: reps and mean ROM to each
    side and the asymmetry; None without reps to a side."""
    if not sides:
        return None

    def rom(key: str) -> str:
        return "" if sides.get(key) is None else f", {sides[key]:.0f} deg"

    text = (f"**To the left:** {sides['reps_left']} rep(s){rom('rom_left_deg')} · "
            f"**to the right:** {sides['reps_right']} rep(s){rom('rom_right_deg')}")
    if sides.get("asymmetry_deg") is not None:
        text += f" · **asymmetry** {sides['asymmetry_deg']:+.0f} deg (left - right)"
    return text


def report_warnings(report: Mapping[str, Any]) -> tuple[str, ...]:
    """The report's own warnings (poor view, several people, ...)."""
    return tuple(str(w) for w in report.get("warnings", []))
