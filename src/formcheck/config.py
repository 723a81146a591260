"""One typed source of configuration: frozen dataclasses with defaults in code.

A TOML file (see ``default_config.toml``, commented line by line) overrides
the defaults, and ``--set section.key=value`` flags override the file.
Times are seconds, frequencies Hz, angles degrees; hip height is in percent
of the person's torso length.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from formcheck.kinematics.joint_centres import JointCentreModel

__all__ = [
    "AnglesConfig",
    "CleaningConfig",
    "SetupConfig",
    "CounterConfig",
    "FlexionConfig",
    "ExtensionConfig",
    "SitToStandConfig",
    "SquatConfig",
    "LateralFlexionConfig",
    "TrunkRotationConfig",
    "TestsConfig",
    "TargetConfig",
    "SpeechConfig",
    "Config",
    "load_config",
    "apply_overrides",
    "parse_set",
]


@dataclass(frozen=True)
class CleaningConfig:
    """Landmark cleaning and filtering."""

    min_visibility: float = 0.5
    max_gap_s: float = 0.25
    lowpass_hz: float = 6.0
    lowpass_order: int = 2
    one_euro_min_cutoff_hz: float = 2.0
    one_euro_beta: float = 0.02
    one_euro_d_cutoff_hz: float = 1.0


@dataclass(frozen=True)
class AnglesConfig:
    """Which points the joint angles use (see ``formcheck.kinematics.joint_centres``).

    ``joint_centres = "estimated"`` moves MediaPipe's hip and knee landmarks
    to the estimated joint centres in a side view: the hip by the offsets
    below (thigh lengths, in the thigh's frame; standing and seated values,
    interpolated by the thigh's forward inclination), the knee back by
    ``knee_anterior`` shank lengths. ``"landmark"`` uses the landmarks as
    they are.
    """

    joint_centres: str = "estimated"
    hip_along_standing: float = -0.06
    hip_along_seated: float = 0.136
    hip_anterior_standing: float = 0.07
    hip_anterior_seated: float = 0.108
    knee_anterior: float = 0.035

    def centres_for(self, view: str) -> JointCentreModel | None:
        """The model for a camera ``view``: fitted on side views, so None elsewhere."""
        return self.centre_model() if view == "side" else None

    def centre_model(self) -> JointCentreModel | None:
        """The offsets as a model, or None for the raw landmarks."""
        if self.joint_centres == "landmark":
            return None
        return JointCentreModel(self.hip_along_standing, self.hip_along_seated,
                                self.hip_anterior_standing, self.hip_anterior_seated,
                                self.knee_anterior)  # fmt: skip


@dataclass(frozen=True)
class SetupConfig:
    """The set-up step that finds the person's own baseline posture."""

    window_s: float = 0.3
    max_gap_s: float = 0.25
    still_tolerance: float = 0.012
    side_view_max_ratio: float = 0.35
    frontal_min_ratio: float = 0.65
    side_view_min_yaw_deg: float = 60.0
    frontal_max_yaw_deg: float = 25.0


@dataclass(frozen=True)
class CounterConfig:
    """Rep detection on the primary signal; the thresholds adapt to the person.

    A rep goes at least ``enter`` beyond the resting level (a floor against
    noise) and at least ``enter_share`` of this person's typical excursion
    (median of the last reps), stays there ``min_dwell_s``, and comes back
    within ``rest`` (at most ``rest_share`` of its own excursion) of its resting
    level; it starts and ends where the signal sits within ``onset`` of that
    level. A rep that started more than ``partial_share`` of its excursion above
    the level it returned to began mid-movement and is not counted (see
    ``formcheck.exercise.reps.RepCounter``).
    """

    enter: float
    rest: float
    onset: float
    min_dwell_s: float = 0.15
    settle_s: float = 0.5
    enter_share: float = 0.5
    rest_share: float = 0.35
    partial_share: float = 0.35

    def counter_kwargs(self) -> dict[str, float]:
        """Keyword arguments of :class:`formcheck.exercise.reps.RepCounter` (thresholds only)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FlexionConfig:
    """Standing trunk flexion: counting and cue thresholds."""

    counter: CounterConfig = field(default_factory=lambda: CounterConfig(20.0, 12.0, 3.0, 0.2))
    knee_bend_deg: float = 15.0
    max_velocity_deg_s: float = 120.0
    max_velocity_peaks: int = 2
    end_range_share: float = 0.9


@dataclass(frozen=True)
class ExtensionConfig:
    """Standing back extension: counting and cue thresholds."""

    counter: CounterConfig = field(default_factory=lambda: CounterConfig(10.0, 5.0, 1.5, 0.2))
    knee_bend_deg: float = 15.0
    max_velocity_deg_s: float = 90.0
    max_velocity_peaks: int = 2
    min_hold_s: float = 1.0
    end_range_share: float = 0.9


@dataclass(frozen=True)
class SitToStandConfig:
    """Sit-to-stand (and squats analysed as such): counting and cue thresholds.

    The primary signal is hip height above the lower ankle in percent of the
    leg's projected length (``counter`` from seated, ``squat_counter`` from
    standing); in a frontal view, the 3-D knee flexion in degrees
    (``frontal_counter``, ``frontal_squat_counter``). ``seated_min_knee_deg``
    separates a seated from a standing start.
    """

    counter: CounterConfig = field(default_factory=lambda: CounterConfig(15.0, 10.0, 3.0, 0.35))
    squat_counter: CounterConfig = field(
        default_factory=lambda: CounterConfig(15.0, 10.0, 3.0, 0.35)
    )
    frontal_counter: CounterConfig = field(
        default_factory=lambda: CounterConfig(25.0, 20.0, 5.0, 0.35)
    )
    frontal_squat_counter: CounterConfig = field(
        default_factory=lambda: CounterConfig(25.0, 20.0, 5.0, 0.35)
    )
    knee_counter: CounterConfig = field(
        default_factory=lambda: CounterConfig(25.0, 20.0, 5.0, 0.35)
    )
    knee_squat_counter: CounterConfig = field(
        default_factory=lambda: CounterConfig(25.0, 20.0, 5.0, 0.35)
    )
    seated_min_knee_deg: float = 50.0
    stand_max_hip_deg: float = 25.0
    stand_max_knee_deg: float = 20.0
    arm_touch_distance: float = 0.3
    arm_touch_share: float = 0.3
    drop_speed_ratio: float = 1.8
    max_trunk_lean_deg: float = 60.0
    max_asymmetry_deg: float = 15.0
    max_lateral_lean_deg: float = 10.0
    end_range_share: float = 0.9


@dataclass(frozen=True)
class SquatConfig:
    """Squats (standing -> bottom -> standing, no chair): counting and cue thresholds.

    The primary signal is hip height above the lower ankle (% of the leg's projected
    length), lowering away; in a frontal view the 3-D knee flexion (deg,
    ``frontal_counter``).
    """

    counter: CounterConfig = field(default_factory=lambda: CounterConfig(15.0, 10.0, 3.0, 0.35))
    frontal_counter: CounterConfig = field(
        default_factory=lambda: CounterConfig(25.0, 20.0, 5.0, 0.35)
    )
    min_depth_knee_deg: float = 60.0
    arm_touch_distance: float = 0.3
    max_valgus_deg: float = 10.0
    max_heel_rise: float = 0.1
    max_trunk_lean_deg: float = 60.0
    end_range_share: float = 0.9


@dataclass(frozen=True)
class LateralFlexionConfig:
    """Standing side bending, filmed from the front: counting and cue thresholds.

    The primary signal is the frontal-plane trunk lean (deg, mid-hip -> mid-shoulder
    against the vertical), counted away from the start to either side.
    """

    counter: CounterConfig = field(default_factory=lambda: CounterConfig(10.0, 6.0, 2.0, 0.2))
    knee_bend_deg: float = 15.0
    max_rotation_deg: float = 15.0
    max_forward_bend_deg: float = 20.0
    max_hip_shift_pct: float = 30.0
    max_velocity_deg_s: float = 90.0
    max_velocity_peaks: int = 2
    end_range_share: float = 0.9


@dataclass(frozen=True)
class TrunkRotationConfig:
    """Seated trunk rotation, filmed from the front: counting thresholds.

    The primary signal is the shoulder line's yaw relative to the hip line's from
    MediaPipe's world landmarks (deg), counted away from the start to either side. It
    reads about 0.5-0.65 of the true rotation on the samples: counted, not measured.
    """

    counter: CounterConfig = field(default_factory=lambda: CounterConfig(8.0, 5.0, 1.5, 0.2))
    knee_bend_deg: float = 30.0
    end_range_share: float = 0.9


@dataclass(frozen=True)
class TestsConfig:
    """Clinical tests. ``five_stop``: "seat" (buttocks touch the seat after the
    5th stand) or "stand" (the 5th full stand)."""

    five_stop: str = "seat"
    chair_stand_s: float = 30.0


@dataclass(frozen=True)
class TugConfig:
    """The Timed Up and Go's phase split (:mod:`formcheck.exercise.tug`). ``stand_share``:
    standing is reached (and sitting begins) at this share of the hips' rise; walking
    straight is moving along the path at ``walk_share`` or more of the person's own
    walking speed with the trunk's heading within ``turn_deg`` of the walk's; a walk
    shorter than ``min_travel`` torso lengths (about 1 m) is no TUG. The walking
    signals are low-passed at ``lowpass_hz`` (the body's scale, for the depth part of
    the path, at ``scale_lowpass_hz``), gaps up to ``max_gap_s`` filled (a person
    partly out of frame at the turn); ``focal_share``: the camera's focal length in
    frame widths (long side), a phone's main camera about 0.75."""

    stand_share: float = 0.9
    walk_share: float = 0.5
    turn_deg: float = 45.0
    min_travel: float = 2.0
    lowpass_hz: float = 1.5
    scale_lowpass_hz: float = 0.5
    max_gap_s: float = 1.5
    focal_share: float = 0.75


