"""What happens in a synthetic clip: the exercise, its reps and their faults (pure NumPy).

A :class:`ClipSpec` says everything a clip varies (exercise, reps with depth,
tempo, holds, pauses and faults, body, clothing, camera, frame size, rate).
:func:`choreograph` turns it into minimum-jerk :class:`~formcheck_synth.motion.Track`
objects, one per degree of freedom, plus the rep times that go into the truth file.

Degrees of freedom (degrees, or 0..1 for ``push``) are *segment pitches* in the
sagittal plane, measured in the world, positive when the segment's upper end
tips forward (the way the person faces):

- ``pelvis``, ``lumbar``, ``thorax``: the trunk segments (0 upright,
  + bending forward, - leaning back);
- ``thigh``, ``shank``: both legs (thigh -90: horizontal, knee forward;
  shank +10: knee ahead of the ankle). The feet stay flat where they are.
  Knee flexion = shank - thigh, hip flexion = thorax-ish - thigh;
- ``push``: 0 arms in their exercise position, 1 hands pushing on the thighs.

A clip may also start with the person walking into view (``ClipSpec.walk_in_s``):
then the choreography adds ``walk`` (metres along the facing direction, 0 where
the person stops, negative before) and per-leg offsets ``thigh_l``, ``thigh_r``,
``shank_l``, ``shank_r`` (degrees, added to ``thigh`` and ``shank``), from a
:class:`~formcheck_synth.motion.WalkIn`. And a clip may start part-way through
its choreography (``ClipSpec.start_at_s``): frame 0 shows the person mid-movement.

A Timed Up and Go (``ClipSpec.tug``) is one sit-to-stand rep whose standing time is a
:class:`~formcheck_synth.motion.TugWalk`: the choreography adds ``WALK_DOFS`` (``walk``:
metres along +Z from the chair, out and back) and ``heading`` (degrees turned about the
vertical: 0, 180 after the first turn, 360 after the second).

These are the *commands*. The truth file never uses them: its angles are
measured from the posed joint centres (see :mod:`formcheck_synth.truth`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from formcheck_synth.motion import Track, TugWalk, TugWalkTrack, WalkIn, WalkTrack

__all__ = [
    "ARMS",
    "DOFS",
    "SCRIPTED",
    "FAULTS",
    "PLANE_DOFS",
    "PLANE_EXERCISES",
    "SEATED",
    "CameraSpec",
    "ClipSpec",
    "Choreography",
    "RepSpec",
    "RepTimes",
    "SquashSpec",
    "TUG_DOFS",
    "TugSpec",
    "WALK_DOFS",
    "choreograph",
    "random_clip",
]

SCRIPTED = ("trunk_flexion", "back_extension", "sit_to_stand", "squat", "knee_raise",
            "lateral_flexion", "trunk_rotation")
DOFS = ("pelvis", "lumbar", "thorax", "thigh", "shank", "push")
LEG_DOFS = ("thigh_l", "thigh_r", "shank_l", "shank_r")
"""Per-leg offsets (degrees, added to ``thigh`` and ``shank``): a walk's swing, one knee raised."""
WALK_DOFS = ("walk",) + LEG_DOFS
TUG_DOFS = WALK_DOFS + ("heading",)
FAULTS: dict[str, tuple[str, ...]] = {
    "trunk_flexion": ("knees_bending", "too_fast"),
    "back_extension": ("knees_bending", "too_fast"),
    "sit_to_stand": ("incomplete_stand", "arms_used"),
    "squat": (),
    "knee_raise": ("leaning_back", "low_raise"),
    "lateral_flexion": ("trunk_rotating", "bending_forward", "knees_bending", "hips_shifting"),
    "trunk_rotation": (),
}
"""Labelled form faults per exercise; the names are the core's cue codes (``exercise.cues``),
except ``knee_raise``'s: no built-in exercise knows it (it is taught to formcheck by
demonstration, issue #13), so its faults are departures from the demonstrated movement
that the template match should name (``leaning_back``: the trunk, ``low_raise``: the hip)."""
ARMS = {"trunk_flexion": "hang", "back_extension": "hips", "sit_to_stand": "crossed",
        "squat": "forward", "knee_raise": "hips", "lateral_flexion": "hang",
        "trunk_rotation": "crossed"}  # fmt: skip
