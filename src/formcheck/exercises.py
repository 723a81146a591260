"""The exercises as data: ``EXERCISES: dict[str, ExerciseSpec]``.

Each spec names its primary signal, which direction moves away from the
start posture, the phases of a rep, whether it needs a side view, and the
section of :class:`formcheck.config.Config` holding its thresholds. At the
end of set-up, :meth:`ExerciseSpec.plan` resolves it against the person's
baseline into a :class:`Plan` (sit-to-stand depends on whether the clip
starts seated or standing: a rep always returns to the posture it started from).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from formcheck.config import Config, CounterConfig
from formcheck.view import Calibration

__all__ = ["ExerciseSpec", "Plan", "EXERCISES", "get_exercise", "seated_start"]


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
    knee: str = "knee_flexion"
    settings: Any = None
    rom: str = "peak_trunk_deg"

    def setting(self, name: str) -> float:
        """A threshold of this exercise's configuration section (e.g. ``knee_bend_deg``);
        a name the section lacks is a programming error and says which."""
        try:
            return float(getattr(self.settings, name))
        except AttributeError:
            raise KeyError(f"{self.exercise} settings have no {name!r}") from None

    @property
    def legs(self) -> bool:
        """A leg exercise (sit-to-stand, squat), not a trunk one."""
        return self.start_posture != "upright"

    def relative(self, value: float) -> float:
        """Primary value -> signal relative to baseline, away positive."""
        return self.direction * (value - self.baseline)

    def absolute(self, relative: float) -> float:
        """Inverse of :meth:`relative` (for chart threshold lines)."""
        return self.baseline + self.direction * relative


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise. ``measurements`` and ``cues`` list what each rep reports.

    ``setup_joints``: the joints (besides shoulder, hip and knee) that set-up waits
    for on one side, because the primary signal needs them (hip height: the ankle).
    ``start``: the start postures allowed: ``("upright",)`` for the trunk
    exercises, ``("standing",)`` for squats, ``("seated", "standing")`` for
    sit-to-stand (the first frames decide, see :func:`seated_start`).
    ``frontal_primary``: the signal counted in a frontal view instead
    (``frontal_unit``; ``frontal_standing``: its sign towards standing).
    ``shown_angle``: the angle drawn on the video. ``rom``: the measurement that is
    a rep's range of motion. ``tests``: the clinical tests built on it.
    """

    name: str
    title: str
    primary: str
    unit: str
    direction: int
    phases: tuple[str, str, str, str]
    needs_side_view: bool
    measurements: tuple[str, ...]
    cues: tuple[str, ...]
    setup_joints: tuple[str, ...] = ()
    start: tuple[str, ...] = ("upright",)
    frontal_primary: str | None = None
    frontal_unit: str = "deg"
    frontal_standing: int = -1
    shown_angle: str = "trunk_inclination"
    rom: str = "peak_trunk_deg"
    tests: tuple[str, ...] = ()

    def primary_for(self, view: str) -> tuple[str, str, int]:
        """(feature, unit, sign of standing) of the counted signal in ``view``: the
        projected leg's hip height in side and oblique views; in a frontal view the
        thigh points at the camera, so a 3-D knee angle counts instead (``frontal_primary``)."""
        if view == "frontal" and self.frontal_primary is not None:
            return self.frontal_primary, self.frontal_unit, self.frontal_standing
        return self.primary, self.unit, self.direction if self.start == ("upright",) else 1

    def plan(self, calib: Calibration, config: Config) -> Plan:
        """Resolve against the person's baseline posture."""
        plan = self._plan(calib, config)
        return replace(plan, settings=getattr(config, self.name), rom=self.rom)

    def _plan(self, calib: Calibration, config: Config) -> Plan:
        trunk = _trunk_feature(calib)
        section = getattr(config, self.name)
        if self.start == ("upright",):
            base = calib.baseline[trunk]
            return Plan(self.name, trunk, self.unit, self.direction, base,
                        section.counter, self.phases, "upright", trunk)  # fmt: skip
        primary, unit, up = self.primary_for(calib.view)
        base = calib.baseline[primary]
        frontal = "frontal_" if primary == self.frontal_primary else ""
        seated = "seated" in self.start and (
            "standing" not in self.start or seated_start(calib, config)
        )
        if seated:
            return Plan(self.name, primary, unit, up, base, getattr(section, f"{frontal}counter"),
                        ("seated", "rising", "standing", "sitting"), "seated", trunk,
                        _knee_feature(calib))  # fmt: skip
        own = "squat_counter" if hasattr(section, "squat_counter") else "counter"
        key = f"{frontal}{own}"
        return Plan(self.name, primary, unit, -up, base, getattr(section, key),
                    ("standing", "lowering", "bottom", "rising"), "standing", trunk,
                    _knee_feature(calib))  # fmt: skip


