"""Builders of synthetic pose sequences with known angles (for tests of any helper).

A stick figure in (by default) side view whose trunk inclination, hip flexion
and knee flexion follow given time curves (deg), feet planted, projected
orthographically to image landmarks (normalised, with visibility) and world
landmarks (metres, origin mid-hip, y down). Options: facing left/right, which
side is nearer the camera, body yaw (0 = side view, 90 = facing the camera),
frame size, Gaussian landmark noise (fraction of body height), missing frames,
arms crossed or hands on the thighs, variable frame rate timestamps.

Geometry (x forward, y down, metres): trunk direction ``(sin T, -cos T)``;
thigh (hip -> knee) at ``H - T`` forward of straight down; shank (knee ->
ankle) at ``H - T - K``. So T = H = K = 0 is standing straight and
T = 0, H = K = 90 is sitting upright.

The figure's hip landmark *is* its hip joint centre. Tests that compare
angles with the built curves analyse it with ``JOINT_CENTRES`` (the hip
landmark used as it is); the default estimate moves a MediaPipe hip
landmark towards the joint centre (``formcheck.kinematics.joint_centres``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from formcheck.config import load_config
from formcheck.pose.landmarks import INDEX, N_LANDMARKS
from formcheck.pose.sequence import PoseSequence

__all__ = [
    "JOINT_CENTRES",
    "SHANK",
    "THIGH",
    "TORSO",
    "keyframes",
    "uniform_times",
    "vfr_times",
    "build_sequence",
    "flexion_curves",
    "sit_to_stand_curves",
    "squat_curves",
    "TugScript",
    "tug_sequence",
]

SHANK, THIGH, TORSO = 0.45, 0.45, 0.52
JOINT_CENTRES = load_config(overrides=["angles.joint_centres=landmark"])
"""Configuration for built figures: their hip landmarks are the joint centres."""
_HALF_WIDTH = 0.12
_SHOULDER_HALF = 0.19


def uniform_times(duration_s: float, fps: float) -> NDArray[np.float64]:
    """(T,) timestamps at a constant rate, from 0."""
    return np.arange(int(round(duration_s * fps))) / fps


def vfr_times(
    duration_s: float, fps: float, jitter: float = 0.4, seed: int = 0
) -> NDArray[np.float64]:
    """(T,) strictly increasing timestamps whose intervals vary by +-``jitter`` of 1/fps."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fps))
    steps = (1.0 + rng.uniform(-jitter, jitter, n)) / fps
    return np.concatenate([[0.0], np.cumsum(steps[:-1])])