SEATED = ("sit_to_stand", "trunk_rotation")
"""Exercises done on a chair (the scene builds one under the person)."""
TESTS = ("5xsts", "30s_cst", "tug")  # the core's test ids (formcheck.exercise.clinical_tests)
VIEWS = ("side", "oblique", "front")

Pose = dict[str, float]


@dataclass(frozen=True)
class RepSpec:
    """One repetition.

    ``depth``: peak trunk pitch commanded, degrees (flexion: forward, e.g. 70;
    extension: backward magnitude, e.g. 25; sit-to-stand: the forward lean at
    seat-off, e.g. 40); for a squat, the knee flexion commanded at the bottom
    (e.g. 90). ``out_s``: seconds from rest to the extreme (for sit-to-stand:
    rising; squat: going down); ``hold_s``: held at the extreme (standing; squat:
    the bottom); ``back_s``: returning (sitting down; squat: standing up);
    ``pause_s``: at rest before the next rep. ``fault``: one of
    ``FAULTS[exercise]`` or None.
    """

    depth: float
    out_s: float
    hold_s: float
    back_s: float
    pause_s: float
    fault: str | None = None
    side: int = 0
    """Side bending and rotation: +1 to the person's left, -1 to the right (0 elsewhere)."""

    @property
    def duration_s(self) -> float:
        return self.out_s + self.hold_s + self.back_s + self.pause_s


@dataclass(frozen=True)
class TugSpec:
    """The walk of a Timed Up and Go clip (see :class:`~formcheck_synth.motion.TugWalk`):
    out ``distance_m`` and back at up to ``speed_m_s``, ramping over ``ramp_s``, each 180 deg
    turn taking ``turn_s``. It fills the one sit-to-stand rep's standing time."""

    distance_m: float = 3.0
    speed_m_s: float = 1.0
    ramp_s: float = 0.5
    turn_s: float = 1.2

    def walk(self, start_s: float) -> TugWalk:
        return TugWalk(start_s, self.distance_m, self.speed_m_s, self.ramp_s, self.turn_s)

    @property
    def duration_s(self) -> float:
        return self.walk(0.0).duration_s


@dataclass(frozen=True)
class CameraSpec:
    """Camera placement around the person.

    ``azimuth_deg``: 0 in front of the person, +90 on the person's left side,
    -90 on the right side, 45 front-left oblique. ``distance_m``: horizontal
    distance from the mid-hip; ``height_m``: lens height above the floor;
    ``yfov_deg``: vertical field of view. ``aim_x``: where the person's middle
    lands across the frame (share of the width from the left edge; 0.5 centred),
    by turning the camera about the vertical (no roll).
    """

    azimuth_deg: float = 90.0
    distance_m: float = 3.2
    height_m: float = 1.0
    yfov_deg: float = 50.0
    aim_x: float = 0.5

    @property
    def view(self) -> str:
        a = abs(((self.azimuth_deg + 180.0) % 360.0) - 180.0)
        if 75.0 <= a <= 105.0:
            return "side"
        return "front" if a < 20.0 or a > 160.0 else "oblique"


