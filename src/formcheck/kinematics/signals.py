"""Per-frame signals derived from landmarks, vectorised over frames.

:func:`frame_features` turns masked pixel landmarks (T, 33, 2) into the
feature matrix (T, F) whose columns are ``FEATURES``: the side's trunk, hip
and knee angles (deg), the other side's, hip height above the lower ankle (% of
torso length: the foot on the ground while walking; and % of the leg's
projected length, hip -> knee -> ankle: 100 standing, ~55 seated, whatever the
camera's height; and of the mid-hip in pixels, counted in % of its value at the
start: it falls by ~30 % in a squat from any camera angle), the nearest wrist's
distance to the thigh (thigh lengths),
frontal-plane trunk lean and shoulder tilt (deg), the world-landmark trunk
inclination and 3-D knee flexion (deg), knee valgus and heel rise, the side
bending and rotation features of :func:`plane_features` (``PLANE_FEATURES``: side bend
to the person's left, trunk twist, shoulder-over-hip width, hip shift), and the walking
signals of :mod:`formcheck.kinematics.walking` (``WALK_FEATURES``). Live code calls it with
T = 1, offline code with the whole clip; the numbers are the same.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from formcheck.kinematics.angles import Side, angles, specs_for
from formcheck.kinematics.joint_centres import JointCentreModel, estimate_centres
from formcheck.kinematics.walking import WALK_FEATURES, walk_features
from formcheck.pose.landmarks import INDEX

__all__ = [
    "FEATURES",
    "COL",
    "MEASURED_JOINTS",
    "masked_pixels",
    "masked_points",
    "frame_features",
    "measured_points",
    "other_side",
]

FEATURES: Final[tuple[str, ...]] = (
    "trunk_inclination",
    "hip_flexion",
    "knee_flexion",
    "trunk_inclination_other",
    "hip_flexion_other",
    "knee_flexion_other",
    "hip_height",
    "hip_height_leg",
    "hip_height_px",
    "wrist_thigh",
    "lateral_lean",
    "shoulder_tilt",
    "trunk_inclination_world",
    "knee_flexion_world",
    "knee_valgus",
    "heel_rise",
    "side_bend",
    "side_bend_world",
    "trunk_twist_world",
    "shoulder_hip_width",
    "hip_shift",
    "shoulder_yaw_world",
    "hip_yaw_world",
) + WALK_FEATURES  # walking: path and heading, for tests that walk (kinematics.walking)
COL: Final[dict[str, int]] = {name: i for i, name in enumerate(FEATURES)}

_LS, _RS = INDEX["left_shoulder"], INDEX["right_shoulder"]
_LH, _RH = INDEX["left_hip"], INDEX["right_hip"]
_WRISTS: Final = np.array([INDEX["left_wrist"], INDEX["right_wrist"]])
_JOINT_NAMES: Final = tuple(
    f"{side}_{joint}"
    for side in ("left", "right")
    for joint in ("shoulder", "hip", "knee", "ankle")
)
_JOINT_LANDMARKS: Final = np.array([INDEX[name] for name in _JOINT_NAMES])
_JOINT_INDEX: Final = {name: i for i, name in enumerate(_JOINT_NAMES)}
_ANKLES: Final = np.array([INDEX["left_ankle"], INDEX["right_ankle"]])


def other_side(side: Side) -> Side:
    return "right" if side == "left" else "left"


def masked_pixels(
    image: NDArray[np.floating], width: int, height: int, min_visibility: float
) -> NDArray[np.float64]:
    """(T, 33, 2) pixel coordinates from (T, 33, 4) normalised landmarks; NaN where
    visibility < ``min_visibility``, missing, or outside the frame."""
    img = np.asarray(image)
    pix = img[..., :2].astype(np.float64) * np.array([float(width), float(height)])
    hidden = ~(img[..., 3] >= min_visibility) | _outside(img)
    return np.where(hidden[..., None], np.nan, pix)


def masked_points(
    image: NDArray[np.floating],
    world: NDArray[np.floating] | None,
    width: int,
    height: int,
    min_visibility: float,
) -> NDArray[np.float64]:
    """(T, 33, 5): pixels x, y (as :func:`masked_pixels`) and world x, y, z in
    metres, all NaN where the image landmark is missing, not visible enough, or
    placed outside the frame."""
    img = np.asarray(image)
    out = np.empty(img.shape[:-1] + (5,))
    np.multiply(img[..., :2], np.array([float(width), float(height)]), out=out[..., :2])
    out[..., 2:] = np.nan if world is None else np.asarray(world)
    out[~(img[..., 3] >= min_visibility) | _outside(img)] = np.nan
    return out


_FRAME_MARGIN = 0.02  # share of the frame a landmark may lie outside it (a joint at the edge)


def _outside(img: NDArray[np.floating]) -> NDArray[np.bool_]:
    """(...,) landmarks placed outside the frame: MediaPipe guesses joints it cannot see,
    sometimes with a high visibility; an angle through a guess is no measurement."""
    xy = np.asarray(img[..., :2])
    return np.asarray(((xy < -_FRAME_MARGIN) | (xy > 1.0 + _FRAME_MARGIN)).any(axis=-1))


def _segment_distance(
    p: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance (T, W) of points p (T, W, 2) to segments a-b (T, 2), in segment lengths."""
    ab = b - a
    length2 = np.einsum("td,td->t", ab, ab)
    ap = p - a[:, None, :]
    s = np.clip(np.einsum("twd,td->tw", ap, ab) / length2[:, None], 0.0, 1.0)
    closest = a[:, None, :] + s[..., None] * ab[:, None, :]
    return np.linalg.norm(p - closest, axis=-1) / np.sqrt(length2)[:, None]