def keyframes(t: NDArray[np.float64], points: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
    """(T,) curve through (time s, value) key points with cosine easing between them."""
    times = np.array([p[0] for p in points])
    values = np.array([p[1] for p in points])
    idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = times[idx + 1] - times[idx]
    u = np.clip((t - times[idx]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    ease = 0.5 - 0.5 * np.cos(np.pi * u)
    return values[idx] + (values[idx + 1] - values[idx]) * ease


def flexion_curves(
    t: NDArray[np.float64],
    reps: Sequence[tuple[float, float, float, float]],
    peak: float = 70.0,
    knee: float = 0.0,
) -> tuple[NDArray[np.float64], ...]:
    """(trunk, hip, knee) for trunk-flexion reps ``(start, reach, leave, end)`` s;
    ``peak`` deg of trunk inclination (negative for extension), ``knee`` bend at the extreme."""
    pts: list[tuple[float, float]] = [(float(t[0]) - 1.0, 0.0)]
    kpts: list[tuple[float, float]] = [(float(t[0]) - 1.0, 0.0)]
    for start, reach, leave, end in reps:
        pts += [(start, 0.0), (reach, peak), (leave, peak), (end, 0.0)]
        kpts += [(start, 0.0), (reach, knee), (leave, knee), (end, 0.0)]
    pts.append((float(t[-1]) + 1.0, 0.0))
    kpts.append((float(t[-1]) + 1.0, 0.0))
    trunk = keyframes(t, pts)
    knee_c = keyframes(t, kpts)
    hip = np.maximum(trunk, 0.0) * 0.6 + knee_c * 0.5
    return trunk, hip, knee_c


def sit_to_stand_curves(
    t: NDArray[np.float64],
    reps: Sequence[tuple[float, float, float, float]],
    *,
    lean: float = 40.0,
    top_hip: float = 0.0,
    top_knee: float = 0.0,
) -> tuple[NDArray[np.float64], ...]:
    """(trunk, hip, knee) for sit-to-stand reps ``(seat_off, standing, start_sit, seated)`` s
    (the hips rise from ``seat_off`` to ``standing`` and sink from ``start_sit`` to
    ``seated - 0.4``),
    seated (T 5, H 95, K 90) between reps; ``top_hip``/``top_knee`` > 0 make incomplete stands."""
    seated, standing = (5.0, 95.0, 90.0), (0.0, top_hip, top_knee)
    lean_pose = (lean, 95.0 + lean, 90.0)
    pts: list[tuple[float, tuple[float, float, float]]] = [(float(t[0]) - 1.0, seated)]
    for off, up, sit, down in reps:
        pts += [
            (off - 0.4, seated),
            (off, lean_pose),
            (up, standing),
            (sit, standing),
            (down - 0.4, lean_pose),
            (down, seated),
        ]
    pts.append((float(t[-1]) + 1.0, seated))
    return tuple(keyframes(t, [(p[0], p[1][j]) for p in pts]) for j in range(3))


def squat_curves(
    t: NDArray[np.float64], bottoms: Sequence[float], half_width: float = 1.0, depth: float = 90.0
) -> tuple[NDArray[np.float64], ...]:
    """(trunk, hip, knee) for squats from standing, ``depth`` deg knee flexion at ``bottoms`` s."""
    pts: list[tuple[float, tuple[float, float, float]]] = [(float(t[0]) - 1.0, (0.0, 0.0, 0.0))]
    for b in bottoms:
        pts += [
            (b - half_width, (0.0, 0.0, 0.0)),
            (b, (35.0, depth + 25.0, depth)),
            (b + half_width, (0.0, 0.0, 0.0)),
        ]
    pts.append((float(t[-1]) + 1.0, (0.0, 0.0, 0.0)))
    return tuple(keyframes(t, [(p[0], p[1][j]) for p in pts]) for j in range(3))


def _unit(angle_deg: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 2) direction at ``angle`` forward of straight down (x forward, y down)."""
    a = np.radians(angle_deg)
    return np.stack([np.sin(a), np.cos(a)], axis=-1)


def _sagittal(
    trunk: NDArray[np.float64], hip: NDArray[np.float64], knee: NDArray[np.float64], arms: str
) -> dict[str, NDArray[np.float64]]:
    """Body-frame (T, 2) positions of the chain, ankle at the origin."""
    up = _unit(180.0 - trunk)
    ankle = np.zeros((len(trunk), 2))
    knee_p = ankle - _unit(hip - trunk - knee) * SHANK
    hip_p = knee_p - _unit(hip - trunk) * THIGH
    shoulder = hip_p + up * TORSO
    fwd = np.array([1.0, 0.0])
    p = {
        "ankle": ankle,
        "knee": knee_p,
        "hip": hip_p,
        "shoulder": shoulder,
        "heel": ankle + np.array([-0.06, 0.05]),
        "foot_index": ankle + np.array([0.16, 0.06]),
        "ear": shoulder + up * 0.2,
        "eye": shoulder + up * 0.24 + fwd * 0.07,
        "nose": shoulder + up * 0.22 + fwd * 0.11,
        "mouth": shoulder + up * 0.17 + fwd * 0.09,
    }
    if arms == "thighs":
        wrist = 0.5 * (hip_p + knee_p) + np.array([0.0, -0.04])
    else:
        wrist = shoulder - up * 0.15 + fwd * 0.12
    p["wrist"] = wrist
    p["elbow"] = 0.5 * (shoulder + wrist) + fwd * 0.05
    for k in ("pinky", "index", "thumb"):
        p[k] = wrist + fwd * 0.03
    return p


def _place(p: dict[str, NDArray[np.float64]], T: int) -> NDArray[np.float64]:
    """(T, 33, 3) body-frame points: x forward, y down, z to the person's left."""
    pts = np.full((T, N_LANDMARKS, 3), np.nan)
    for i, name in enumerate(INDEX):
        base = name
        for prefix in ("left_", "right_"):
            base = base.removeprefix(prefix)
        base = {
            "eye_inner": "eye",
            "eye_outer": "eye",
            "mouth_left": "mouth",
            "mouth_right": "mouth",
        }.get(base, base)
        half = _SHOULDER_HALF if base in ("shoulder", "elbow") else _HALF_WIDTH
        z = half if ("left" in name) else (-half if "right" in name else 0.0)
        if base in ("ear", "eye", "mouth"):
            z *= 0.5
        pts[:, i, :2] = p[base]
        pts[:, i, 2] = z
    return pts


def build_sequence(
    t: NDArray[np.float64],
    trunk: NDArray[np.float64],
    hip: NDArray[np.float64],
    knee: NDArray[np.float64],
    *,
    facing: int = 1,
    near: str = "left",
    yaw_deg: float = 0.0,
    width: int = 640,
    height: int = 480,
    noise: float = 0.0,
    missing: float = 0.0,
    arms: str = "crossed",
    seed: int = 0,
) -> PoseSequence:
    """A ``PoseSequence`` whose trunk/hip/knee angles (deg) follow the given (T,) curves.

    ``noise`` Gaussian landmark noise, standard deviation as a fraction of body
    height; ``missing`` fraction of frames without a person (random).
    """
    T = len(t)
    body = _place(_sagittal(trunk, hip, knee, arms), T)
    yaw = np.radians(yaw_deg)
    sign = 1.0 if near == "left" else -1.0
    x_img = facing * (body[..., 0] * np.cos(yaw) + sign * body[..., 2] * np.sin(yaw))
    depth = -sign * body[..., 2] * np.cos(yaw) + body[..., 0] * np.sin(yaw)
    world = np.stack([x_img, body[..., 1], depth], axis=-1)
    mid_hip = 0.5 * (world[:, INDEX["left_hip"]] + world[:, INDEX["right_hip"]])
    world = world - mid_hip[:, None, :]
    scale = 0.8 * height / 1.75
    rng = np.random.default_rng(seed)
    px = np.stack([width / 2 + x_img * scale, height * 0.92 + body[..., 1] * scale], axis=-1)
    px += rng.normal(0.0, noise * 1.75 * scale, px.shape) if noise else 0.0
    vis = np.where(depth < 0, 0.99, 0.9) if yaw_deg < 60 else np.full(depth.shape, 0.98)
    image = np.concatenate(
        [px / [width, height], (depth * scale / width)[..., None], vis[..., None]], -1
    )
    drop = rng.random(T) < missing
    image[drop] = np.nan
    world[drop] = np.nan
    return PoseSequence(t=t, image=image, world=world, width=width, height=height)


@dataclass(frozen=True)
class TugScript:
    """When a built Timed Up and Go happens, s: the hips rise ``rise`` (seat-off,
    standing; the trunk leans from 0.4 s before), the person walks out ``walk_out``,
    turns 180 deg ``turn``, walks back ``walk_back``, turns ``turn_back`` and sits
    ``sit`` (starts sinking, seated; the hips are down 0.4 s before). ``sits``: False
    leaves the person standing where the walk back ends; ``turns``: False walks back
    backwards, never turning. ``across``: the walk crosses the
    frame (``walk_px`` px at the start's scale); else it goes away from the camera, the
    body shrinking to ``far_scale`` of its size."""

    rise: tuple[float, float] = (1.5, 2.3)
    walk_out: tuple[float, float] = (2.3, 5.0)
    turn: tuple[float, float] = (5.0, 6.0)
    walk_back: tuple[float, float] = (6.0, 8.5)
    turn_back: tuple[float, float] = (8.5, 9.3)
    sit: tuple[float, float] = (9.3, 10.2)
    sits: bool = True
    turns: bool = True
    across: bool = True
    walk_px: float = 700.0
    far_scale: float = 0.55
    ramp_s: float = 0.3


def _trapezoid(t: NDArray[np.float64], span: tuple[float, float], ramp: float
               ) -> NDArray[np.float64]:  # fmt: skip
    """(T,) share 0..1 of a walk over ``span`` s at constant speed with ``ramp`` s of even
    acceleration at each end."""
    a, b = span
    grid = np.linspace(a, b, 400)
    speed = np.clip(np.minimum(grid - a, b - grid) / ramp, 0.0, 1.0)
    done = np.concatenate(([0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]) * np.diff(grid))))
    return np.interp(t, grid, done / done[-1])


def tug_sequence(t: NDArray[np.float64], script: TugScript, *, width: int = 1280,
                 height: int = 720) -> PoseSequence:  # fmt: skip
    """A side-view TUG: a built sit-to-stand (``sit_to_stand_curves``) whose body walks,
    turns (heading 0 facing image right, 90 the camera, 180 image left; the image x of a
    body point is ``forward cos h + left sin h``) and comes back, per ``script``."""
    sit = script.sit if script.sits else (float(t[-1]) + 5.0, float(t[-1]) + 6.0)
    curves = sit_to_stand_curves(t, [(script.rise[0], script.rise[1], sit[0], sit[1])])
    body = _place(_sagittal(*curves, "crossed"), len(t))
    heading = 180.0 * (_min_jerk(t, script.turn) + _min_jerk(t, script.turn_back))
    heading = heading if script.turns else np.zeros(len(t))
    h = np.radians(heading)[:, None]
    x_img = body[..., 0] * np.cos(h) + body[..., 2] * np.sin(h)
    path = _trapezoid(t, script.walk_out, script.ramp_s)
    path = path - _trapezoid(t, script.walk_back, script.ramp_s)
    scale0 = 0.55 * height / 1.75
    if script.across:
        scale = np.full(len(t), scale0)
        x0 = 0.2 * width + script.walk_px * path
        ground = np.full(len(t), 0.9 * height)
    else:
        far = 1.0 / script.far_scale - 1.0  # the walk's length in start distances
        scale = scale0 / (1.0 + far * path)  # a pinhole: size over distance
        x0 = np.full(len(t), 0.5 * width)
        horizon = 0.35 * height
        ground = horizon + (0.9 * height - horizon) * scale / scale0
    px = np.stack([x0[:, None] + x_img * scale[:, None],
                   ground[:, None] + body[..., 1] * scale[:, None]], axis=-1)  # fmt: skip
    image = np.concatenate([px / [width, height], np.zeros(px.shape[:2] + (1,)),
                            np.full(px.shape[:2] + (1,), 0.95)], axis=-1)  # fmt: skip
    world = np.stack([x_img, body[..., 1], body[..., 2]], axis=-1)
    world -= 0.5 * (world[:, INDEX["left_hip"]] + world[:, INDEX["right_hip"]])[:, None]
    return PoseSequence(t=t, image=image, world=world, width=width, height=height)


def _min_jerk(t: NDArray[np.float64], span: tuple[float, float]) -> NDArray[np.float64]:
    s = np.clip((t - span[0]) / (span[1] - span[0]), 0.0, 1.0)
    return s**3 * (10.0 - 15.0 * s + 6.0 * s**2)
