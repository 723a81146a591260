"""Detection on awkward frames: squashed, anamorphic, small and off-centre people.

The slow tests re-encode a rendered sample into an awkward variant on the fly
(``tests/awkward.py``) and run real MediaPipe over it. Measured with
``bench/detection.py`` before this handling existed: the squashed five-times
sit-to-stand found the person in 38 % of its frames (4 of 5 reps), the small
off-centre portrait clip in 0 %; after it, 100 % for both. The tests ask for
95 % and the truth's rep count.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import FormcheckWarning
from formcheck.exercise.analysis import analyze
from formcheck.pose.estimator import SMALL_PERSON, region_of_interest, search_tiles
from formcheck.pose.extract import (
    _candidates,
    _Probe,
    _ProbeKeeper,
    extract_pose,
    length_aspect,
    probe_aspect,
)
from support.awkward import make_variant
from support.fake_estimators import ShapeFakeEstimator

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
MIN_DETECTION = 0.95


def _truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def _extract(path: Path, model: Path) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormcheckWarning)
        seq = extract_pose(path, model_path=model)
    return seq, [str(w.message) for w in caught if issubclass(w.category, FormcheckWarning)]


@pytest.mark.slow
def test_squashed_clip_is_restored_found_and_counted(pose_model: Path, tmp_path: Path) -> None:
    name = "five_times_sit_to_stand"  # 640x480 squashed to 360x640, no metadata
    clip = make_variant(SAMPLES / f"{name}.mp4", "squashed", tmp_path / "squashed.mp4")
    seq, messages = _extract(clip, pose_model)
    assert seq.detection_rate >= MIN_DETECTION
    assert seq.meta.aspect_corrected
    assert seq.width / seq.height == pytest.approx(4 / 3, rel=0.01)  # the sample's true shape
    assert any("looks squashed" in m and "squashed.mp4" in m for m in messages), messages
    truth = _truth(name)
    assert analyze(seq, truth["exercise"], test=truth["test"]).rep_count == len(truth["reps"])


@pytest.mark.slow
def test_small_off_centre_person_is_found_and_counted(pose_model: Path, tmp_path: Path) -> None:
    name = "sit_to_stand_portrait"  # a person about 1/9 of a 1080x1920 frame, lower left
    clip = make_variant(SAMPLES / f"{name}.mp4", "small", tmp_path / "small.mp4")
    seq, _ = _extract(clip, pose_model)
    assert (seq.width, seq.height) == (1080, 1920)
    assert seq.detection_rate >= MIN_DETECTION
    x = np.nanmedian(seq.image[:, :, 0])
    y = np.nanmedian(seq.image[:, :, 1])
    assert x < 0.3 and y > 0.6  # where the person was placed, mapped back from the crops
    truth = _truth(name)
    assert analyze(seq, truth["exercise"], test=truth["test"]).rep_count == len(truth["reps"])


@pytest.mark.slow
def test_anamorphic_clip_is_analysed_at_its_display_shape(
    pose_model: Path, tmp_path: Path
) -> None:
    clip = make_variant(SAMPLES / "sit_to_stand_portrait.mp4", "anamorphic", tmp_path / "a.mp4",
                        stop_s=2.0)  # fmt: skip
    seq, _ = _extract(clip, pose_model)
    assert (seq.width, seq.height) == (360, 640)  # 480x640 stored, SAR 3:4
    assert seq.meta.pixel_aspect == pytest.approx(0.75) and not seq.meta.aspect_corrected
    assert seq.detection_rate >= MIN_DETECTION


# -- the pieces (no inference) ---------------------------------------------------------


def _pose_box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    pose = np.zeros((33, 4), np.float32)
    pose[:, 0] = np.linspace(x0, x1, 33)
    pose[:, 1] = np.linspace(y0, y1, 33)
    pose[:, 3] = 1.0
    return pose


def test_region_of_interest_only_for_small_people() -> None:
    big = _pose_box(0.3, 0.2, 0.6, 0.8)  # 60 % of the height
    assert region_of_interest(big, 1080, 1920) is None
    small = _pose_box(0.1, 0.7, 0.2, 0.8)  # 192 px of 1920
    assert 192 / 1920 < SMALL_PERSON
    x0, y0, x1, y1 = region_of_interest(small, 1080, 1920)
    assert x1 - x0 == y1 - y0 == round(192 * 2.2)
    assert 0 <= x0 < 0.1 * 1080 and y0 < 0.7 * 1920 and y1 > 0.8 * 1920  # contains the box
    corner = region_of_interest(_pose_box(0.0, 0.95, 0.05, 1.0), 1080, 1920)
    assert corner[0] == 0 and corner[3] == 1920  # moved inside the frame, not shrunk
    assert corner[2] - corner[0] == corner[3] - corner[1]  # square
    wide = region_of_interest(_pose_box(0.0, 0.0, 0.17, 0.04), 1920, 200)
    assert wide == (63, 0, 263, 200)  # at most the shorter side, centred


def test_search_tiles_cover_the_frame_at_two_scales() -> None:
    levels = search_tiles(1080, 1920)
    assert [len(level) for level in levels] == [3, 3 * 7]
    for level in levels:
        covered = np.zeros((1920, 1080), bool)
        for x0, y0, x1, y1 in level:
            assert x1 - x0 == y1 - y0 and x1 <= 1080 and y1 <= 1920
            covered[y0:y1, x0:x1] = True
        assert covered.all()
    assert len(search_tiles(153, 272)) == 1  # no tiles under 96 px


def test_aspect_candidates_restore_camera_shapes() -> None:
    # a 4:3 frame becomes 9:16, 3:4, itself (1.0) or 16:9
    assert _candidates(640, 480) == [round(f, 4) for f in (27 / 64, 9 / 16, 1.0, 4 / 3)]
    assert 1.0 in _candidates(1138, 640) and len(_candidates(1138, 640)) == 4  # 16:9 ~ 1138x640


def test_length_aspect_recovers_a_squash_of_a_turning_limb() -> None:
    angles = np.linspace(0, np.pi / 2, 12)  # a thigh turning from horizontal to vertical
    images = np.full((12, 33, 4), np.nan, np.float32)
    images[:, :, 3] = 1.0
    for squash in (0.5, 1.0, 2.0):
        hip = np.array([300.0, 300.0])
        knee = hip + 100 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        for a, b in ((23, 25), (24, 26), (11, 23), (12, 24)):
            images[:, a, :2] = hip / [640 * squash, 640]  # stored x: true x / squash
            images[:, b, :2] = knee / [640 * squash, 640]
        assert length_aspect(images, 640, 640) == pytest.approx(squash, rel=0.03)


def _probes(width: int, height: int, missed: int, found: int) -> list[_Probe]:
    rgb = np.zeros((height, width, 3), np.uint8)
    flags = [False] * missed + [True] * found
    return [_Probe(float(i), rgb, flag) for i, flag in enumerate(flags)]


def test_probe_picks_the_shape_that_finds_the_person() -> None:
    probes = _probes(360, 640, missed=6, found=0)  # a 4:3 picture squashed to 9:16
    assert probe_aspect(probes, 360, 640, ShapeFakeEstimator) == pytest.approx(64 / 27, rel=1e-3)


def test_probe_keeps_the_stored_shape_unless_it_gains() -> None:
    assert probe_aspect(_probes(640, 480, 6, 6), 640, 480, ShapeFakeEstimator) == 1.0
    assert probe_aspect(_probes(360, 640, 0, 6), 360, 640, ShapeFakeEstimator) == 1.0  # no miss
    assert probe_aspect(_probes(360, 640, 1, 0), 360, 640, ShapeFakeEstimator) == 1.0  # gain 1


def test_probe_keeper_spreads_its_frames_and_stays_small() -> None:
    keeper = _ProbeKeeper(10.0)
    rgb = np.zeros((4000, 3000, 3), np.uint8)
    for i in range(300):
        keeper.offer(i / 30, rgb[:8, :8], found=i % 3 == 0)
    kept = keeper.kept
    assert sum(not p.found for p in kept) == 8 and sum(p.found for p in kept) == 6
    missed_t = [p.t for p in kept if not p.found]
    assert min(np.diff(missed_t)) >= 10.0 / 8 - 1e-9
    keeper.offer(20.0, rgb, found=True)  # full: not kept
    assert max(p.rgb.shape[0] for p in keeper.kept) <= 1920
    big = _ProbeKeeper(100.0)
    big.offer(0.0, rgb, found=False)
    assert max(big.kept[0].rgb.shape[:2]) == 1920  # a 4000-px frame is shrunk
