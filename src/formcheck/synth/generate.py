"""Render one synthetic clip and its ground-truth file (needs the ``synth`` extra).

``render_clip(spec, out_dir)`` writes ``<name>.mp4`` (H.264 yuv420p) and
``<name>.json`` (see :mod:`formcheck.synth.truth` for the angle conventions).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.synth.camera import Camera, place_camera
from formcheck.synth.motion import sample_tracks
from formcheck.synth.script import ClipSpec, choreograph
from formcheck.synth.truth import (
    ANGLE_NAMES,
    CONVENTIONS,
    WORLD_FORWARD,
    camera_side,
    image_angles,
    world_angles,
)

__all__ = ["TRUTH_FORMAT", "build_truth", "render_clip"]

TRUTH_FORMAT = 1


def _r(values: NDArray[np.float64], digits: int = 1) -> list[float]:
    return [round(float(v), digits) for v in values]


def facing_in_image(camera: Camera, hip: NDArray[np.float64]) -> int:
    """+1 when the person (facing +Z) faces image right from ``camera``, else -1."""
    a, b = camera.project(np.stack([hip, hip + 0.3 * WORLD_FORWARD]))
    return 1 if b[0] >= a[0] else -1


def build_truth(spec: ClipSpec, t: NDArray[np.float64], joints: dict[str, NDArray[np.float64]],
                camera: Camera, subject: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The truth-file object for a clip: reps, faults and per-frame angles (image and world)."""
    side = camera_side(camera.position)
    hip0 = (joints["left_hip"][0] + joints["right_hip"][0]) / 2
    facing = facing_in_image(camera, hip0)
    pixels = {name: camera.project(p) for name, p in joints.items()}
    image = image_angles(pixels, side, facing)
    world = world_angles(joints, side)
    reps = choreograph(spec).reps
    return {
        "format": TRUTH_FORMAT,
        "conventions": CONVENTIONS,
        "clip": f"{spec.name}.mp4",
        "exercise": spec.exercise,
        "test": spec.test,
        "view": spec.camera.view,
        "side": side,
        "facing": "right" if facing > 0 else "left",
        "fps": spec.fps,
        "width": spec.width,
        "height": spec.height,
        "frames": int(len(t)),
        "duration_s": round(float(len(t) / spec.fps), 3),
        "subject": {"body": spec.body, **subject},
        "camera": {**asdict(spec.camera), "distance_used_m": _camera_distance(camera, hip0)},
        "clothing": {
            "shirt": spec.shirt,
            "trousers": spec.trousers,
            "wall": spec.wall,
            "floor": spec.floor,
        },  # fmt: skip
        "seed": spec.seed,
        "rep_count": len(reps),
        "reps": [_rep_entry(i, r, t, image) for i, r in enumerate(reps)],
        "faults": [{"rep": i, "kind": r.fault} for i, r in enumerate(reps) if r.fault],
        "angles": {
            "image": {k: _r(image[k]) for k in ANGLE_NAMES},
            "world": {k: _r(world[k]) for k in ANGLE_NAMES},
        },
        "joints_px": {
            k: np.round(v, 1).tolist()
            for k, v in pixels.items()
            if k.startswith(side) and not k.endswith(("elbow", "wrist"))
        },  # fmt: skip
    }


def _camera_distance(camera: Camera, target: NDArray[np.float64]) -> float:
    d = camera.position - target
    return round(float(np.hypot(d[0], d[2])), 3)


def _rep_entry(i: int, rep: Any, t: NDArray[np.float64], image: dict[str, NDArray]) -> dict:
    at = int(np.argmin(np.abs(t - (rep.extreme + rep.hold_s / 2))))
    return {
        "index": i,
        "start_s": round(rep.start, 3),
        "extreme_s": round(rep.extreme, 3),
        "hold_s": round(rep.hold_s, 3),
        "end_s": round(rep.end, 3),
        "fault": rep.fault,
        "extreme_image": {k: round(float(image[k][at]), 1) for k in ANGLE_NAMES},
    }


def pose_clip(spec: ClipSpec) -> tuple[NDArray[np.float64], Any]:
    """Frame times (T,) s and the posed body (``formcheck.synth.body.PosedBody``)."""
    from formcheck.synth.body import load_body

    chor = choreograph(spec)
    t = spec.frame_times()
    body = load_body(spec.body)
    return t, body.pose(sample_tracks(chor.tracks, t), chor.arms)


def render_clip(
    spec: ClipSpec, out_dir: Path, *, log: Callable[[str], None] | None = None
) -> tuple[Path, Path]:
    """Render ``spec`` to ``out_dir/<name>.mp4`` and write ``out_dir/<name>.json``."""
    from formcheck.synth.body import BODY_SHAPES, load_body
    from formcheck.synth.encode import write_h264
    from formcheck.synth.render import SKIN, render_frames

    start = time.perf_counter()
    t, posed = pose_clip(spec)
    sample = posed.vertices[::4, ::7].reshape(-1, 3).astype(np.float64)
    camera = place_camera(spec.camera, sample, spec.width, spec.height)
    colours = {"skin": SKIN[spec.body], "shirt": spec.shirt, "trousers": spec.trousers,
               "shoes": spec.shoes, "wall": spec.wall, "floor": spec.floor}  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{spec.name}.mp4"
    frames = render_frames(posed, camera, colours=colours,
                           chair=spec.exercise == "sit_to_stand")  # fmt: skip
    n = write_h264(frames, video, spec.fps)
    subject = {"height_m": round(load_body(spec.body).height_m, 3),
               "anny_phenotype": BODY_SHAPES[spec.body]}  # fmt: skip
    truth = build_truth(spec, t, posed.joints, camera, subject)
    truth_path = out_dir / f"{spec.name}.json"
    truth_path.write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    if log:
        took = time.perf_counter() - start
        log(f"{video.name}: {n} frames in {took:.1f} s ({1000 * took / max(n, 1):.0f} ms/frame)")
    return video, truth_path