@dataclass(frozen=True)
class ClipSpec:
    """Everything one synthetic clip varies; the same spec renders the same clip."""

    name: str
    exercise: str
    reps: tuple[RepSpec, ...]
    body: str = "tall_young_adult"
    shirt: tuple[float, float, float] = (0.2, 0.35, 0.7)
    trousers: tuple[float, float, float] = (0.15, 0.15, 0.2)
    shoes: tuple[float, float, float] = (0.9, 0.9, 0.9)
    wall: tuple[float, float, float] = (0.8, 0.78, 0.72)
    floor: tuple[float, float, float] = (0.45, 0.35, 0.25)
    camera: CameraSpec = field(default_factory=CameraSpec)
    width: int = 640
    height: int = 480
    fps: float = 25.0
    lead_in_s: float = 1.0
    lead_out_s: float = 1.0
    test: str | None = None
    seed: int = 0
    start_at_s: float = 0.0
    """Choreography time shown by frame 0: > 0 starts the clip part-way through (mid-rep)."""
    walk_in_s: float = 0.0
    """Seconds of walking into view (from out of frame) before ``lead_in_s``; 0: none."""
    note: str = ""
    """What the clip shows, for its truth file; set, the truth also describes the start."""
    tug: TugSpec | None = None
    """A Timed Up and Go: the one sit-to-stand rep's standing time is this walk."""

    def __post_init__(self) -> None:
        if self.exercise not in SCRIPTED:
            raise ValueError(f"unknown exercise {self.exercise!r}; choose one of {SCRIPTED}")
        for i, rep in enumerate(self.reps):
            if rep.fault is not None and rep.fault not in FAULTS[self.exercise]:
                raise ValueError(
                    f"rep {i}: fault {rep.fault!r} is not one of {FAULTS[self.exercise]}"
                )
        if self.test is not None and self.test not in TESTS:
            raise ValueError(f"unknown test {self.test!r}; choose one of {TESTS}")
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(
                f"frame size must be positive and even, got {self.width}x{self.height}"
            )
        if not 0.0 <= self.start_at_s < self.choreography_s:
            raise ValueError(
                f"start_at_s must be in 0..{self.choreography_s:.2f} s, got {self.start_at_s}"
            )
        if self.walk_in_s < 0.0:
            raise ValueError(f"walk_in_s must be >= 0, got {self.walk_in_s}")
        if self.walk_in_s and self.exercise in SEATED:
            raise ValueError(
                f"walking in is for exercises that start standing, not {self.exercise}"
            )
        if self.tug is not None:
            self._check_tug(self.tug)

    def _check_tug(self, tug: TugSpec) -> None:
        if self.exercise != "sit_to_stand" or len(self.reps) != 1:
            raise ValueError("a TUG is one sit-to-stand rep")
        if abs(self.reps[0].hold_s - tug.duration_s) > 1e-6:
            raise ValueError(f"a TUG's rep holds its walk: hold_s {tug.duration_s:.3f} s, "
                             f"got {self.reps[0].hold_s}")  # fmt: skip

    @property
    def choreography_s(self) -> float:
        """Seconds of the whole choreography, from its time 0 (before any ``start_at_s`` cut)."""
        reps = sum(r.duration_s for r in self.reps)
        return self.walk_in_s + self.lead_in_s + reps + self.lead_out_s

    @property
    def duration_s(self) -> float:
        return self.choreography_s - self.start_at_s

    def frame_times(self) -> np.ndarray:
        """(T,) seconds of each frame, ``i / fps``."""
        return np.arange(int(round(self.duration_s * self.fps))) / self.fps


@dataclass(frozen=True)
class SquashSpec:
    """A re-encode of the clip ``source`` (a :class:`ClipSpec` name) squashed or stretched
    to ``width`` x ``height``: the distortion is baked into square pixels."""

    name: str
    source: str
    width: int
    height: int
    note: str = ""

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(
                f"frame size must be positive and even, got {self.width}x{self.height}"
            )


@dataclass(frozen=True)
class RepTimes:
    """When a rep happened, seconds: movement start, extreme reached, back at rest; for
    sit-to-stand also ``seat``: the hips back on the seat (the thigh at its seated pitch;
    the trunk straightens until ``end``)."""

    start: float
    extreme: float
    end: float
    hold_s: float
    fault: str | None
    seat: float | None = None
    side: int = 0


@dataclass(frozen=True)
class Choreography:
    """Tracks for every name in ``DOFS`` (and ``WALK_DOFS`` with a walk-in) plus each rep's
    commanded times, on the clip's clock (frame ``i`` at ``i / fps``; a rep cut by
    ``start_at_s`` starts at a negative time). ``walk``: the walk-in, on the same clock."""

    tracks: dict[str, Track | WalkTrack | TugWalkTrack]
    reps: tuple[RepTimes, ...]
    arms: str
    walk: WalkIn | None = None
    tug: TugWalk | None = None

    @property
    def complete(self) -> tuple[RepTimes, ...]:
        """The reps wholly inside the clip (start at or after frame 0)."""
        return tuple(r for r in self.reps if r.start >= 0.0)

    @property
    def partial(self) -> tuple[RepTimes, ...]:
        """Reps already under way at frame 0."""
        return tuple(r for r in self.reps if r.start < 0.0)