@dataclass(frozen=True)
class TargetConfig:
    """A prescribed range-of-motion target (a programme step sets it; a per-patient
    override, e.g. a gentler target after surgery, is ``--set target.deg=40``).

    ``deg``: the target in degrees of the exercise's ROM measurement
    (``ExerciseSpec.rom``); 0 = no target. With a target, a rep counts once its ROM
    reaches ``count_share`` of it, and reaches the target at ``deg``. ``hold_s``:
    seconds to hold (0 = no hold), timed only while the posture stays within
    ``band_deg`` of the target or beyond it (without a target: at end range).
    """

    deg: float = 0.0
    count_share: float = 0.8
    hold_s: float = 0.0
    band_deg: float = 5.0

    def check(self) -> None:
        """Raise ``ValueError`` naming the key and its allowed range."""
        for name, low, high in (("deg", 0.0, 180.0), ("count_share", 0.05, 1.0),
                                ("hold_s", 0.0, 120.0), ("band_deg", 0.0, 90.0)):  # fmt: skip
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"target.{name} must be in [{low:g}, {high:g}], got {value!r}")

    @property
    def active(self) -> bool:
        """A target is set."""
        return self.deg > 0


@dataclass(frozen=True)
class SpeechConfig:
    """Spoken cues on the live page (``formcheck.speech``): ``cooldown_s``, seconds
    before the same phrase (a correction) is said again; espeak-ng's ``voice`` and
    speaking rate, ``words_per_minute`` (80 to 450)."""

    cooldown_s: float = 5.0
    voice: str = "en"
    words_per_minute: int = 160


