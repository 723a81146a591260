"""The pose backend: real MediaPipe inference on real frames, and the person selector."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from formcheck.errors import ModelUnavailable
from formcheck.pose.estimator import (
    _IMAGE_FIELDS,
    FramePose,
    MediaPipePose,
    PersonSelector,
    _as_array,
    prominence,
)
from formcheck.pose.landmarks import INDEX

SQUAT = "squat_3reps_side_960x544.mp4"
Frame = tuple[NDArray[np.uint8], float]


@pytest.fixture(scope="module")
def squat_frames(shared_data: Path) -> list[Frame]:
    """The first 80 decoded frames (about 2.7 s) of the side-view squat clip, with PTS times."""
    frames: list[Frame] = []
    with av.open(str(shared_data / SQUAT)) as container:
        for frame in container.decode(video=0):
            frames.append((frame.to_ndarray(format="rgb24"), float(frame.time)))
            if len(frames) == 80:
                break
    return frames


def y_of(pose: FramePose, *names: str) -> float:
    assert pose.image is not None
    return float(np.mean([pose.image[INDEX[n], 1] for n in names]))


# --------------------------------------------------------------------------- real inference


def test_standing_frame_has_a_plausible_pose(pose_model: Path, squat_frames: list[Frame]) -> None:
    rgb, t = squat_frames[0]  # standing upright, side view
    with MediaPipePose(pose_model, mode="image") as estimator:
        pose = estimator.estimate(rgb, t)
    assert pose.people == 1
    assert pose.image is not None and pose.world is not None
    assert pose.image.shape == (33, 4) and pose.image.dtype == np.float32
    assert pose.world.shape == (33, 3) and pose.world.dtype == np.float32
    shoulders = y_of(pose, "left_shoulder", "right_shoulder")
    hips = y_of(pose, "left_hip", "right_hip")
    knees = y_of(pose, "left_knee", "right_knee")
    ankles = y_of(pose, "left_ankle", "right_ankle")
    assert shoulders < hips < knees < ankles  # image y grows downwards
    assert ankles - shoulders > 0.5  # the person fills most of the frame height
    for joint in ("shoulder", "hip", "knee", "ankle"):  # side view: one side may be hidden
        nearer = max(pose.image[INDEX[f"{side}_{joint}"], 3] for side in ("left", "right"))
        assert nearer > 0.8, joint
    world_height = pose.world[INDEX["left_shoulder"], 1] - pose.world[INDEX["left_ankle"], 1]
    assert -1.8 < world_height < -1.0  # metres, y down: shoulders about 1.4 m above ankles


def test_frame_without_a_person(pose_model: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    blank = np.full((480, 640, 3), 128, np.uint8)
    with MediaPipePose(pose_model, mode="image") as estimator:
        for rgb in (blank, noise):
            pose = estimator.estimate(rgb, 0.0)
            assert pose.image is None and pose.world is None and pose.people == 0


def test_video_mode_follows_increasing_time(pose_model: Path, squat_frames: list[Frame]) -> None:
    with MediaPipePose(pose_model, mode="video") as estimator:
        poses = [estimator.estimate(rgb, t) for rgb, t in squat_frames[:30]]
        rgb, t = squat_frames[30]
        with pytest.raises(ValueError, match="strictly increasing"):
            estimator.estimate(rgb, squat_frames[29][1])
        with pytest.raises(ValueError, match="strictly increasing"):
            estimator.estimate(rgb, 0.0)
        estimator.estimate(rgb, t)  # still usable after the rejected calls
    found = [p for p in poses if p.image is not None]
    assert len(found) == 30
    hips = np.array([y_of(p, "left_hip", "right_hip") for p in found])
    assert np.all(np.abs(np.diff(hips)) < 0.05)  # tracked smoothly, no jumps


def test_sub_millisecond_spacing_is_accepted(pose_model: Path, squat_frames: list[Frame]) -> None:
    rgb, _ = squat_frames[0]
    with MediaPipePose(pose_model, mode="video", num_poses=1) as estimator:
        first = estimator.estimate(rgb, 1.0)
        second = estimator.estimate(rgb, 1.0004)  # same integer millisecond
    assert first.image is not None and second.image is not None


def test_bad_input_is_a_value_error(pose_model: Path) -> None:
    with MediaPipePose(pose_model, mode="image") as estimator:
        with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
            estimator.estimate(np.zeros((10, 10, 3), np.float32), 0.0)
        with pytest.raises(ValueError, match="finite"):
            estimator.estimate(np.zeros((10, 10, 3), np.uint8), float("nan"))
    with pytest.raises(ValueError, match="closed"):
        estimator.estimate(np.zeros((10, 10, 3), np.uint8), 0.0)
    with pytest.raises(ValueError, match="num_poses"):
        MediaPipePose(pose_model, num_poses=0)


def crop(rgb: NDArray[np.uint8], scale: float = 1.0) -> NDArray[np.uint8]:
    """The 300 px wide strip around the person, shrunk by ``scale`` (nearest pixel),
    standing on the bottom of a grey strip of the original height."""
    strip = rgb[:, 390:690]
    h, w = strip.shape[:2]
    rows = (np.arange(int(h * scale)) / scale).astype(int)
    cols = (np.arange(int(w * scale)) / scale).astype(int)
    out = np.full_like(strip, 128)
    out[h - len(rows) :, : len(cols)] = strip[rows][:, cols]
    return out


def test_two_people_side_by_side_are_counted_and_one_is_followed(
    pose_model: Path, squat_frames: list[Frame]
) -> None:
    """Left: the clip, shrunk to 70 %; right: the same clip 1.5 s later, full size.

    The small person is alone for the first 8 frames, so is followed; the larger
    one who then appears is counted but not taken over.
    """
    lag, sides, people = 45, [], []
    with MediaPipePose(pose_model, mode="video", num_poses=3) as estimator:
        for i, ((left, t), (right, _)) in enumerate(
            zip(squat_frames[:24], squat_frames[lag : lag + 24], strict=True)
        ):
            other = crop(right) if i >= 8 else np.full_like(crop(right), 128)
            pose = estimator.estimate(np.hstack([crop(left, 0.7), other]), t)
            assert pose.image is not None
            people.append(pose.people)
            sides.append(float(np.median(pose.image[:, 0])) < 0.5)
    assert people[:8] == [1] * 8 and people[8:] == [2] * 16
    assert all(sides)  # always the small person on the left


def test_most_prominent_person_is_chosen_first(pose_model: Path, squat_frames: list[Frame]) -> None:
    rgb, t = squat_frames[0]
    with MediaPipePose(pose_model, mode="image", num_poses=3) as estimator:
        pose = estimator.estimate(np.hstack([crop(rgb, 0.7), crop(rgb)]), t)
    assert pose.people == 2 and pose.image is not None
    assert float(np.median(pose.image[:, 0])) > 0.5  # the larger one, on the right


# --------------------------------------------------------------------------- selector


def person(cx: float, cy: float, height: float) -> NDArray[np.float32]:
    """A synthetic (33, 4) pose: landmarks spread over a box of ``height`` (width half of it)."""
    rng = np.random.default_rng(int(cx * 100 + cy * 10 + height * 1000))
    pose = np.empty((33, 4), np.float32)
    pose[:, 0] = cx + rng.uniform(-0.25, 0.25, 33) * height
    pose[:, 1] = cy + rng.uniform(-0.5, 0.5, 33) * height
    pose[:, 2] = 0.0
    pose[:, 3] = 0.9
    return pose


def test_most_prominent_is_the_largest_then_the_most_central() -> None:
    small, large = person(0.5, 0.5, 0.3), person(0.2, 0.5, 0.6)
    assert prominence(np.stack([small, large])) == 1
    off_centre, central = person(0.15, 0.5, 0.5), person(0.55, 0.5, 0.5)
    assert prominence(np.stack([off_centre, central])) == 1


def test_low_visibility_landmarks_do_not_inflate_the_box() -> None:
    ghost = person(0.5, 0.5, 0.9)
    ghost[:, 3] = 0.1
    ghost[:5, 3] = 0.9
    ghost[:5, :2] = [0.5, 0.5]
    real = person(0.3, 0.5, 0.4)
    assert prominence(np.stack([ghost, real])) == 1


def test_selector_keeps_following_the_first_person() -> None:
    selector = PersonSelector()
    first, other = person(0.3, 0.5, 0.5), person(0.75, 0.5, 0.3)
    assert selector.select(np.stack([first, other]), 0.0) == 0
    for step in range(1, 30):  # the other walks closer and grows larger than the first
        t = step / 30
        grown = person(0.75, 0.5, 0.3 + 0.02 * step)
        moved = first.copy()
        moved[:, 0] += 0.002 * step
        assert selector.select(np.stack([grown, moved]), t) == 1


def test_selector_waits_then_reacquires_after_loss() -> None:
    selector = PersonSelector(lost_after=1.0)
    first, other = person(0.3, 0.5, 0.5), person(0.75, 0.5, 0.4)
    assert selector.select(np.stack([first, other]), 0.0) == 0
    assert selector.select(other[None], 0.5) is None  # the first is gone: not swapped
    assert selector.select(np.empty((0, 33, 4), np.float32), 0.8) is None
    assert selector.select(other[None], 1.5) == 0  # lost for > 1 s: the other is taken
    assert selector.select(np.stack([first, other]), 1.6) == 1  # and kept


def test_selector_restarts_when_time_goes_back() -> None:
    selector = PersonSelector()
    small, large = person(0.3, 0.5, 0.3), person(0.7, 0.5, 0.6)
    assert selector.select(small[None], 5.0) == 0
    assert selector.select(np.stack([small, large]), 0.0) == 1


def test_selector_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="min_iou"):
        PersonSelector(min_iou=1.5)
    with pytest.raises(ValueError, match="lost_after"):
        PersonSelector(lost_after=-1)


# --------------------------------------------------------------------------- independence


def first_hip_y(model: str, clip: str, start: int) -> float:
    """Run in a child process: hip height in one frame of ``clip`` (video mode)."""
    with av.open(clip) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == start:
                rgb, t = frame.to_ndarray(format="rgb24"), float(frame.time)
                break
    with MediaPipePose(Path(model), mode="video") as estimator:
        return y_of(estimator.estimate(rgb, t), "left_hip", "right_hip")


def test_estimators_in_two_processes_run_independently(pose_model: Path, shared_data: Path) -> None:
    context = multiprocessing.get_context("spawn")
    clip = str(shared_data / SQUAT)
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        standing, squatting = pool.map(first_hip_y, [str(pose_model)] * 2, [clip] * 2, [0, 78])
    assert standing < squatting  # the hips drop in the squat


def test_two_estimators_in_one_process_keep_their_own_time(
    pose_model: Path, squat_frames: list[Frame]
) -> None:
    with (
        MediaPipePose(pose_model, mode="video", min_confidence=0.5) as late,
        MediaPipePose(pose_model, mode="video", min_confidence=0.5) as early,
    ):
        for (rgb_late, t_late), (rgb_early, t_early) in zip(
            squat_frames[40:45], squat_frames[:5], strict=True
        ):
            assert late.estimate(rgb_late, t_late).image is not None
            assert early.estimate(rgb_early, t_early).image is not None


def test_unset_landmark_fields_become_nan() -> None:
    """Landmark objects as MediaPipe returns them, with visibility unset on one."""
    marks = [SimpleNamespace(x=0.1 * i, y=0.5, z=0.0, visibility=0.9) for i in range(33)]
    marks[7] = SimpleNamespace(x=0.7, y=0.5, z=0.0, visibility=None)
    array = _as_array(marks, _IMAGE_FIELDS, 4)
    assert array.shape == (33, 4) and array.dtype == np.float32
    assert np.isnan(array[7, 3]) and array[7, 0] == np.float32(0.7)
    assert np.count_nonzero(np.isnan(array)) == 1


def test_unloadable_model_is_model_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.task"
    broken.write_bytes(b"not a zip bundle")
    with pytest.raises(ModelUnavailable, match="cannot load the pose model .*broken.task"):
        MediaPipePose(broken)