# --- key poses -------------------------------------------------------------------------------

_UPRIGHT: Pose = {"pelvis": 0.0, "lumbar": 0.0, "thorax": 0.0, "thigh": 0.0, "shank": 0.0}
_SEATED: Pose = {"pelvis": 5.0, "lumbar": 8.0, "thorax": 10.0, "thigh": -88.0, "shank": 8.0}
_STANDING: Pose = {"pelvis": 0.0, "lumbar": 1.0, "thorax": 2.0, "thigh": 0.0, "shank": 0.0}
_HALF_STAND: Pose = {"pelvis": 12.0, "lumbar": 15.0, "thorax": 18.0, "thigh": -30.0, "shank": 9.0}
_KNEE_BEND = 30.0  # degrees of knee flexion in a knee-bend fault
_SEATED_UPRIGHT: Pose = {"pelvis": 0.0, "lumbar": 1.0, "thorax": 2.0, "thigh": -88.0,
                         "shank": 8.0}  # fmt: skip
_REST: dict[str, Pose] = {"sit_to_stand": _SEATED, "trunk_rotation": _SEATED_UPRIGHT}


def _flexed(depth: float, knee_bend: float) -> Pose:
    return {
        "pelvis": 0.55 * depth,
        "lumbar": 0.85 * depth,
        "thorax": depth,
        "thigh": -0.06 * depth - 0.55 * knee_bend,
        "shank": -0.03 * depth + 0.45 * knee_bend,
    }


def _extended(depth: float, knee_bend: float) -> Pose:
    return {
        "pelvis": -0.35 * depth,
        "lumbar": -0.75 * depth,
        "thorax": -depth,
        "thigh": 0.1 * depth - 0.5 * knee_bend,
        "shank": 0.08 * depth + 0.5 * knee_bend,
    }


def _squat_bottom(knee: float) -> Pose:
    """Squat bottom with ``knee`` degrees of knee flexion: the shank takes 40 % of it
    (knees forward over the feet), the thigh the rest, and the trunk leans forward
    enough to keep the shoulders over the feet."""
    return {"pelvis": 0.3 * knee, "lumbar": 0.36 * knee, "thorax": 0.4 * knee,
            "thigh": -0.6 * knee, "shank": 0.4 * knee}  # fmt: skip


def _lean(depth: float) -> Pose:
    return {"pelvis": 0.7 * depth, "lumbar": 0.85 * depth, "thorax": depth,
            "thigh": -86.0, "shank": 14.0}  # fmt: skip


class _Keys:
    """Accumulates (time, value) keys per degree of freedom."""

    def __init__(self, start: Pose, dofs: tuple[str, ...] = DOFS) -> None:
        self.keys: dict[str, list[tuple[float, float]]] = {
            d: [(0.0, start.get(d, 0.0))] for d in dofs
        }

    def add(self, t: float, pose: Pose, dofs: tuple[str, ...] | None = None) -> None:
        for d in dofs or tuple(pose):
            last_t, _ = self.keys[d][-1]
            if t - last_t > 1e-6:
                self.keys[d].append((t, pose[d]))
            else:  # same instant: the later key wins
                self.keys[d][-1] = (last_t, pose[d])

    def hold(self, t: float) -> None:
        """Every degree of freedom keeps its last value until ``t``."""
        for d in self.keys:
            self.add(t, {d: self.keys[d][-1][1]}, (d,))

    def tracks(self, shift: float = 0.0) -> dict[str, Track]:
        """One track per degree of freedom, its key times moved by ``-shift`` seconds."""
        if shift == 0.0:
            return {d: Track(tuple(k[0] for k in ks), tuple(k[1] for k in ks))
                    for d, ks in self.keys.items()}  # fmt: skip
        return {d: Track(tuple(k[0] - shift for k in ks), tuple(k[1] for k in ks))
                for d, ks in self.keys.items()}  # fmt: skip