@dataclass(frozen=True)
class Config:
    """Every tunable number of the analysis."""

    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    angles: AnglesConfig = field(default_factory=AnglesConfig)
    setup: SetupConfig = field(default_factory=SetupConfig)
    trunk_flexion: FlexionConfig = field(default_factory=FlexionConfig)
    back_extension: ExtensionConfig = field(default_factory=ExtensionConfig)
    sit_to_stand: SitToStandConfig = field(default_factory=SitToStandConfig)
    squat: SquatConfig = field(default_factory=SquatConfig)
    lateral_flexion: LateralFlexionConfig = field(default_factory=LateralFlexionConfig)
    trunk_rotation: TrunkRotationConfig = field(default_factory=TrunkRotationConfig)
    tests: TestsConfig = field(default_factory=TestsConfig)
    tug: TugConfig = field(default_factory=TugConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)

    def __post_init__(self) -> None:
        if self.angles.joint_centres not in ("estimated", "landmark"):
            raise ValueError("angles.joint_centres must be 'estimated' or 'landmark', "
                             f"got {self.angles.joint_centres!r}")  # fmt: skip
        if self.tests.five_stop not in ("seat", "stand"):
            raise ValueError(
                f"tests.five_stop must be 'seat' or 'stand', got {self.tests.five_stop!r}"
            )
        c = self.cleaning
        if not 0.0 <= c.min_visibility <= 1.0:
            raise ValueError(f"cleaning.min_visibility must be in [0, 1], got {c.min_visibility}")
        for name in ("max_gap_s", "lowpass_hz", "one_euro_min_cutoff_hz", "one_euro_d_cutoff_hz"):
            if getattr(c, name) < 0 or (name != "max_gap_s" and getattr(c, name) == 0):
                raise ValueError(f"cleaning.{name} must be positive, got {getattr(c, name)}")
        if self.setup.window_s < 0 or self.setup.max_gap_s < 0:
            raise ValueError("setup.window_s and setup.max_gap_s must be >= 0")
        self._check_tug()
        self.target.check()
        if not self.speech.cooldown_s >= 0:
            raise ValueError(f"speech.cooldown_s must be >= 0 s, got {self.speech.cooldown_s}")
        if not 80 <= self.speech.words_per_minute <= 450:
            raise ValueError("speech.words_per_minute must be 80 to 450, "
                             f"got {self.speech.words_per_minute}")  # fmt: skip
        self._check_counters()

    def _check_tug(self) -> None:
        g = self.tug
        for name in ("stand_share", "walk_share"):
            if not 0.0 < getattr(g, name) < 1.0:
                raise ValueError(f"tug.{name} must be between 0 and 1, got {getattr(g, name)}")
        if not 0.0 < g.turn_deg < 90.0:
            raise ValueError(f"tug.turn_deg must be between 0 and 90, got {g.turn_deg}")
        for name in ("min_travel", "lowpass_hz", "scale_lowpass_hz", "focal_share"):
            if getattr(g, name) <= 0:
                raise ValueError(f"tug.{name} must be positive, got {getattr(g, name)}")
        if g.max_gap_s < 0:
            raise ValueError(f"tug.max_gap_s must be >= 0, got {g.max_gap_s}")

    def _check_counters(self) -> None:
        """Build each counter once so bad thresholds fail here, naming the key."""
        from formcheck.exercise.reps import RepCounter

        counters = {
            f"{section.name}.{f.name}": getattr(getattr(self, section.name), f.name)
            for section in dataclasses.fields(self)
            if dataclasses.is_dataclass(getattr(self, section.name))
            for f in dataclasses.fields(getattr(self, section.name))
            if isinstance(getattr(getattr(self, section.name), f.name), CounterConfig)
        }
        for key, c in counters.items():
            try:
                RepCounter(**c.counter_kwargs())
            except ValueError as err:
                raise ValueError(f"{key}: {err}") from None

    def section_key(self, section: Any) -> str:
        """The key (``--set`` prefix, TOML table) of one of this config's sections."""
        for f in dataclasses.fields(self):
            if getattr(self, f.name) is section:
                return f.name
        raise KeyError("not a section of this configuration")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _coerce(value: Any, kind: Any, key: str) -> Any:
    if kind is bool:
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes", "on")
        return bool(value)
    try:
        return kind(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"config {key}: cannot read {value!r} as {kind.__name__}") from err


