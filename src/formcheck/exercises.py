"""The exercises as data: ``EXERCISES: dict[str, ExerciseSpec]``.

Each spec names its primary signal, which direction moves away from the
start posture, the phases of a rep, whether it needs a side view, and the
section of :class:`formcheck.config.Config` holding its thresholds. At the
end of set-up, :meth:`ExerciseSpec.plan` resolves it against the person's
baseline into a :class:`Plan` (sit-to-stand depends on whether the clip
starts seated or standing: a rep always returns to the posture it started from).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from formcheck.config import Config, CounterConfig
from formcheck.view import Calibration

__all__ = ["ExerciseSpec", "Plan", "EXERCISES", "get_exercise"]


@dataclass(frozen=True)
class Plan:
    """An exercise resolved for one person: primary feature, orientation
    (+1: away = larger values), baseline value, counter thresholds, phase names
    (rest, out, end range, back), the start posture, and which trunk angle is
    measured (image in a side view; world landmarks otherwise, measured better
    on the oblique sample: 4.6 vs 6.8 deg mean error)."""

    exercise: str
    primary: str
    unit: str
    direction: int
    baseline: float
    counter: CounterConfig
    phases: tuple[str, str, str, str]
    start_posture: str
    trunk: str = "trunk_inclination"

    def relative(self, value: float) -> float:
        """Primary value -> signal relative to baseline, away positive."""
        return self.direction * (value - self.baseline)

    def absolute(self, relative: float) -> float:
        """Inverse of :meth:`relative` (for chart threshold lines)."""
        return self.baseline + self.direction * relative


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise. ``measurements`` and ``cues`` list what each rep reports."""

    name: str
    title: str
    primary: str
    unit: str
    direction: int
    phases: tuple[str, str, str, str]
    needs_side_view: bool
    measurements: tuple[str, ...]
    cues: tuple[str, ...]

    def plan(self, calib: Calibration, config: Config) -> Plan:
        """Resolve against the person's baseline posture."""
        trunk = _trunk_feature(calib)
        if self.name != "sit_to_stand":
            section = getattr(config, self.name)
            base = calib.baseline[trunk]
            return Plan(self.name, trunk, self.unit, self.direction, base,
                        section.counter, self.phases, "upright", trunk)  # fmt: skip
        sts, base = config.sit_to_stand, calib.baseline[self.primary]
        if _seated(calib, config):
            return Plan(self.name, self.primary, self.unit, 1, base, sts.counter,
                        ("seated", "rising", "standing", "sitting"), "seated", trunk)  # fmt: skip
        return Plan(self.name, self.primary, self.unit, -1, base, sts.squat_counter,
                    ("standing", "lowering", "bottom", "rising"), "standing", trunk)  # fmt: skip


def _trunk_feature(calib: Calibration) -> str:
    """Image trunk angle in a side view, world-landmark trunk angle otherwise (when seen)."""
    world = calib.baseline.get("trunk_inclination_world", float("nan"))
    return (
        "trunk_inclination" if calib.view == "side" or world != world else "trunk_inclination_world"
    )


def _seated(calib: Calibration, config: Config) -> bool:
    """Seated start: hip low over the ankles, or (side view) knees well bent."""
    sts = config.sit_to_stand
    height = calib.baseline["hip_height"]
    knee = calib.baseline["knee_flexion"]
    if calib.view == "side" and knee == knee:
        return knee >= sts.seated_min_knee_deg
    return height == height and height <= sts.seated_max_height


_COMMON_MEASURES: Final = (
    "start_s",
    "extreme_s",
    "end_s",
    "duration_s",
    "out_s",
    "hold_s",
    "back_s",
    "peak_velocity_deg_s",
    "velocity_peaks_out",
    "velocity_peaks_back",
)

EXERCISES: Final[dict[str, ExerciseSpec]] = {
    "trunk_flexion": ExerciseSpec(
        name="trunk_flexion",
        title="Standing trunk flexion",
        primary="trunk_inclination",
        unit="deg",
        direction=1,
        phases=("upright", "bending", "end_range", "returning"),
        needs_side_view=True,
        measurements=_COMMON_MEASURES + ("peak_trunk_deg", "knee_bend_deg"),
        cues=("knees_bending", "not_returning_upright", "too_fast", "jerky"),
    ),
    "back_extension": ExerciseSpec(
        name="back_extension",
        title="Standing back extension",
        primary="trunk_inclination",
        unit="deg",
        direction=-1,
        phases=("upright", "extending", "end_range", "returning"),
        needs_side_view=True,
        measurements=_COMMON_MEASURES + ("peak_extension_deg", "knee_bend_deg"),
        cues=("knees_bending", "too_fast", "jerky", "no_hold", "not_returning_upright"),
    ),
    "sit_to_stand": ExerciseSpec(
        name="sit_to_stand",
        title="Sit-to-stand",
        primary="hip_height",
        unit="% torso",
        direction=1,
        phases=("seated", "rising", "standing", "sitting"),
        needs_side_view=False,
        measurements=_COMMON_MEASURES
        + (
            "hip_top_deg",
            "hip_bottom_deg",
            "knee_top_deg",
            "knee_bottom_deg",
            "peak_trunk_deg",
            "arm_contact_share",
            "rise_speed",
            "descent_speed",
            "knee_asymmetry_deg",
            "lateral_lean_deg",
        ),
        cues=(
            "incomplete_stand",
            "arms_used",
            "dropping",
            "excessive_trunk_lean",
            "asymmetric_lean",
        ),
    ),
}


def get_exercise(name: str) -> ExerciseSpec:
    """The spec for ``name``; unknown names raise ``ValueError`` listing the valid ones."""
    try:
        return EXERCISES[name]
    except KeyError:
        valid = ", ".join(sorted(EXERCISES))
        raise ValueError(f"unknown exercise {name!r}; valid: {valid}") from None