_TRUNK = ("pelvis", "lumbar", "thorax")


def _bend_rep(keys: _Keys, t0: float, rep: RepSpec, extreme: Pose, rest: Pose) -> RepTimes:
    t1 = t0 + rep.out_s
    t2 = t1 + rep.hold_s
    t3 = t2 + rep.back_s
    keys.add(t0, rest, tuple(rest))
    keys.add(t1, extreme, tuple(extreme))
    keys.add(t2, extreme, tuple(extreme))
    keys.add(t3, rest, tuple(rest))
    return RepTimes(t0, t1, t3, rep.hold_s, rep.fault)


_SEAT_SHARE = 0.85  # sit-to-stand: share of the sit at which the thigh is down on the seat


def _sts_rep(keys: _Keys, t0: float, rep: RepSpec) -> RepTimes:
    top = _HALF_STAND if rep.fault == "incomplete_stand" else _STANDING
    rise, sit = rep.out_s, rep.back_s
    lean = _lean(rep.depth)
    keys.add(t0, _SEATED, tuple(_SEATED))
    keys.add(t0 + 0.45 * rise, lean, _TRUNK + ("shank",))
    keys.add(t0 + 0.4 * rise, lean, ("thigh",))
    t1 = t0 + rise
    keys.add(t1, top, tuple(top))
    keys.add(t1 + rep.hold_s, top, tuple(top))
    t2 = t1 + rep.hold_s
    down = _lean(0.8 * rep.depth)
    keys.add(t2 + 0.5 * sit, down, _TRUNK + ("shank",))
    keys.add(t2 + _SEAT_SHARE * sit, down, ("thigh",))
    keys.add(t2 + sit, _SEATED, tuple(_SEATED))
    if rep.fault == "arms_used":
        keys.add(t0, {"push": 0.0}, ("push",))
        keys.add(t0 + 0.25 * rise, {"push": 1.0}, ("push",))
        keys.add(t0 + 0.8 * rise, {"push": 1.0}, ("push",))
        keys.add(t1 + 0.3 * rep.hold_s + 0.2, {"push": 0.0}, ("push",))
    return RepTimes(t0, t1, t2 + sit, rep.hold_s, rep.fault, t2 + _SEAT_SHARE * sit)


_LEAN_BACK = {"pelvis": -6.0, "lumbar": -12.0, "thorax": -16.0}  # the leaning_back fault
_LOW_RAISE = 0.85  # share of the commanded hip flexion a low_raise reaches


def _knee_raise_rep(keys: _Keys, t0: float, rep: RepSpec) -> RepTimes:
    """Standing knee raise of the left leg: the thigh swings up to ``depth`` degrees of hip
    flexion and the knee bends ``depth + 5`` (the shank hangs about vertical), standing on
    the right leg. Faults: ``leaning_back`` (the trunk tips back 16 deg as the knee comes
    up), ``low_raise`` (85 % of the height)."""
    depth = rep.depth * (_LOW_RAISE if rep.fault == "low_raise" else 1.0)
    up = {"thigh_l": -depth, "shank_l": 5.0}
    trunk = _LEAN_BACK if rep.fault == "leaning_back" else {d: 0.0 for d in _TRUNK}
    rest = {**{d: 0.0 for d in LEG_DOFS}, **{d: 0.0 for d in _TRUNK}}
    t1, t2 = t0 + rep.out_s, t0 + rep.out_s + rep.hold_s
    t3 = t2 + rep.back_s
    for t, pose in ((t0, rest), (t1, {**up, **trunk}), (t2, {**up, **trunk}), (t3, rest)):
        keys.add(t, pose, tuple(pose))
    return RepTimes(t0, t1, t3, rep.hold_s, rep.fault)


# --- frontal and transverse planes: side bending (standing) and trunk rotation (seated) ------

PLANE_DOFS = ("lean", "twist", "shift")
"""Degrees of freedom of the side-bending and rotation clips (degrees, + to the person's
left): ``lean`` the trunk's side bend (the thorax's frontal-plane tilt; the lumbar
segment takes 80 % of it and the pelvis 10 %), ``twist`` the trunk's axial rotation
(the thorax turns by it, the lumbar segment by 40 %, the pelvis not at all), ``shift``
both legs tilted sideways, which carries the hips sideways over the feet."""
PLANE_EXERCISES = ("lateral_flexion", "trunk_rotation")