def _trunk_feature(calib: Calibration) -> str:
    """Image trunk angle in a side view, world-landmark trunk angle otherwise (when seen)."""
    world = calib.baseline.get("trunk_inclination_world", float("nan"))
    return (
        "trunk_inclination" if calib.view == "side" or world != world else "trunk_inclination_world"
    )


def _knee_feature(calib: Calibration) -> str:
    """Image knee angle in a side view, 3-D world-landmark knee angle otherwise (when seen)."""
    world = calib.baseline.get("knee_flexion_world", float("nan"))
    return "knee_flexion" if calib.view == "side" or world != world else "knee_flexion_world"


def seated_start(calib: Calibration, config: Config) -> bool:
    """Seated start: the knees well bent in the first frames, in the image (a straight
    leg projects straight from any camera angle, so a bent image knee is a bent knee)
    or, where the image foreshortens the thigh (a frontal view), in 3-D from the world
    landmarks. Hip height is no evidence: it depends on the camera's height."""
    limit = config.sit_to_stand.seated_min_knee_deg
    knee = calib.baseline["knee_flexion"]
    world = calib.baseline.get("knee_flexion_world", float("nan"))
    return (knee == knee and knee >= limit) or (world == world and world >= limit)


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
        rom="peak_extension_deg",
        cues=("knees_bending", "too_fast", "jerky", "no_hold", "not_returning_upright"),
    ),
    "sit_to_stand": ExerciseSpec(
        name="sit_to_stand",
        title="Sit-to-stand",
        primary="hip_height_leg",
        unit="% leg",
        direction=1,
        phases=("seated", "rising", "standing", "sitting"),
        needs_side_view=False,
        measurements=_COMMON_MEASURES
        + (
            "hip_top_deg",
            "hip_bottom_deg",
            "knee_top_deg",
            "knee_bottom_deg",
            "knee_range_deg",
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
        setup_joints=("ankle",),
        start=("seated", "standing"),
        frontal_primary="knee_flexion_world",
        shown_angle="knee_flexion",
        rom="knee_range_deg",
        tests=("5xsts", "30s_cst"),
    ),
    "squat": ExerciseSpec(
        name="squat",
        title="Squat",
        primary="hip_height_leg",
        unit="% leg",
        direction=-1,
        phases=("standing", "lowering", "bottom", "rising"),
        needs_side_view=False,
        measurements=_COMMON_MEASURES
        + (
            "hip_bottom_deg",
            "knee_bottom_deg",
            "knee_top_deg",
            "peak_trunk_deg",
            "knee_asymmetry_deg",
            "lateral_lean_deg",
            "knee_valgus",
            "heel_lift",
        ),
        cues=("depth_not_reached", "knees_caving", "heels_lifting", "excessive_trunk_lean"),
        setup_joints=("ankle",),
        start=("standing",),
        frontal_primary="knee_flexion_world",
        shown_angle="knee_flexion",
        rom="knee_bottom_deg",
    ),
}


def get_exercise(name: str) -> ExerciseSpec:
    """The spec for ``name``; unknown names raise ``ValueError`` listing the valid ones."""
    try:
        return EXERCISES[name]
    except KeyError:
        valid = ", ".join(sorted(EXERCISES))
        raise ValueError(f"unknown exercise {name!r}; valid: {valid}") from None
