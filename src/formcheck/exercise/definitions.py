"""The exercises as data: ``EXERCISES: dict[str, ExerciseSpec]``.

Each spec names its primary signal, which direction moves away from the
start posture, the phases of a rep, whether it needs a side view, and the
section of :class:`formcheck.config.Config` holding its thresholds. At the
end of set-up, :meth:`ExerciseSpec.plan` resolves it against the person's
baseline into a :class:`Plan` (sit-to-stand depends on whether the clip
starts seated or standing: a rep always returns to the posture it started from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Literal

from formcheck.config import Config, CounterConfig
from formcheck.kinematics.angles import Side
from formcheck.kinematics.viewpoint import Calibration

if TYPE_CHECKING:
    from formcheck.exercise.template_match import Template

__all__ = [
    "BUILT_IN",
    "ConfigSection",
    "DefinitionSettings",
    "EXERCISES",
    "ExerciseSpec",
    "Plan",
    "Recognition",
    "Signal",
    "TARGET_CUES",
    "get_exercise",
    "register_exercise",
    "seated_start",
]


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
    scale: float = 1.0
    two_sided: bool = False
    measure_groups: tuple[str, ...] = ()
    rom_measured: bool = True

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

    def relative(self, value: Any) -> Any:
        """Primary value(s) (float or array) -> signal relative to baseline, away
        positive, times ``scale`` (100 / baseline for a signal counted in % of its
        value at the start); ``two_sided``: away to either side is positive (a side
        bend to the left or to the right)."""
        if self.two_sided:
            return abs(value - self.baseline) * self.scale
        return self.direction * (value - self.baseline) * self.scale

    def absolute(self, relative: float) -> float:
        """Inverse of :meth:`relative` (for chart threshold lines; a two-sided signal:
        the side its ``direction`` names)."""
        return self.baseline + self.direction * relative / self.scale


@dataclass(frozen=True)
class Signal:
    """A counted signal: a feature column, its unit, its sign towards standing (legs)
    or away from upright (trunk), whether it is counted in % of its value at the start
    (``of_start``: pixel heights, which scale with the camera distance), and the
    counter section (``counter`` or ``frontal_counter``; ``squat_`` is inserted for a
    standing start where the section has one)."""

    feature: str
    unit: str
    sign: int = 1
    of_start: bool = False
    counter: str = "counter"
    two_sided: bool = False
    """Count a movement away from the start to either side (``|value - start|``)."""


@dataclass(frozen=True)
class Recognition:
    """How ``--exercise auto`` recognises an exercise (:func:`formcheck.exercise.analysis.
    detect_exercise`), tried in ``order`` (lower first):

    - ``"both_sides"``: this exercise's own reps go to both sides, filmed from one of
      ``views`` (None: any), from a seated start if ``seated``, and with no rep counted
      by the exercise ``unless_reps_of`` names (a seated twist is no sit-to-stand);
    - ``"seated_start"``: the clip starts seated;
    - ``"reps"``: a standing start and reps counted by this exercise's own counter;
    - ``"trunk"``: the trunk's largest excursion from its start lies in this exercise's
      ``direction`` (+1 forward), by at least ``dominance`` times the other way.
    """

    by: Literal["both_sides", "seated_start", "reps", "trunk"]
    order: int
    dominance: float = 2.0
    views: tuple[str, ...] | None = None
    seated: bool = False
    unless_reps_of: str | None = None


@dataclass(frozen=True)
class ConfigSection:
    """A built-in exercise's section of :class:`~formcheck.config.Config` (its ``key``: the
    TOML table and ``--set`` prefix), where its counters and thresholds live."""

    key: str

    def __call__(self, config: Config) -> Any:
        return getattr(config, self.key)


@dataclass(frozen=True)
class DefinitionSettings:
    """The thresholds a definition carries itself, for an exercise without a section of
    :class:`~formcheck.config.Config` (one defined in a file, e.g. by demonstration):
    the rep ``counter``, ``end_range_share`` (the end range: within this share of the
    peak excursion) and ``knee_bend_deg`` (a standing exercise's live "keep your knees
    straight" cue: knee flexion beyond the start posture's by more than this)."""

    counter: CounterConfig
    end_range_share: float = 0.9
    knee_bend_deg: float = 15.0


_HIP_OF_START = Signal("hip_height_px", "% of start", 1, True, "frontal_counter")
_KNEE = Signal("knee_flexion", "deg", -1, False, "knee_counter")


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise. ``measurements`` and ``cues`` list what each rep reports.

    ``setup_joints``: the joints (besides shoulder, hip and knee) that set-up waits
    for on one side, because the primary signal needs them (hip height: the ankle).
    ``start``: the start postures allowed: ``("upright",)`` for the trunk
    exercises, ``("standing",)`` for squats, ``("seated", "standing")`` for
    sit-to-stand (the first frames decide, see :func:`seated_start`).
    ``signals``: the counted signal by camera view (``"default"`` for the others).
    ``shown_angle``: the angle drawn on the video ("" for none). ``rom``: the measurement
    that is a rep's range of motion, named for a person by ``rom_word`` and coded in FHIR
    exports by ``rom_code``. ``tests``: the clinical tests built on it.
    Thresholds: ``section``, a built-in's section of ``Config``, or ``settings``, those a
    definition carries itself (:class:`DefinitionSettings`; one of the two).
    ``setup``: where to stand, for the live page; ``instructions``: how to do it,
    for patients and documents. ``recognition``: how ``--exercise auto`` finds it
    (``None``: never guessed). ``template``: the demonstrated movement each rep is
    compared with (:class:`~formcheck.exercise.template_match.Template`), or None.
    ``side``: the body side whose angles are measured ("left" or "right": an exercise of
    one leg, e.g. taught by demonstration on it); None: the side facing the camera.
    ``demonstration``: where a learned definition came from (source, span, view, side,
    start posture), for the record; empty for the built-in ones.
    ``views``: the camera views it is meant to be filmed from (elsewhere the report
    says to film it from there: ``view_advice``; with ``guide_view`` the live page asks
    for it too, in large words). ``measure_groups``: extra
    measurement groups of :mod:`formcheck.exercise.measures` (``MEASURE_GROUPS``).
    ``rom_views``: the views in which the ROM is a measurement; elsewhere the reps are
    counted only and no angle is shown (None: every view).
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
    signals: Mapping[str, Signal] = field(default_factory=dict)
    shown_angle: str = "trunk_inclination"
    rom: str = "peak_trunk_deg"
    tests: tuple[str, ...] = ()
    section: ConfigSection | None = None
    settings: DefinitionSettings | None = None
    setup: str = "Stand side-on to the camera"
    instructions: str = ""
    rom_word: str = "range of motion"
    rom_code: str = ""
    recognition: Recognition | None = None
    side: Side | None = None
    template: Template | None = None
    demonstration: Mapping[str, Any] = field(default_factory=dict)
    views: tuple[str, ...] = ("side",)
    view_advice: str = "Turn side-on to the camera"
    guide_view: bool = False
    measure_groups: tuple[str, ...] = ()
    rom_views: tuple[str, ...] | None = None

    def signal_for(self, view: str) -> Signal:
        """The counted signal in a camera ``view`` (see ``signals``)."""
        default = Signal(self.primary, self.unit, self.direction)
        return self.signals.get(view, self.signals.get("default", default))

    def plan(self, calib: Calibration, config: Config) -> Plan:
        """Resolve against the person's baseline posture."""
        plan = self._plan(calib, config)
        measured = self.rom_views is None or calib.view in self.rom_views
        return replace(plan, settings=self.settings_in(config), rom=self.rom,
                       measure_groups=self.measure_groups, rom_measured=measured)  # fmt: skip

    def settings_in(self, config: Config) -> Any:
        """The thresholds: the definition's own (``settings``), else its ``section`` of
        ``config``."""
        if self.settings is not None:
            return self.settings
        if self.section is None:
            raise ValueError(f"exercise {self.name!r} has no thresholds (no settings, no section)")
        return self.section(config)

    def _plan(self, calib: Calibration, config: Config) -> Plan:
        trunk = _trunk_feature(calib)
        section = self.settings_in(config)
        if self.start == ("upright",) and not self.signals:
            base = calib.baseline[trunk]
            return Plan(self.name, trunk, self.unit, self.direction, base,
                        section.counter, self.phases, "upright", trunk)  # fmt: skip
        sig = self.signal_for(calib.view)
        if self.start == ("upright",):  # an upright exercise counted on a signal of its own
            base = calib.baseline[sig.feature]
            scale = 100.0 / base if sig.of_start and base == base and base > 0 else 1.0
            return Plan(self.name, sig.feature, sig.unit, sig.sign, base,
                        getattr(section, sig.counter), self.phases, "upright", trunk,
                        _knee_feature(calib), scale=scale, two_sided=sig.two_sided)  # fmt: skip
        base = calib.baseline[sig.feature]
        scale = 100.0 / base if sig.of_start and base == base and base > 0 else 1.0
        seated = "seated" in self.start and (
            "standing" not in self.start or seated_start(calib, config)
        )
        posture, phases, sign = (
            ("seated", ("seated", "rising", "standing", "sitting"), sig.sign) if seated
            else ("standing", ("standing", "lowering", "bottom", "rising"), -sig.sign)
        )  # fmt: skip
        key = sig.counter
        if not seated and hasattr(section, sig.counter.replace("counter", "squat_counter")):
            key = sig.counter.replace("counter", "squat_counter")
        return Plan(self.name, sig.feature, sig.unit, sign, base, getattr(section, key),
                    phases, posture, trunk, _knee_feature(calib), scale=scale)  # fmt: skip


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


_MOVING_KNEE_DEG_S = 60.0  # the knee angle changing faster than this at set-up: mid-rep


def seated_start(calib: Calibration, config: Config) -> bool:
    """Seated start. A person first seen mid-rep started from the posture they are
    moving away from (knee straightening: rising from the seat). Otherwise, the knees
    well bent in the first frames, in the image (a straight leg projects straight from
    any camera angle, so a bent image knee is a bent knee) or, where the image
    foreshortens the thigh (a frontal view), in 3-D from the world landmarks. Hip
    height is no evidence: it depends on the camera's height."""
    rate = calib.trend.get("knee_flexion", float("nan"))
    if rate == rate and abs(rate) >= _MOVING_KNEE_DEG_S:
        return rate < 0
    limit = float(config.sit_to_stand.seated_min_knee_deg)
    knee = calib.baseline["knee_flexion"]
    world = calib.baseline.get("knee_flexion_world", float("nan"))
    return (knee == knee and knee >= limit) or (world == world and world >= limit)


TARGET_CUES: Final = ("short_of_target", "hold_short")
"""The cues of a prescribed target and hold (``config.target``): silent without one, so
every exercise lists them."""

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
    "target_hold_s",
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
        cues=("knees_bending", "not_returning_upright", "too_fast", "jerky") + TARGET_CUES,
        section=ConfigSection("trunk_flexion"),
        instructions="Standing trunk flexion: bend forward slowly, knees straight, return "
        "upright. Trunk inclination = mid-hip to mid-shoulder line against the vertical.",
        rom_word="flexion",
        rom_code="trunk-flexion-rom",
        recognition=Recognition("trunk", order=4),
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
        cues=("knees_bending", "too_fast", "jerky", "no_hold", "not_returning_upright")
        + TARGET_CUES,
        section=ConfigSection("back_extension"),
        instructions="Standing back extension: hands on hips, knees straight, bend back "
        "slowly within a pain-free range. Trunk inclination against the vertical (backward < 0).",
        rom_word="extension",
        rom_code="back-extension-rom",
        recognition=Recognition("trunk", order=5, dominance=0.0),
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
        )
        + TARGET_CUES,
        setup_joints=("ankle",),
        start=("seated", "standing"),
        signals={"frontal": _HIP_OF_START, "oblique": _KNEE},
        shown_angle="knee_flexion",
        rom="knee_range_deg",
        tests=("5xsts", "30s_cst", "tug"),
        section=ConfigSection("sit_to_stand"),
        setup="Sit on a chair side-on to the camera, arms crossed",
        instructions="Sit-to-stand: feet flat, lean forward, push through the legs, stand "
        "tall, lower with control, no hands.",
        rom_word="knee range",
        rom_code="knee-rom",
        recognition=Recognition("seated_start", order=1),
    ),
    "squat": ExerciseSpec(
        name="squat",
        title="Squat",
        primary="hip_height_px",
        unit="% of start",
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
        cues=("depth_not_reached", "knees_caving", "heels_lifting", "excessive_trunk_lean")
        + TARGET_CUES,
        setup_joints=("ankle",),
        start=("standing",),
        signals={"default": Signal("hip_height_px", "% of start", 1, True, "counter")},
        shown_angle="knee_flexion",
        rom="knee_bottom_deg",
        section=ConfigSection("squat"),
        setup="Stand facing the camera or side-on, feet hip-width apart",
        instructions="Squat: from standing, bend hips and knees and return to standing.",
        rom_word="knee bend",
        rom_code="knee-rom",
        recognition=Recognition("reps", order=2),
    ),
    "lateral_flexion": ExerciseSpec(
        name="lateral_flexion",
        title="Standing side bending",
        primary="side_bend",
        unit="deg",
        direction=1,
        phases=("upright", "bending", "end_range", "returning"),
        needs_side_view=False,
        measurements=_COMMON_MEASURES
        + ("side_bend_deg", "side", "rotation_world_deg", "forward_bend_deg",
           "knee_bend_deg", "hip_shift_pct"),  # fmt: skip
        cues=("trunk_rotating", "bending_forward", "knees_bending", "hips_shifting",
              "too_fast", "jerky") + TARGET_CUES,  # fmt: skip
        signals={"default": Signal("side_bend", "deg", 1, False, "counter", two_sided=True)},
        shown_angle="side_bend",
        rom="side_bend_deg",
        views=("frontal", "oblique"),
        view_advice="Face the camera",
        guide_view=True,
        measure_groups=("side_bend",),
        section=ConfigSection("lateral_flexion"),
        setup="Stand facing the camera, feet hip-width apart, arms by your sides",
        instructions="Standing side bending: slide one hand down the side of the thigh, "
        "bending the trunk sideways without turning or leaning forward; return upright, "
        "then to the other side.",
        rom_word="side bend",
        rom_code="lateral-flexion-rom",
        recognition=Recognition("both_sides", order=3, views=("frontal", "oblique", "unknown")),
    ),
    "trunk_rotation": ExerciseSpec(
        name="trunk_rotation",
        title="Seated trunk rotation",
        primary="trunk_twist_world",
        unit="counted only",
        direction=1,
        phases=("facing_forward", "turning", "end_range", "returning"),
        needs_side_view=False,
        measurements=_COMMON_MEASURES + ("rotation_deg", "rotation_world_deg", "side"),
        cues=(),
        # counted on the world-landmark twist (deg), which reads about half the true turn:
        # a counting curve, not an angle, so its unit says so
        signals={"default": Signal("trunk_twist_world", "counted only", 1, False, "counter",
                                   two_sided=True)},  # fmt: skip
        shown_angle="",  # counted only: no angle is drawn
        rom="rotation_deg",
        views=("frontal", "oblique"),
        view_advice="Face the camera",
        guide_view=True,
        measure_groups=("rotation",),
        rom_views=(),  # counted only: every estimate 10.8-19.5 deg mean off on the samples (README)
        section=ConfigSection("trunk_rotation"),
        setup="Sit on a chair facing the camera, arms crossed on your chest",
        instructions="Seated trunk rotation: sitting tall, arms crossed, turn the shoulders "
        "to one side, keeping the hips still; return to face forward, then to the other side.",
        rom_word="rotation",
        recognition=Recognition("both_sides", order=0, seated=True,
                                unless_reps_of="sit_to_stand"),  # fmt: skip
    ),
}


BUILT_IN: Final[frozenset[str]] = frozenset(EXERCISES)
"""The names of the definitions formcheck ships; others are registered at run time."""


def register_exercise(spec: ExerciseSpec) -> ExerciseSpec:
    """Add a definition loaded at run time (a file, a demonstration) to ``EXERCISES``, or
    replace one added earlier under the same name. A built-in name is refused
    (``ValueError``): a file cannot change what ``squat`` means."""
    if spec.name in BUILT_IN:
        raise ValueError(f"exercise name {spec.name!r} is a built-in exercise; choose another"
                         f" (built-in: {', '.join(sorted(BUILT_IN))})")  # fmt: skip
    if spec.settings is None:
        raise ValueError(f"exercise {spec.name!r} has no thresholds ([settings]): only a"
                         " built-in exercise takes them from the configuration")  # fmt: skip
    EXERCISES[spec.name] = spec
    return spec


def get_exercise(name: str) -> ExerciseSpec:
    """The spec for ``name``; unknown names raise ``ValueError`` listing the valid ones."""
    try:
        return EXERCISES[name]
    except KeyError:
        valid = ", ".join(sorted(EXERCISES))
        raise ValueError(f"unknown exercise {name!r}; valid: {valid}") from None