MEASURED_JOINTS: Final = ("shoulder", "hip", "knee", "ankle")


def measured_points(
    pix: NDArray[np.float64],
    side: Side,
    facing: int,
    centres: JointCentreModel | None,
    *,
    trunk_world: bool = False,
) -> NDArray[np.float64]:
    """(T, 4, 2) pixels of ``side``'s ``MEASURED_JOINTS`` as the joint angles use
    them (the estimated hip and knee centres with ``centres``), from landmark
    pixels (T, 33, 2); for drawing what was measured. With ``trunk_world`` (the
    trunk angle from world landmarks) the shoulder is NaN: no image line
    measures the trunk then."""
    joint_pix = pix[:, _JOINT_LANDMARKS]
    if centres is not None:
        joint_pix = estimate_centres(joint_pix, facing, centres, _JOINT_INDEX)
    out = joint_pix[:, [_JOINT_INDEX[f"{side}_{j}"] for j in MEASURED_JOINTS]]
    if trunk_world:
        out[:, MEASURED_JOINTS.index("shoulder")] = np.nan
    return out


def frame_features(
    pts: NDArray[np.float64],
    side: Side,
    facing: int,
    forward3: NDArray[np.float64] | None = None,
    centres: JointCentreModel | None = None,
) -> NDArray[np.float64]:
    """(T, F) features (columns ``FEATURES``) from masked points (T, 33, 5) of
    :func:`masked_points` (or pixels only, (T, 33, 2): world features are NaN).

    ``side`` is the camera-facing side the primary angles use; ``facing`` +1
    if the person faces image right, -1 if left; ``forward3`` the person's
    facing direction in world coordinates (3,). With ``centres`` the
    joint angles use the estimated hip and knee joint centres
    (:func:`formcheck.kinematics.joint_centres.estimate_centres`); hip height and the
    other features keep the landmarks.
    """
    pix = pts[..., :2]
    fwd = np.array([float(facing), 0.0])
    joint_pix = pix[:, _JOINT_LANDMARKS]  # (T, 8, 2): only what the angles use
    if centres is not None:
        joint_pix = estimate_centres(joint_pix, facing, centres, _JOINT_INDEX)
    both = angles(joint_pix, specs_for(side) + specs_for(other_side(side)), fwd, _JOINT_INDEX)
    main, other = both[:, :3], both[:, 3:]
    hip = pix[:, INDEX[f"{side}_hip"]]
    shoulder = pix[:, INDEX[f"{side}_shoulder"]]
    knee = pix[:, INDEX[f"{side}_knee"]]
    ankle = pix[:, INDEX[f"{side}_ankle"]]
    ankle_y = _lowest(pix[:, _ANKLES, 1], ankle[:, 1])
    torso = np.linalg.norm(shoulder - hip, axis=-1)
    height = (ankle_y - hip[:, 1]) / torso * 100.0
    leg = np.linalg.norm(hip - knee, axis=-1) + np.linalg.norm(knee - ankle, axis=-1)
    height_leg = (ankle_y - hip[:, 1]) / leg * 100.0
    wrist = _nearest(_segment_distance(pix[:, _WRISTS], hip, knee))
    mid_hip = 0.5 * (pix[:, _LH] + pix[:, _RH])
    mid_sh = 0.5 * (pix[:, _LS] + pix[:, _RS])
    trunk = mid_sh - mid_hip
    lateral = np.degrees(np.arctan2(trunk[:, 0], -trunk[:, 1]))
    sh_line = pix[:, _LS] - pix[:, _RS]
    tilt = np.degrees(np.arctan2(sh_line[:, 1], np.abs(sh_line[:, 0])))
    world = _world_trunk(pts, forward3)
    knee_world = _world_knee(pts, side)
    valgus = _knee_valgus(pix)
    heel = _heel_rise(pix, side)
    height_px = ankle_y - 0.5 * (pix[:, _LH, 1] + pix[:, _RH, 1])
    cols = (main, other, height[:, None], height_leg[:, None], height_px[:, None], wrist[:, None],
            lateral[:, None], tilt[:, None],
            world[:, None], knee_world[:, None], valgus[:, None], heel[:, None],
            plane_features(pts, forward3), walk_features(pix))  # fmt: skip
    return np.concatenate(cols, axis=1)