_TWIST_FAULT_SHARE = 0.8  # a rotating fault: the trunk also turns by this share of the depth
_FORWARD_FAULT_SHARE = 1.0  # a forward-bending fault: the trunk also pitches forward this much
_SIDE_KNEE_BEND = 45.0  # knee flexion of a side bend's knee fault: from the front a knee bend
# shows only as the hips dropping, so the fault is a clear one
_HIP_SHIFT_DEG = 9.0  # legs tilted this far: the hips ~14 cm sideways over the feet


def _side_bend_pose(rep: RepSpec, side: int, rest: Pose) -> Pose:
    """The extreme of a side bend to ``side`` (+1 left, -1 right) of ``rep.depth`` deg,
    with its fault: rotating or bending forward as well, knees bending, hips shifting
    (to the opposite side, as a person who pushes the hips out does)."""
    pose = dict(rest, lean=side * rep.depth, twist=0.0, shift=0.0)
    if rep.fault == "trunk_rotating":
        pose["twist"] = side * _TWIST_FAULT_SHARE * rep.depth
    elif rep.fault == "bending_forward":
        pose.update(_flexed(_FORWARD_FAULT_SHARE * rep.depth, 0.0))
    elif rep.fault == "knees_bending":
        pose.update(_flexed(0.0, _SIDE_KNEE_BEND))
    elif rep.fault == "hips_shifting":
        pose["shift"] = -side * _HIP_SHIFT_DEG
    return pose


def _plane_rep(keys: _Keys, t0: float, rep: RepSpec, exercise: str, rest: Pose) -> RepTimes:
    """A side bend or a seated rotation to ``rep.side``: out, hold, back to ``rest``."""
    if rep.side not in (-1, 1):
        raise ValueError(f"a {exercise} rep needs side +1 (left) or -1 (right), got {rep.side}")
    if exercise == "lateral_flexion":
        extreme = _side_bend_pose(rep, rep.side, rest)
    else:
        extreme = dict(rest, lean=0.0, twist=rep.side * rep.depth, shift=0.0)
    times = _bend_rep(keys, t0, rep, extreme, dict(rest, lean=0.0, twist=0.0, shift=0.0))
    return replace(times, side=rep.side)


def _rep(keys: _Keys, t: float, rep: RepSpec, exercise: str, rest: Pose) -> RepTimes:
    if exercise == "knee_raise":
        return _knee_raise_rep(keys, t, rep)
    if exercise in PLANE_EXERCISES:
        return _plane_rep(keys, t, rep, exercise, rest)
    if exercise == "sit_to_stand":
        return _sts_rep(keys, t, rep)
    if exercise == "squat":
        return _bend_rep(keys, t, rep, _squat_bottom(rep.depth), rest)
    bend = _KNEE_BEND if rep.fault == "knees_bending" else 0.0
    make = _flexed if exercise == "trunk_flexion" else _extended
    return _bend_rep(keys, t, rep, make(rep.depth, bend), rest)


# walking in: a steady walk that slows evenly to a stop (the stride is a full gait cycle)
_WALK_SPEED_M_S, _WALK_SLOW_S, _WALK_STRIDE_M = 1.3, 0.8, 1.3


