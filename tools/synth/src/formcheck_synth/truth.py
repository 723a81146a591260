"""Ground truth of a synthetic clip, measured from the posed joint centres (pure NumPy).

Never from the commanded rotations: anny's rest pose already bends the knee
between joint centres, and shoulder-hip-knee is not straight when upright.

Angle conventions (degrees, per frame, on the camera-facing side):

- ``trunk_inclination``: mid-hip -> mid-shoulder line against the vertical,
  in the sagittal plane; 0 upright, + bending forward, - leaning back.
- ``hip_flexion``: angle between the trunk (hip -> shoulder, camera-facing
  side) and the thigh (hip -> knee), 0 standing straight, ~90 seated; its
  magnitude is 180 minus the shoulder-hip-knee angle, **negative in hip
  extension** (a plain three-point angle reads the absolute value).
- ``knee_flexion``: 180 minus the hip-knee-ankle angle, 0 straight, ~90
  seated, negative in hyperextension.

``image`` angles use the joint centres projected into the frame (pixels, y
down; "forward" is the image direction the person faces); ``world`` angles
use the 3D joint centres (magnitude from the 3D joint angle, sign from the
sagittal plane).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ANGLE_NAMES",
    "PLANE_CONVENTIONS",
    "plane_angles",
    "CONVENTIONS",
    "camera_side",
    "image_angles",
    "joint_angles",
    "world_angles",
]

ANGLE_NAMES = ("trunk_inclination", "hip_flexion", "knee_flexion")

CONVENTIONS = {
    "units": "degrees; times in seconds from the first frame (frame i is at i / fps)",
    "side": "angles are on the camera-facing side ('side'), except trunk_inclination",
    "trunk_inclination": "mid-hip -> mid-shoulder line vs vertical; 0 upright, + forward, - back",
    "hip_flexion": "trunk (hip->shoulder) vs thigh (hip->knee); 0 standing, ~90 seated, "
    "- in hip extension (a three-point angle reads the absolute value)",
    "knee_flexion": "180 - hip-knee-ankle angle; 0 straight, ~90 seated, - hyperextended",
    "image": "from joint centres projected into the frame (what a 2D side view can see)",
    "world": "from 3D joint centres: magnitude of the 3D angle, sign from the sagittal plane",
    "joints": "anatomical joint centres of the body model (not MediaPipe's landmark positions)",
    "reps": "start_s: movement starts; extreme_s: extreme reached (sit-to-stand: standing); "
    "hold_s held there; end_s: back at rest (sit-to-stand: seated)",
}


def _pitch(v: NDArray[np.float64], forward: NDArray[np.float64], up: NDArray[np.float64]
           ) -> NDArray[np.float64]:  # fmt: skip
    """Signed angle (T,) of vectors (T, D) from ``up`` (D,) towards ``forward`` (D,), degrees."""
    return np.degrees(np.arctan2(v @ forward, v @ up))


def _wrap(a: NDArray[np.float64]) -> NDArray[np.float64]:
    return (a + 180.0) % 360.0 - 180.0


def _three_point(a: NDArray, b: NDArray, c: NDArray) -> NDArray[np.float64]:
    """180 minus the angle a-b-c, (T,) degrees, for points (T, D)."""
    u, v = a - b, c - b
    if u.shape[-1] == 2:
        cross = np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    else:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return 180.0 - np.degrees(np.arctan2(cross, np.sum(u * v, axis=-1)))


def joint_angles(
    joints: Mapping[str, NDArray[np.float64]],
    side: str,
    forward: NDArray[np.float64],
    up: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Trunk, hip and knee angles (T,) from joint centres name -> (T, D), D = 2 or 3.

    ``forward`` and ``up`` (D,) are unit vectors in the same space (image:
    up = (0, -1)). ``side`` is ``"left"`` or ``"right"``.
    """
    mid_hip = (joints["left_hip"] + joints["right_hip"]) / 2
    mid_shoulder = (joints["left_shoulder"] + joints["right_shoulder"]) / 2
    hip, knee, ankle = (joints[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
    shoulder = joints[f"{side}_shoulder"]
    trunk_side = _pitch(shoulder - hip, forward, up)
    thigh = _pitch(knee - hip, forward, -up)
    shank = _pitch(ankle - knee, forward, -up)
    hip_sign = np.sign(_wrap(trunk_side + thigh))
    knee_sign = np.sign(_wrap(thigh - shank))
    return {
        "trunk_inclination": _pitch(mid_shoulder - mid_hip, forward, up),
        "hip_flexion": np.where(hip_sign < 0, -1.0, 1.0) * _three_point(shoulder, hip, knee),
        "knee_flexion": np.where(knee_sign < 0, -1.0, 1.0) * _three_point(hip, knee, ankle),
    }


WORLD_UP = np.array([0.0, 1.0, 0.0])
WORLD_FORWARD = np.array([0.0, 0.0, 1.0])


def world_angles(joints: Mapping[str, NDArray[np.float64]], side: str) -> dict[str, NDArray]:
    """Angles from 3D joint centres in the synth world frame (Y up, facing +Z)."""
    return joint_angles(joints, side, WORLD_FORWARD, WORLD_UP)


def image_angles(
    pixels: Mapping[str, NDArray[np.float64]], side: str, facing: int
) -> dict[str, NDArray]:
    """Angles from projected joint centres (T, 2) pixels; ``facing`` +1 faces image right."""
    return joint_angles(pixels, side, np.array([float(facing), 0.0]), np.array([0.0, -1.0]))


PLANE_CONVENTIONS = {
    "side_bend": "world: mid-hip -> mid-shoulder joint-centre line against the vertical in the "
    "person's frontal plane (the plane of the vertical and the facing-perpendicular axis), "
    "+ towards the person's left; rep rom_deg: the largest |side_bend - its value at the rep's "
    "start| within the rep, side: the sign (left / right)",
    "trunk_twist": "world: yaw of the shoulder line (left - right shoulder joint centres) "
    "relative to the hip line, about the vertical, + when the chest turns to the person's left; "
    "rep rom_deg: the largest |twist - its value at the rep's start| within the rep",
}


def plane_angles(joints: Mapping[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    """Side bend and trunk twist (T,) degrees from 3-D joint centres (T, 3) in the synth
    world frame (Y up, facing +Z, left +X), see ``PLANE_CONVENTIONS``."""
    mid_hip = (joints["left_hip"] + joints["right_hip"]) / 2
    mid_shoulder = (joints["left_shoulder"] + joints["right_shoulder"]) / 2
    trunk = mid_shoulder - mid_hip
    hips = joints["left_hip"] - joints["right_hip"]
    shoulders = joints["left_shoulder"] - joints["right_shoulder"]
    yaw = lambda v: np.degrees(np.arctan2(-v[:, 2], v[:, 0]))  # noqa: E731  + turned left
    return {
        "side_bend": np.degrees(np.arctan2(trunk[:, 0], trunk[:, 1])),
        "trunk_twist": _wrap(yaw(shoulders) - yaw(hips)),
    }


def camera_side(camera_position: NDArray[np.float64]) -> str:
    """The person's side facing a camera at ``camera_position`` (3,): +X is the left side."""
    return "left" if camera_position[0] >= 0 else "right"