def _world_trunk(
    pts: NDArray[np.float64], forward3: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """(T,) mid-hip -> mid-shoulder inclination in world coordinates, sagittal plane, deg."""
    if pts.shape[-1] < 5 or forward3 is None:
        return np.full(len(pts), np.nan)
    w = pts[..., 2:]
    u = 0.5 * (w[:, _LS] + w[:, _RS]) - 0.5 * (w[:, _LH] + w[:, _RH])
    f = np.asarray(forward3, dtype=np.float64)
    return np.degrees(np.arctan2(u[:, 0] * f[0] + u[:, 2] * f[2], -u[:, 1]))


def _world_knee(pts: NDArray[np.float64], side: Side) -> NDArray[np.float64]:
    """(T,) knee flexion of ``side`` from world landmarks in 3-D (deg, 0 straight): no
    projection, so a bent knee reads bent from any camera angle (coarse: MediaPipe's
    depth is its weakest axis)."""
    if pts.shape[-1] < 5:
        return np.full(len(pts), np.nan)
    w = pts[..., 2:]
    hip, knee, ankle = (w[:, INDEX[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
    u, v = hip - knee, ankle - knee
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return 180.0 - np.degrees(np.arctan2(cross, np.einsum("td,td->t", u, v)))


def _knee_valgus(pix: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) frontal-plane projection angle of the knee that caves in more (deg): how far
    the thigh and shank lines turn the knee towards the midline (medial positive; 0 a
    straight leg, negative bowing out). Meaningful in a frontal view only."""
    out = np.full((len(pix), 2), np.nan)
    mid_x = 0.5 * (pix[:, _LH, 0] + pix[:, _RH, 0])
    for i, side in enumerate(("left", "right")):
        hip, knee, ankle = (pix[:, INDEX[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
        thigh, shank = knee - hip, ankle - knee
        turn = np.degrees(np.arctan2(thigh[:, 0] * shank[:, 1] - thigh[:, 1] * shank[:, 0],
                                     np.einsum("td,td->t", thigh, shank)))  # fmt: skip
        medial = np.sign(mid_x - knee[:, 0])  # which image direction is towards the midline
        out[:, i] = turn * medial * np.sign(knee[:, 1] - hip[:, 1])
    return _row_max(out)


def _heel_rise(pix: NDArray[np.float64], side: Side) -> NDArray[np.float64]:
    """(T,) height of ``side``'s heel above its toe, in shank lengths (0 flat foot)."""
    heel, toe = pix[:, INDEX[f"{side}_heel"]], pix[:, INDEX[f"{side}_foot_index"]]
    knee, ankle = pix[:, INDEX[f"{side}_knee"]], pix[:, INDEX[f"{side}_ankle"]]
    shank = np.linalg.norm(knee - ankle, axis=-1)
    return (toe[:, 1] - heel[:, 1]) / shank


def _row_max(d: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row maximum of (T, W) ignoring NaN; NaN where the whole row is NaN."""
    best = np.max(np.where(np.isnan(d), -np.inf, d), axis=1)
    best[np.isinf(best)] = np.nan
    return best


def _lowest(ys: NDArray[np.float64], fallback: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) the lower (larger y) of the two ankles (T, 2): the foot on the ground."""
    both = np.max(ys, axis=1)
    return np.where(np.isnan(both), fallback, both)


def _nearest(d: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row minimum of (T, W) ignoring NaN; NaN where the whole row is NaN."""
    best = np.min(np.where(np.isnan(d), np.inf, d), axis=1)
    best[np.isinf(best)] = np.nan
    return best

# --- frontal- and transverse-plane trunk signals (side bending, rotation) -------------------

def _left_sign(pix: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) +1 where the person's left is image right (hip line, else shoulder line), -1
    where it is image left, NaN where neither line is seen."""
    hips = pix[:, _LH, 0] - pix[:, _RH, 0]
    shoulders = pix[:, _LS, 0] - pix[:, _RS, 0]
    return np.sign(np.where(np.isfinite(hips), hips, shoulders))


def _yaw_cos(forward3: NDArray[np.float64] | None) -> float:
    """|cos| of the angle between the person's facing (world landmarks, (3,)) and the
    camera's axis: 1 facing the camera, 0 side-on; 1 when unknown."""
    if forward3 is None or not np.isfinite(forward3).all():
        return 1.0
    f = np.asarray(forward3, dtype=np.float64)
    horizontal = float(np.hypot(f[0], f[2]))
    return abs(float(f[2])) / horizontal if horizontal > 0 else 1.0


def _side_bend(pix: NDArray[np.float64], forward3: NDArray[np.float64] | None
               ) -> NDArray[np.float64]:  # fmt: skip
    """(T,) frontal-plane trunk lean (deg): mid-hip -> mid-shoulder against the image
    vertical, + towards the person's left. The sideways component is divided by the
    cosine of the body's yaw against the camera (set-up facing from world landmarks), so
    a front-oblique camera does not shrink the lean."""
    trunk = 0.5 * (pix[:, _LS] + pix[:, _RS]) - 0.5 * (pix[:, _LH] + pix[:, _RH])
    sideways = trunk[:, 0] * _person_left(pix, forward3) / max(_yaw_cos(forward3), 0.3)
    return np.degrees(np.arctan2(sideways, -trunk[:, 1]))


def _person_left(pix: NDArray[np.float64], forward3: NDArray[np.float64] | None
                 ) -> NDArray[np.float64] | float:  # fmt: skip
    """Which image direction (+1 right, -1 left) is the person's left: from the set-up
    facing (world landmarks: facing the camera, the left is image right) when it is clear,
    so a frame where MediaPipe swaps the left and right labels (it does, for a frame or
    two, in the oblique sample) keeps its side; else per frame from the hip line."""
    if forward3 is not None and np.isfinite(forward3).all() and abs(forward3[2]) > 0.3:
        return float(np.sign(-forward3[2]))
    return _left_sign(pix)


def _horizontal_yaw(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T,) yaw (deg) of left-minus-right vectors (T, 3) in MediaPipe world axes (x image
    right, y down, z away from the camera): 0 when the line faces the camera, + when the
    person's left end is further away (the body turned to its left)."""
    return np.degrees(np.arctan2(v[:, 2], v[:, 0]))


def _world_plane_signals(pts: NDArray[np.float64], forward3: NDArray[np.float64] | None = None
                         ) -> tuple[NDArray, NDArray]:  # fmt: skip
    """(T,) side bend and trunk twist (deg, + to the person's left) from world landmarks:
    the trunk line in the person's frontal plane (its left axis from the set-up facing
    ``forward3`` when known, else the hip line), and the shoulder line's yaw relative to
    the hip line's, within +-90 deg (a frame where MediaPipe swaps one pair's left and
    right labels turns that line by 180 deg; a trunk does not twist that far)."""
    if pts.shape[-1] < 5:
        nan = np.full(len(pts), np.nan)
        return nan, nan.copy()
    w = pts[..., 2:]
    hips, shoulders = w[:, _LH] - w[:, _RH], w[:, _LS] - w[:, _RS]
    if forward3 is not None and np.isfinite(forward3).all() and np.hypot(forward3[0], forward3[2]):
        f = np.asarray(forward3, dtype=np.float64)
        left = np.tile(np.array([-f[2], 0.0, f[0]]) / np.hypot(f[0], f[2]), (len(pts), 1))
    else:
        left = hips.copy()
        left[:, 1] = 0.0
        left /= np.linalg.norm(left, axis=-1, keepdims=True)
    trunk = 0.5 * (w[:, _LS] + w[:, _RS]) - 0.5 * (w[:, _LH] + w[:, _RH])
    bend = np.degrees(np.arctan2(np.einsum("td,td->t", trunk, left), -trunk[:, 1]))
    twist = _wrap(2.0 * (_horizontal_yaw(shoulders) - _horizontal_yaw(hips))) / 2.0
    return bend, twist


def _wrap(deg: NDArray[np.float64]) -> NDArray[np.float64]:
    return (deg + 180.0) % 360.0 - 180.0


def _widths(pix: NDArray[np.float64], forward3: NDArray[np.float64] | None = None
            ) -> tuple[NDArray, NDArray]:  # fmt: skip
    """(T,) shoulder width over hip width (image, 2-D lengths: a rotation shortens the
    shoulder line, a side bend only tilts it), and the hip's sideways offset from the
    mid-ankle in hip widths (+ towards the person's left)."""
    hip_w = np.linalg.norm(pix[:, _LH] - pix[:, _RH], axis=-1)
    sh_w = np.linalg.norm(pix[:, _LS] - pix[:, _RS], axis=-1)
    mid_hip = 0.5 * (pix[:, _LH, 0] + pix[:, _RH, 0])
    mid_ankle = 0.5 * (pix[:, _ANKLES[0], 0] + pix[:, _ANKLES[1], 0])
    shift = (mid_hip - mid_ankle) * _person_left(pix, forward3) / hip_w
    return sh_w / hip_w, shift


PLANE_FEATURES: Final = ("side_bend", "side_bend_world", "trunk_twist_world",
                         "shoulder_hip_width", "hip_shift", "shoulder_yaw_world",
                         "hip_yaw_world")  # fmt: skip


def plane_features(pts: NDArray[np.float64], forward3: NDArray[np.float64] | None = None
                   ) -> NDArray[np.float64]:  # fmt: skip
    """(T, 7) frontal- and transverse-plane trunk features (columns ``PLANE_FEATURES``) from
    masked points (T, 33, 5) (or pixels (T, 33, 2): the world columns NaN): the side bend
    from the image (deg, + to the person's left, :func:`_side_bend`) and from world
    landmarks, the trunk twist from world landmarks (deg, + chest turned to the left), the
    shoulder-over-hip width ratio and the hips' sideways offset over the feet (hip widths,
    + to the left) in the image, and the shoulder and hip lines' yaw against the camera
    from world landmarks (deg, + the left end further away)."""
    pix = pts[..., :2]
    with np.errstate(invalid="ignore", divide="ignore"):  # an unseen line: NaN
        bend_w, twist_w = _world_plane_signals(pts, forward3)
        ratio, shift = _widths(pix, forward3)
    if pts.shape[-1] >= 5:
        w = pts[..., 2:]
        yaw_s = _horizontal_yaw(w[:, _LS] - w[:, _RS])
        yaw_h = _horizontal_yaw(w[:, _LH] - w[:, _RH])
    else:
        yaw_s = yaw_h = np.full(len(pts), np.nan)
    return np.stack([_side_bend(pix, forward3), bend_w, twist_w, ratio, shift, yaw_s, yaw_h],
                    axis=1)  # fmt: skip
