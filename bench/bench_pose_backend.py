"""Speed of the pose backend: model load, frames/s in video and image mode, num_poses cost.

Usage: .venv/bin/python bench/bench_pose_backend.py [CLIP] [--frames N]
Prints one line per configuration; decoding is done up front and not timed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import av
import numpy as np

from formcheck.pose.estimator import (
    _IMAGE_FIELDS,
    _WORLD_FIELDS,
    MediaPipePose,
    _as_array,
    _mp_image,
)
from formcheck.pose.model_file import ensure_model

DEFAULT_CLIP = Path(__file__).resolve().parents[2] / "shared/data/timed_up_and_go_side_1280x720.mp4"


def decode(path: Path, frames: int, height: int | None) -> tuple[list[np.ndarray], list[float]]:
    images, times = [], []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if height:
                frame = frame.reformat(width=height * frame.width // frame.height, height=height)
            images.append(frame.to_ndarray(format="rgb24"))
            times.append(float(frame.time))
            if len(images) == frames:
                break
    return images, times


def run(model: Path, images, times, mode: str, num_poses: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    pose = MediaPipePose(model, mode=mode, num_poses=num_poses)
    load = time.perf_counter() - t0
    people = 0
    t0 = time.perf_counter()
    for rgb, t in zip(images, times, strict=True):
        people += pose.estimate(rgb, t).people
    elapsed = time.perf_counter() - t0
    pose.close()
    return load, len(images) / elapsed, people / len(images)


def conversion_cost(model: Path, rgb: np.ndarray, repeats: int = 2000) -> float:
    """Microseconds to turn one pose (33 image + 33 world landmarks) into arrays."""
    pose = MediaPipePose(model, mode="image", num_poses=1)
    result = pose._landmarker.detect(_mp_image(rgb))
    pose.close()
    lm, world = result.pose_landmarks[0], result.pose_world_landmarks[0]
    t0 = time.perf_counter()
    for _ in range(repeats):
        _as_array(lm, _IMAGE_FIELDS, 4)
        _as_array(world, _WORLD_FIELDS, 3)
    return (time.perf_counter() - t0) / repeats * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--frames", type=int, default=90)
    args = parser.parse_args()
    model = ensure_model("full")
    for height in (None, 1080):
        images, times = decode(args.clip, args.frames, height)
        size = f"{images[0].shape[1]}x{images[0].shape[0]}"
        for mode, num in (("video", 1), ("video", 2), ("video", 3), ("image", 1), ("image", 3)):
            load, fps, people = run(model, images, times, mode, num)
            print(
                f"{size} {mode:5s} num_poses={num}: load {load:.2f} s, {fps:.1f} frames/s, "
                f"{people:.2f} people/frame over {len(images)} frames"
            )
    cost = conversion_cost(model, images[len(images) // 2])
    print(f"landmark objects -> arrays: {cost:.1f} us per pose (image + world)")


if __name__ == "__main__":
    main()