def _merge(obj: Any, updates: Mapping[str, Any], prefix: str) -> Any:
    hints = get_type_hints(type(obj))
    names = {f.name for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in updates.items():
        path = f"{prefix}{key}"
        if key not in names:
            valid = ", ".join(sorted(names))
            raise ValueError(f"unknown config key {path!r}; valid here: {valid}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, Mapping):
                raise ValueError(f"config {path} is a section; set one of its keys")
            changes[key] = _merge(current, value, path + ".")
        else:
            changes[key] = _coerce(value, hints[key], path)
    return dataclasses.replace(obj, **changes)


def apply_overrides(config: Config, updates: Mapping[str, Any]) -> Config:
    """A new ``Config`` with the nested ``updates`` (TOML-shaped) applied; unknown keys raise."""
    return _merge(config, updates, "")


def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """``["sit_to_stand.counter.enter=40"]`` -> nested dict for :func:`apply_overrides`."""
    nested: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set needs key=value, got {item!r}")
        parts = key.strip().split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value.strip()
    return nested


def load_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """Defaults, then the TOML file at ``path`` (if any), then ``key=value`` overrides."""
    config = Config()
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{path}: not valid TOML ({err})") from err
        config = apply_overrides(config, data)
    sets = parse_set(overrides)
    return apply_overrides(config, sets) if sets else config
