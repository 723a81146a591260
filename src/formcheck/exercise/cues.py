"""Form cues with their evidence, and the 0-100 score built from them.

Each rule compares one measurement with one configured threshold and, when
it fires, yields a :class:`Cue` carrying the clinical wording, a short
patient-facing phrase, the measured value and the threshold. The score is
100 minus one named deduction per cue (``DEDUCTIONS`` points), floored at 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Final

from formcheck.config import Config
from formcheck.exercise.definitions import Plan

__all__ = ["Cue", "Deduction", "rep_cues", "score", "DEDUCTIONS", "incomplete_cue", "known_cues"]


@dataclass(frozen=True)
class Cue:
    """One form observation: ``level`` is "warn" or "bad"."""

    code: str
    level: str
    message: str
    patient: str
    value: float
    threshold: float
    unit: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Deduction:
    """Points taken off a rep's score, with the evidence."""

    code: str
    points: int
    evidence: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


DEDUCTIONS: Final[dict[str, int]] = {
    "knees_bending": 15,
    "not_returning_upright": 25,
    "too_fast": 10,
    "jerky": 10,
    "no_hold": 5,
    "incomplete_stand": 25,
    "arms_used": 30,
    "dropping": 20,
    "excessive_trunk_lean": 10,
    "asymmetric_lean": 10,
    "depth_not_reached": 15,
    "knees_caving": 20,
    "heels_lifting": 10,
    "short_of_target": 10,
    "hold_short": 5,
    "trunk_rotating": 15,
    "bending_forward": 15,
    "hips_shifting": 10,
}

_Rule = Callable[[dict[str, float], Config, Plan, str], "Cue | None"]


def _over(
    code: str, level: str, value: float, limit: float, unit: str, msg: str, patient: str
) -> Cue | None:
    if value != value or value <= limit:
        return None
    text = f"{msg} ({value:.0f} {unit}; limit {limit:g} {unit})"
    return Cue(code, level, text, patient, round(float(value), 2), float(limit), unit)


