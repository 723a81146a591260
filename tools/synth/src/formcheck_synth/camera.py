"""A pinhole camera looking at the person (pure NumPy), matching pyrender's perspective camera.

World frame: Y up, the person faces +Z, the person's left is +X (see
:mod:`formcheck_synth.body`). Pixels: x right, y down, origin at the top-left
corner of the top-left pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from formcheck_synth.script import CameraSpec

__all__ = ["Camera", "place_camera"]


@dataclass(frozen=True)
class Camera:
    """``pose`` (4, 4) camera-to-world (OpenGL: looks along its -Z, +Y up); size in pixels."""

    pose: NDArray[np.float64]
    yfov_deg: float
    width: int
    height: int

    @property
    def focal_px(self) -> float:
        return self.height / 2.0 / np.tan(np.radians(self.yfov_deg) / 2.0)

    @property
    def position(self) -> NDArray[np.float64]:
        return self.pose[:3, 3]

    def project(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """World points (..., 3) metres -> pixels (..., 2), x right, y down."""
        rot, pos = self.pose[:3, :3], self.pose[:3, 3]
        cam = (np.asarray(points, dtype=np.float64) - pos) @ rot  # world -> camera axes
        depth = -cam[..., 2]
        f = self.focal_px
        x = self.width / 2.0 + f * cam[..., 0] / depth
        y = self.height / 2.0 - f * cam[..., 1] / depth
        return np.stack([x, y], axis=-1)


def look_at(eye: NDArray[np.float64], target: NDArray[np.float64]) -> NDArray[np.float64]:
    """Camera-to-world (4, 4) at ``eye`` looking at ``target`` with no roll (world Y up)."""
    back = eye - target
    back /= np.linalg.norm(back)
    right = np.cross([0.0, 1.0, 0.0], back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, up, back, eye
    return pose


def _yaw(pose: NDArray[np.float64], deg: float) -> NDArray[np.float64]:
    """``pose`` (4, 4) turned ``deg`` about the world vertical through its eye (+: to the left)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    turned = pose.copy()
    turned[:3, :3] = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]) @ pose[:3, :3]
    return turned


def _aimed(cam: Camera, target: NDArray[np.float64], aim_x: float) -> Camera:
    """``cam`` turned about the vertical until ``target`` (3,) projects at ``aim_x`` (share
    of the width)."""
    want = aim_x * cam.width
    yaw = 0.0
    for _ in range(8):  # a pitched camera: a few fixed-point steps (converges in 3-4)
        aimed = Camera(_yaw(cam.pose, yaw), cam.yfov_deg, cam.width, cam.height)
        miss = want - float(aimed.project(target)[0])
        if abs(miss) < 0.05:
            break
        yaw += float(np.degrees(np.arctan(miss / cam.focal_px)))
    return aimed


def _camera_at(spec: CameraSpec, target: NDArray[np.float64], distance: float, size: tuple[int, int]
               ) -> Camera:  # fmt: skip
    a = np.radians(spec.azimuth_deg)
    eye = target + np.array([distance * np.sin(a), 0.0, distance * np.cos(a)])
    eye[1] = spec.height_m
    cam = Camera(look_at(eye, target), spec.yfov_deg, size[0], size[1])
    return cam if spec.aim_x == 0.5 else _aimed(cam, target, spec.aim_x)


def place_camera(
    spec: CameraSpec,
    points: NDArray[np.float64],
    width: int,
    height: int,
    margin: float = 0.06,
) -> Camera:
    """A camera per ``spec`` aimed at the middle of ``points`` (N, 3), every point in frame.

    The distance starts at ``spec.distance_m`` and grows by 5 % steps until all
    points project inside the frame with ``margin`` (share of each side) to spare.
    With ``spec.aim_x`` other than 0.5 the camera is then turned about the vertical
    so the middle lands there (the fit is checked after turning).
    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    target = (lo + hi) / 2.0
    distance = spec.distance_m
    for _ in range(60):
        cam = _camera_at(spec, target, distance, (width, height))
        px = cam.project(points)
        inside = (px[:, 0] >= margin * width) & (px[:, 0] <= (1 - margin) * width)
        inside &= (px[:, 1] >= margin * height) & (px[:, 1] <= (1 - margin) * height)
        if inside.all():
            return cam
        distance *= 1.05
    raise ValueError("could not fit the person in the frame; check the camera spec")