def choreograph(spec: ClipSpec) -> Choreography:
    """Minimum-jerk tracks for the whole clip and the commanded time of each rep.

    Times are on the clip's clock: the choreography's own time minus ``spec.start_at_s``.
    """
    rest = _REST.get(spec.exercise, _UPRIGHT)
    legs = spec.exercise == "knee_raise"  # one leg moves on its own
    extra = LEG_DOFS if legs else PLANE_DOFS if spec.exercise in PLANE_EXERCISES else ()
    keys = _Keys(rest, DOFS + extra)
    t = spec.walk_in_s + spec.lead_in_s
    times = []
    for rep in spec.reps:
        times.append(_rep(keys, t, rep, spec.exercise, rest))
        t += rep.duration_s
        keys.hold(t)
    keys.hold(spec.choreography_s)
    shift = spec.start_at_s
    tracks: dict[str, Track | WalkTrack | TugWalkTrack] = dict(keys.tracks(shift))
    walk = tug = None
    if spec.walk_in_s > 0.0:
        walk = WalkIn(spec.walk_in_s - shift, _WALK_SPEED_M_S, min(_WALK_SLOW_S, spec.walk_in_s),
                      _WALK_STRIDE_M)  # fmt: skip
        tracks.update({d: WalkTrack(walk, d) for d in WALK_DOFS})
    if spec.tug is not None:
        tug = spec.tug.walk(times[0].extreme - shift)  # from standing
        tracks.update({d: TugWalkTrack(tug, d) for d in TUG_DOFS})
    if shift:
        times = [replace(r, start=r.start - shift, extreme=r.extreme - shift, end=r.end - shift,
                         seat=None if r.seat is None else r.seat - shift)
                 for r in times]  # fmt: skip
    return Choreography(tracks, tuple(times), ARMS[spec.exercise], walk, tug)


# --- random clips ----------------------------------------------------------------------------

_TEMPO = {  # (out, hold, back, pause) ranges in seconds for a normal rep
    "trunk_flexion": ((1.8, 2.6), (0.0, 1.2), (1.7, 2.4), (0.6, 1.2)),
    "back_extension": ((1.4, 2.0), (1.2, 2.5), (1.3, 1.9), (0.6, 1.2)),
    "sit_to_stand": ((1.0, 1.5), (0.3, 1.0), (1.3, 1.9), (0.4, 1.0)),
    "squat": ((1.0, 1.5), (0.1, 0.4), (0.9, 1.3), (0.4, 0.9)),
    "knee_raise": ((0.8, 1.1), (0.3, 0.6), (0.8, 1.1), (0.5, 0.8)),
    "lateral_flexion": ((1.1, 1.5), (0.3, 0.7), (1.0, 1.4), (0.3, 0.6)),
    "trunk_rotation": ((1.1, 1.5), (0.3, 0.7), (1.0, 1.4), (0.3, 0.6)),
}
_DEPTH = {"trunk_flexion": (55.0, 80.0), "back_extension": (18.0, 28.0),
          "sit_to_stand": (32.0, 45.0), "squat": (80.0, 100.0),
          "knee_raise": (70.0, 85.0), "lateral_flexion": (25.0, 40.0),
          "trunk_rotation": (30.0, 45.0)}  # fmt: skip
# a too-fast rep: seconds out and back, no hold (peak speed ~1.9 x depth / seconds)
_FAST = {"trunk_flexion": 0.5, "back_extension": 0.3, "sit_to_stand": 0.5, "squat": 0.5,
         "knee_raise": 0.4, "lateral_flexion": 0.4, "trunk_rotation": 0.4}  # fmt: skip
_SHIRTS = (
    (0.75, 0.15, 0.15), (0.15, 0.35, 0.7), (0.2, 0.55, 0.3), (0.85, 0.65, 0.2),
    (0.45, 0.25, 0.55), (0.9, 0.9, 0.88), (0.25, 0.25, 0.28), (0.1, 0.55, 0.6),
)  # fmt: skip
# Trousers stay darker than the walls and shoes: light trousers over white shoes hid the
# lower legs from MediaPipe in a first render (knee and ankle landmarks 30-120 px off).
_TROUSERS = (
    (0.12, 0.14, 0.25), (0.15, 0.15, 0.16), (0.3, 0.3, 0.33), (0.35, 0.24, 0.16),
    (0.2, 0.3, 0.5), (0.2, 0.3, 0.2),
)  # fmt: skip
_SHOES = ((0.92, 0.92, 0.9), (0.8, 0.8, 0.82), (0.55, 0.15, 0.12))
_WALLS = ((0.82, 0.8, 0.74), (0.62, 0.7, 0.78), (0.75, 0.72, 0.66), (0.55, 0.6, 0.52))
_FLOORS = ((0.45, 0.35, 0.25), (0.55, 0.55, 0.55), (0.35, 0.3, 0.3), (0.6, 0.5, 0.38))
BODIES = ("older_heavy_man", "small_older_woman", "tall_young_adult")
"""Bodies a random clip is drawn from (the sample set's)."""
CALIBRATION_BODIES = ("heavy_woman", "slim_older_man", "middle_aged_adult", "muscular_young_man",
                      "young_slim_woman", "older_stout_man", "tall_woman", "short_young_man")