def _knees(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    limit = p.setting("knee_bend_deg")
    if not p.primary.startswith("trunk_inclination"):  # a side bend, counted on its own lean
        msg = "Knees bent during the bend: the trunk angle overstates spinal motion"
    elif p.direction > 0:  # a forward bend
        msg = "Knees bent during the forward bend: trunk angle overstates spinal flexion"
    else:
        msg = "Knees bent instead of extending through the back"
    return _over(
        "knees_bending", "warn", m["knee_bend_deg"], limit, "deg", msg, "Keep your knees straight"
    )


def _fast(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    limit = p.setting("max_velocity_deg_s")
    return _over(
        "too_fast",
        "warn",
        m["peak_velocity_deg_s"],
        limit,
        "deg/s",
        "Movement too fast: peak trunk angular velocity",
        "Move more slowly",
    )


def _jerky(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    limit = p.setting("max_velocity_peaks")
    peaks = max(m["velocity_peaks_out"], m["velocity_peaks_back"])
    return _over(
        "jerky",
        "warn",
        peaks,
        limit,
        "velocity peaks",
        "Jerky motion: several velocity peaks within one phase",
        "Move smoothly",
    )


def _no_hold(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    limit = p.setting("min_hold_s")
    if m["hold_s"] >= limit:
        return None
    text = f"No hold at end range ({m['hold_s']:.1f} s; at least {limit:g} s)"
    return Cue(
        "no_hold", "warn", text, "Hold the stretch briefly", round(m["hold_s"], 2), limit, "s"
    )


def _incomplete_stand(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    if view != "side" or p.start_posture != "seated":
        return None
    hip, knee = m["hip_top_deg"], m["knee_top_deg"]
    if hip > p.setting("stand_max_hip_deg"):
        return _over(
            "incomplete_stand",
            "bad",
            hip,
            p.setting("stand_max_hip_deg"),
            "deg",
            "Incomplete stand: hips not fully extended at the top",
            "Stand up tall",
        )
    return _over(
        "incomplete_stand",
        "bad",
        knee,
        p.setting("stand_max_knee_deg"),
        "deg",
        "Incomplete stand: knees not fully extended at the top",
        "Stand up tall",
    )


def _arms(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    return _over(
        "arms_used",
        "bad",
        m["arm_contact_share"] * 100,
        p.setting("arm_touch_share") * 100,
        "% of rise",
        "Arms used: hands on the thighs or chair during the rise",
        "Cross your arms, push through your legs",
    )


def _drop(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    if p.start_posture != "seated":
        return None
    rise, down = m["rise_speed"], m["descent_speed"]
    ratio = down / rise if rise > 0 else math.nan
    return _over(
        "dropping",
        "bad",
        ratio,
        p.setting("drop_speed_ratio"),
        "x rise speed",
        "Dropping into the chair: peak descent speed much higher than rise speed",
        "Lower yourself slowly",
    )


def _lean(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    if view != "side":
        return None
    return _over(
        "excessive_trunk_lean",
        "warn",
        m["peak_trunk_deg"],
        p.setting("max_trunk_lean_deg"),
        "deg",
        "Excessive forward trunk lean",
        "Keep your chest up",
    )


def _asym(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    if view == "frontal":  # in an oblique view the forward lean leaks into the sideways one
        return _over(
            "asymmetric_lean",
            "warn",
            m["lateral_lean_deg"],
            p.setting("max_lateral_lean_deg"),
            "deg",
            "Asymmetric trunk lean to one side",
            "Keep your weight even",
        )
    return None


def _depth(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    limit, knee = p.setting("min_depth_knee_deg"), m["knee_bottom_deg"]
    if knee != knee or knee >= limit:
        return None
    text = f"Depth not reached: knee flexion at the bottom {knee:.0f} deg; target {limit:g} deg"
    return Cue("depth_not_reached", "warn", text, "Squat a little deeper",
               round(knee, 2), limit, "deg")  # fmt: skip


def _caving(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    if view != "frontal":  # only a frontal view shows the knee moving towards the midline
        return None
    return _over("knees_caving", "bad", m["knee_valgus"], p.setting("max_valgus_deg"), "deg",
                 "Knees caving in (dynamic valgus, frontal-plane projection angle)",
                 "Push your knees out over your toes")  # fmt: skip


def _heels(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    if view == "frontal":  # the heel hides behind the foot from the front
        return None
    limit = p.setting("max_heel_rise")
    return _over("heels_lifting", "warn", m["heel_lift"], limit, "shank lengths",
                 "Heels lifting off the floor", "Keep your heels down")  # fmt: skip


def _short_of_target(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    """With a target (``config.target.deg``): the rep's ROM short of it, by how much."""
    if not c.target.active:
        return None
    target, rom = c.target.deg, m[p.rom]
    if rom != rom or rom >= target:
        return None
    short = target - rom
    text = f"Short of the target by {short:.0f} deg ({rom:.0f} of {target:g} deg)"
    return Cue("short_of_target", "warn", text, f"{short:.0f} degrees short: go a little further",
               round(rom, 2), target, "deg")  # fmt: skip


def _hold_short(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    """With a prescribed hold (``config.target.hold_s``): held for less time within the
    target band (or at end range, without a target)."""
    need = c.target.hold_s
    if need <= 0:
        return None
    held = m["target_hold_s"]
    if held >= need:
        return None
    where = "at the target" if c.target.active else "at end range"
    text = f"Hold too short: {held:.1f} s {where}; prescribed {need:g} s"
    return Cue("hold_short", "warn", text, f"Hold for {need:g} seconds", round(held, 2), need, "s")
def _rotating(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    return _over("trunk_rotating", "warn", m["rotation_world_deg"],
                 p.setting("max_rotation_deg"), "deg",
                 "Trunk rotating during the side bend (the shoulders turn, 3-D landmarks)",
                 "Bend sideways, do not twist")  # fmt: skip


def _forward(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    return _over("bending_forward", "warn", m["forward_bend_deg"],
                 p.setting("max_forward_bend_deg"), "deg",
                 "Bending forward during the side bend (trunk inclination, 3-D landmarks)",
                 "Stay in line, do not lean forward")  # fmt: skip


def _hips(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    return _over("hips_shifting", "warn", m["hip_shift_pct"], p.setting("max_hip_shift_pct"),
                 "% of hip width", "Hips shifting sideways during the side bend",
                 "Keep your hips over your feet")  # fmt: skip


def _at_end_only(m: dict[str, float], c: Config, p: Plan, view: str) -> Cue | None:
    """A rep that returned has returned: this cue is issued by :func:`incomplete_cue`
    for the rep still away from its start posture when the clip ends."""
    return None


_RULES: Final[dict[str, _Rule]] = {
    "not_returning_upright": _at_end_only,
    "knees_bending": _knees,
    "too_fast": _fast,
    "jerky": _jerky,
    "no_hold": _no_hold,
    "incomplete_stand": _incomplete_stand,
    "arms_used": _arms,
    "dropping": _drop,
    "excessive_trunk_lean": _lean,
    "asymmetric_lean": _asym,
    "depth_not_reached": _depth,
    "knees_caving": _caving,
    "heels_lifting": _heels,
    "short_of_target": _short_of_target,
    "hold_short": _hold_short,
    "trunk_rotating": _rotating,
    "bending_forward": _forward,
    "hips_shifting": _hips,
}


def known_cues() -> frozenset[str]:
    """The cue codes that have a rule (an exercise may list only these)."""
    return frozenset(_RULES)


def rep_cues(
    codes: tuple[str, ...], m: dict[str, float], config: Config, plan: Plan, view: str
) -> list[Cue]:
    """The cues among ``codes`` whose rule fires for measurements ``m``."""
    found = (_RULES[code](m, config, plan, view) for code in codes)
    return [cue for cue in found if cue is not None]


def incomplete_cue(plan: Plan, excursion: float) -> Cue:
    """The cue of a rep still away from its start posture when the clip ends."""
    if plan.legs:
        text, patient = (
            f"Did not return to {plan.start_posture} before the end",
            "Finish the movement",
        )
    else:
        text, patient = "Not returning upright after the bend", "Come back up to standing"
    rest = plan.counter.rest
    return Cue(
        "not_returning_upright",
        "bad",
        f"{text} ({excursion:.0f} {plan.unit} from start; return within {rest:g})",
        patient,
        round(excursion, 2),
        rest,
        plan.unit,
    )


def score(cues: list[Cue]) -> tuple[int, list[Deduction]]:
    """0-100 score and its breakdown: one deduction per cue."""
    deductions = [Deduction(c.code, DEDUCTIONS.get(c.code, 10), c.message) for c in cues]
    return max(0, 100 - sum(d.points for d in deductions)), deductions
