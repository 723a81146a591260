"""Results: one :class:`RepResult` per rep, the session :class:`Report`, and its text form.

``Report.to_dict()`` is the CLI's ``--json`` object; ``Report.angle_curves``
holds per-frame curves for the chart and CSV (zero-phase filtered, offline
extras that never influence the reps).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from formcheck.exercise.clinical import TestPhase, TestResult
from formcheck.exercise.cues import Cue, Deduction

__all__ = [
    "AngleCurves",
    "JointAngles",
    "RepResult",
    "Report",
    "SideRom",
    "format_text",
    "side_rom",
]


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, rounded floats."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 3) if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class RepResult:
    """One rep: times (s), range of motion (deg), all measurements, cues and score.

    For an exercise defined by demonstration, how closely the rep followed it
    (:mod:`formcheck.exercise.template_match`): ``template_distance_deg`` (time-warped
    mean joint-angle difference), the ``template_worst_joint`` (a feature name, e.g.
    ``hip_flexion``) and its mean difference ``template_worst_deg``, and the 0-100
    ``template_score``; None for the built-in exercises.
    With a prescribed target (``config.target``): ``target_deg``, whether the ROM
    ``target_reached`` it, and (with a prescribed hold) whether the hold was reached
    (``hold_reached``: ``measurements["target_hold_s"]`` at least the prescribed
    seconds); None without a target / hold."""

    index: int
    start_s: float
    extreme_s: float
    end_s: float
    rom_deg: float
    measurements: dict[str, float]
    cues: list[Cue]
    score: int
    deductions: list[Deduction]
    complete: bool = True
    template_distance_deg: float | None = None
    template_worst_joint: str | None = None
    template_worst_deg: float | None = None
    template_score: int | None = None
    target_deg: float | None = None
    target_reached: bool | None = None
    hold_reached: bool | None = None
    side: str | None = None
    """"left" or "right": the side a side bend or rotation went to (None otherwise)."""

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.template_score is None else {
            "template_distance_deg": self.template_distance_deg,
            "template_worst_joint": self.template_worst_joint,
            "template_worst_deg": self.template_worst_deg,
            "template_score": self.template_score,
        }  # fmt: skip
        return _clean(
            {
                "index": self.index,
                "side": self.side,
                "start_s": self.start_s,
                "extreme_s": self.extreme_s,
                "end_s": self.end_s,
                "rom_deg": self.rom_deg,
                "target_deg": self.target_deg,
                "target_reached": self.target_reached,
                "hold_reached": self.hold_reached,
                "score": self.score,
                "complete": self.complete,
                "cues": [c.to_dict() for c in self.cues],
                "deductions": [d.to_dict() for d in self.deductions],
                "measurements": dict(self.measurements),
                **extra,
            }
        )


@dataclass(frozen=True)
class SideRom:
    """Range of motion to each side: the mean ROM (deg) of the complete reps to the
    person's left and to the right (None without a measured rep to that side), their
    counts, and the asymmetry (deg, left minus right; None unless both are measured)."""

    rom_left_deg: float | None
    rom_right_deg: float | None
    reps_left: int
    reps_right: int
    asymmetry_deg: float | None

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def side_rom(reps: list[RepResult]) -> SideRom | None:
    """:class:`SideRom` of ``reps`` (None when none has a side)."""
    if not any(r.side for r in reps):
        return None

    def mean(side: str) -> tuple[float | None, int]:
        of_side = [r for r in reps if r.side == side]
        roms = [r.rom_deg for r in of_side if math.isfinite(r.rom_deg)]
        return (float(np.mean(roms)) if roms else None), len(of_side)

    (left, n_left), (right, n_right) = mean("left"), mean("right")
    asym = left - right if left is not None and right is not None else None
    return SideRom(left, right, n_left, n_right, asym)


@dataclass(frozen=True)
class AngleCurves:
    """Per-frame curves for the side used: ``t`` (T,) s; ``raw`` and ``filtered``
    map names (``trunk_inclination``, ``hip_flexion``, ``knee_flexion`` in deg,
    ``hip_height`` in % torso) to (T,) arrays, NaN where unseen."""

    t: NDArray[np.float64]
    raw: dict[str, NDArray[np.float64]]
    filtered: dict[str, NDArray[np.float64]]

    def write_csv(self, path: str | Path) -> None:
        """CSV ``t_s,trunk_inclination_deg,hip_flexion_deg,knee_flexion_deg``
        (zero-phase filtered; an empty cell is NaN)."""
        names = ("trunk_inclination", "hip_flexion", "knee_flexion")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["t_s"] + [f"{n}_deg" for n in names])
            cols = [self.filtered[n] for n in names]
            for i, t in enumerate(self.t.tolist()):
                row = [f"{t:.4f}"] + [
                    "" if not math.isfinite(c[i]) else f"{c[i]:.2f}" for c in cols
                ]
                writer.writerow(row)


@dataclass(frozen=True)
class JointAngles:
    """Joint angles per frame: ``t`` (T,) s, ``angles`` name -> (T,) deg (NaN where not
    measured), ``sources`` name -> ``"image"`` (pixels) or ``"world"`` (3-D landmarks)."""

    t: NDArray[np.float64]
    angles: dict[str, NDArray[np.float64]]
    sources: dict[str, Literal["image", "world"]]


@dataclass
class Report:
    """Everything one analysis found. ``thresholds`` give absolute levels of the
    primary signal (baseline, enter, rest) for the chart. How the angles were
    measured: ``trunk_source`` and ``knee_source`` (image pixels in a side view,
    MediaPipe's 3-D world landmarks otherwise), ``joint_points`` (the estimated hip
    and knee centres, with ``joint_centre_offsets``, or the raw landmarks),
    ``min_visibility`` and the body's ``view_yaw_deg``; None before set-up.
    ``phases``: the exercise's phase names for this start posture (rest, out, end
    range, back), the words the live page and the annotated clip show.
    ``target``: the prescribed target (``config.target``: deg, count_share, hold_s,
    band_deg) when one is set; ``short_reps``: the reps that fell short of its
    count share, not counted (index 0)."""

    exercise: str
    view: str
    view_ratio: float
    side: str | None
    facing: str | None
    start_posture: str | None
    primary: str
    primary_unit: str
    baseline: dict[str, float]
    thresholds: dict[str, float]
    reps: list[RepResult]
    incomplete: RepResult | None
    warnings: list[str]
    test: TestResult | None
    duration_s: float
    detection_rate: float
    angle_curves: AngleCurves | None = None
    trunk_source: Literal["image", "world"] | None = None
    knee_source: Literal["image", "world"] | None = None
    view_yaw_deg: float = math.nan
    joint_points: Literal["landmarks", "estimated_centres"] | None = None
    joint_centre_offsets: dict[str, float] | None = None
    min_visibility: float | None = None
    phases: tuple[str, str, str, str] | None = None
    target: dict[str, float] | None = None
    short_reps: list[RepResult] = field(default_factory=list)

    @property
    def rep_count(self) -> int:
        return len(self.reps)

    def joint_angles(self) -> JointAngles | None:
        """The trunk, hip and knee angles as the app measured them, frame by frame
        (unfiltered, masked, on the side and facing found at set-up), with where each
        came from; None before set-up. The accuracy gate compares exactly these."""
        if self.angle_curves is None:
            return None
        names = ("trunk_inclination", "hip_flexion", "knee_flexion")
        sources = {"trunk_inclination": self.trunk_source or "image", "hip_flexion": "image",
                   "knee_flexion": self.knee_source or "image"}  # fmt: skip
        return JointAngles(self.angle_curves.t,
                           {n: self.angle_curves.raw[n] for n in names}, sources)  # fmt: skip
    def sides(self) -> SideRom | None:
        """Range of motion to each side and their asymmetry, for reps with a side (side
        bending, rotation); None when no rep has one."""
        return side_rom(self.reps)

    def summary(self) -> dict[str, Any]:
        """Session summary: count, mean score and range of motion, cue tallies (and, for
        reps to either side, ``sides``: :class:`SideRom`)."""
        scores = [r.score for r in self.reps]
        roms = [r.rom_deg for r in self.reps if math.isfinite(r.rom_deg)]
        cues = Counter(c.code for r in self.reps for c in r.cues)
        return _clean(
            {
                "rep_count": self.rep_count,
                "mean_score": float(np.mean(scores)) if scores else None,
                "mean_rom_deg": float(np.mean(roms)) if roms else None,
                "mean_duration_s": float(np.mean([r.end_s - r.start_s for r in self.reps]))
                if self.reps
                else None,
                "cue_counts": dict(cues),
                **({"sides": sides.to_dict()} if (sides := self.sides()) else {}),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exercise": self.exercise,
            "rep_count": self.rep_count,
            "view": self.view,
            "view_ratio": self.view_ratio,
            "side": self.side,
            "facing": self.facing,
            "start_posture": self.start_posture,
            "primary": self.primary,
            "primary_unit": self.primary_unit,
            "baseline": self.baseline,
            "thresholds": self.thresholds,
            "duration_s": self.duration_s,
            "detection_rate": self.detection_rate,
            "reps": [r.to_dict() for r in self.reps],
            "incomplete_rep": self.incomplete.to_dict() if self.incomplete else None,
            "warnings": list(self.warnings),
            "summary": self.summary(),
        }
        if self.trunk_source is not None:
            out.update(trunk_source=self.trunk_source, knee_source=self.knee_source,
                       view_yaw_deg=self.view_yaw_deg, joint_points=self.joint_points,
                       joint_centre_offsets=self.joint_centre_offsets,
                       min_visibility=self.min_visibility,
                       phases=list(self.phases or ()))  # fmt: skip
        if self.test is not None:
            out["test"] = self.test.to_dict()
        if self.target is not None:
            out["target"] = dict(self.target)
            out["short_reps"] = [r.to_dict() for r in self.short_reps]
        return _clean(out)


def format_text(report: Report) -> str:
    """A readable multi-line summary of a report."""
    lines = [
        f"{report.exercise}: {report.rep_count} rep(s) in {report.duration_s:.1f} s",
        f"view: {report.view}  side: {report.side}  start posture: {report.start_posture}",
    ]
    if report.target is not None:
        lines.append(_target_line(report.target))
    for rep in report.reps:
        cues = "; ".join(c.message for c in rep.cues) or "good form"
        side = f" to the {rep.side}" if rep.side else ""
        lines.append(
            f"  rep {rep.index}{side}: {rep.start_s:.2f}-{rep.end_s:.2f} s, "
            f"extreme {rep.extreme_s:.2f} s, "
            f"{_rom_text(rep)}, score {rep.score}: {cues}"
        )
    for rep in report.short_reps:
        lines.append(f"  not counted, {rep.start_s:.2f}-{rep.end_s:.2f} s: {_rom_text(rep)}")
    if (sides := report.sides()) is not None:
        lines.append(_sides_line(sides))
    if report.incomplete is not None:
        lines.append("  unfinished: " + "; ".join(c.message for c in report.incomplete.cues))
    if report.test is not None:
        lines.append(_test_line(report.test))
    lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _rom_text(rep: RepResult) -> str:
    """"ROM 57 deg", "ROM not measured" (counted only), or, against a target,
    "ROM 57/60 deg (target reached)" / "(3 short)"."""
    if not math.isfinite(rep.rom_deg):
        return "ROM not measured"
    if rep.target_deg is None:
        return f"ROM {rep.rom_deg:.0f} deg"
    short = rep.target_deg - rep.rom_deg
    state = "target reached" if rep.target_reached else f"{short:.0f} short"
    return f"ROM {rep.rom_deg:.0f}/{rep.target_deg:g} deg ({state})"


def _target_line(target: dict[str, float]) -> str:
    if not target["deg"]:
        return f"target: hold {target['hold_s']:g} s at end range"
    line = (f"target: {target['deg']:g} deg (a rep counts from "
            f"{target['count_share'] * target['deg']:.0f} deg)")  # fmt: skip
    if target["hold_s"]:
        line += f", hold {target['hold_s']:g} s within {target['band_deg']:g} deg of it"
    return line
def _sides_line(sides: SideRom) -> str:
    def deg(x: float | None) -> str:
        return "not measured" if x is None else f"{x:.0f} deg"

    asym = ("" if sides.asymmetry_deg is None
            else f", asymmetry {sides.asymmetry_deg:+.0f} deg (left - right)")  # fmt: skip
    return (f"  left: {sides.reps_left} rep(s), ROM {deg(sides.rom_left_deg)}; right: "
            f"{sides.reps_right} rep(s), ROM {deg(sides.rom_right_deg)}{asym}")


def _test_line(test: TestResult) -> str:
    if test.time_s is not None:
        value = f"{test.time_s} s"
    elif test.stands is not None:
        value = f"{test.stands} stands"
    else:
        value = "not timed"
    norm = ", ".join(f"{k}={v}" for k, v in test.norm.items())
    valid = "" if test.valid else " (INVALID)"
    line = f"test {test.test}: {value}{valid}  {norm}  {' '.join(test.notes)}".rstrip()
    return "\n".join([line] + [_phase_line(p) for p in test.phases])


def _phase_line(phase: TestPhase) -> str:
    """``  rise: 0.30-1.10 s (0.80 s)``; a dash where a bound was not seen."""
    def at(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    took = "" if phase.duration_s is None else f" ({phase.duration_s:.2f} s)"
    return f"  {phase.name.replace('_', ' ')}: {at(phase.start_s)}-{at(phase.end_s)} s{took}"