"""Bodies only named explicitly, to fit estimates on people the samples do not show."""


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return round(float(rng.uniform(*lo_hi)), 2)


def _random_rep(rng: np.random.Generator, exercise: str, fault: str | None) -> RepSpec:
    out, hold, back, pause = (_u(rng, r) for r in _TEMPO[exercise])
    if fault == "too_fast":
        out, hold, back = _FAST[exercise], 0.0, _FAST[exercise]
    return RepSpec(_u(rng, _DEPTH[exercise]), out, hold, back, pause, fault)


def _camera(rng: np.random.Generator, view: str, portrait: bool) -> CameraSpec:
    side = float(rng.choice([-1.0, 1.0]))
    if view == "side":
        azimuth = 90.0
    else:
        azimuth = 0.0 if view == "front" else _u(rng, (35.0, 55.0))
    return CameraSpec(
        azimuth_deg=side * azimuth,
        distance_m=_u(rng, (1.8, 2.5)),
        height_m=_u(rng, (0.8, 1.3)),
        yfov_deg=_u(rng, (48.0, 56.0)),
    )


def random_clip(
    name: str,
    exercise: str,
    seed: int,
    *,
    n_reps: int = 3,
    faults: dict[int, str] | None = None,
    view: str = "side",
    portrait: bool = False,
    body: str | None = None,
    fps: float = 25.0,
) -> ClipSpec:
    """A clip whose every free choice is drawn from ``numpy.random.default_rng(seed)``.

    ``faults`` maps a rep index to a fault kind from ``FAULTS[exercise]``;
    ``view`` is ``"side"``, ``"oblique"`` or ``"front"``.
    """
    if exercise not in SCRIPTED:
        raise ValueError(f"unknown exercise {exercise!r}; choose one of {SCRIPTED}")
    if n_reps < 1:
        raise ValueError(f"a clip needs at least one rep, got {n_reps}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    if body is not None and body not in BODIES + CALIBRATION_BODIES:
        raise ValueError(f"unknown body {body!r}; choose one of {BODIES + CALIBRATION_BODIES}")
    rng = np.random.default_rng(seed)
    faults = faults or {}
    if any(not 0 <= i < n_reps for i in faults):
        raise ValueError(f"fault rep indices must be in 0..{n_reps - 1}, got {sorted(faults)}")
    reps = tuple(_random_rep(rng, exercise, faults.get(i)) for i in range(n_reps))
    if exercise in PLANE_EXERCISES:  # alternating sides, the first drawn (only here: the
        first = int(rng.choice([-1, 1]))  # other exercises' draws stay as they were)
        reps = tuple(replace(r, side=first * (-1) ** i) for i, r in enumerate(reps))
    return ClipSpec(
        name=name,
        exercise=exercise,
        reps=reps,
        body=body or str(rng.choice(BODIES)),
        shirt=_SHIRTS[int(rng.integers(len(_SHIRTS)))],
        trousers=_TROUSERS[int(rng.integers(len(_TROUSERS)))],
        shoes=_SHOES[int(rng.integers(len(_SHOES)))],
        wall=_WALLS[int(rng.integers(len(_WALLS)))],
        floor=_FLOORS[int(rng.integers(len(_FLOORS)))],
        camera=_camera(rng, view, portrait),
        width=360 if portrait else 640,
        height=640 if portrait else 480,
        fps=fps,
        lead_in_s=_u(rng, (0.8, 1.4)),
        lead_out_s=_u(rng, (0.8, 1.2)),
        seed=seed,
    )


def with_test(spec: ClipSpec, test: str, reps: tuple[RepSpec, ...]) -> ClipSpec:
    """The same clip as a timed test (``TESTS``) with the given reps."""
    return replace(spec, test=test, reps=reps)
