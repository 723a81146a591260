"""Rep counts on the real clips in ../shared/data (truth in its README), through real inference.

Each clip is extracted once per test session with ``formcheck.extract.extract_pose``
(the real MediaPipe path) and analysed as the README says it should be counted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import analyze
from formcheck.report import Report
from formcheck.sequence import PoseSequence

pytestmark = pytest.mark.slow

# clip, exercise, true complete reps (squats starting standing count standing->bottom->standing)
CLIPS = [
    ("sit_to_stand_1rep_side_264x470.gif", "sit_to_stand", 1),
    ("timed_up_and_go_side_1280x720.mp4", "sit_to_stand", 1),
    ("stand_up_then_walk_handheld_1280x720.mp4", "sit_to_stand", 0),
    ("trunk_flexion_fold_and_hold_side.mp4", "trunk_flexion", 0),
    ("squat_3reps_side_960x544.mp4", "sit_to_stand", 3),
    ("squat_4reps_front_153x272.gif", "sit_to_stand", 4),
]


@pytest.fixture(scope="session")
def extracted(shared_data: Path, pose_model: Path) -> dict[str, PoseSequence]:
    """Every clip's pose sequence, extracted once per session (lazily)."""
    from formcheck.extract import extract_pose

    cache: dict[str, PoseSequence] = {}

    class _Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, name: str) -> PoseSequence:
            cache[name] = extract_pose(shared_data / name, model_path=pose_model)
            self[name] = cache[name]
            return cache[name]

    return _Lazy()


def _analyse(extracted: dict[str, PoseSequence], name: str, exercise: str) -> Report:
    return analyze(extracted[name], exercise)


@pytest.mark.parametrize(("name", "exercise", "truth"), CLIPS, ids=[c[0] for c in CLIPS])
def test_rep_count(
    extracted: dict[str, PoseSequence], name: str, exercise: str, truth: int
) -> None:
    report = _analyse(extracted, name, exercise)
    assert report.rep_count == truth, [(r.start_s, r.end_s) for r in report.reps]


def test_fold_and_hold_says_not_returning_upright(extracted: dict[str, PoseSequence]) -> None:
    report = _analyse(extracted, "trunk_flexion_fold_and_hold_side.mp4", "trunk_flexion")
    assert report.incomplete is not None
    assert report.incomplete.cues[0].code == "not_returning_upright"
    # README: folding 0.5-1.5 s (a coarse mark); the trunk angle turns forward from its
    # rest at ~0.2 s (after a 1 deg dip) and is already 18 deg forward at 0.53 s.
    assert 0.15 <= report.incomplete.start_s <= 1.0


def test_one_rep_gif_timing_and_view(extracted: dict[str, PoseSequence]) -> None:
    report = _analyse(extracted, "sit_to_stand_1rep_side_264x470.gif", "sit_to_stand")
    rep = report.reps[0]
    assert report.start_posture == "seated"
    # README: seated to 1.9 s (+-0.2), rising 2.2-2.9 s; the rep starts with the forward lean
    assert 1.4 <= rep.start_s <= 2.2
    assert 5.5 <= rep.end_s <= 7.0  # sitting 5.3-5.8 s, seated from 6.0 s


def test_front_view_is_reported(extracted: dict[str, PoseSequence]) -> None:
    report = _analyse(extracted, "squat_4reps_front_153x272.gif", "sit_to_stand")
    assert report.view == "frontal"
    assert any("Turn side-on" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("name", "exercise"),
    [("squat_3reps_side_960x544.mp4", "sit_to_stand"),
     ("trunk_flexion_fold_and_hold_side.mp4", "trunk_flexion")],
)  # fmt: skip
def test_live_replay_equals_offline_on_real_landmarks(
    extracted: dict[str, PoseSequence], name: str, exercise: str
) -> None:
    from formcheck.session import Session

    seq = extracted[name]
    session = Session(exercise)
    for i in range(len(seq)):
        image = None if np.isnan(seq.image[i]).all() else seq.image[i]
        session.update(seq.t[i], image, seq.world[i], seq.width, seq.height)
    assert session.finish().to_dict() == _analyse(extracted, name, exercise).to_dict()


@pytest.mark.parametrize(("name", "exercise", "truth"), CLIPS, ids=[c[0] for c in CLIPS])
def test_auto_recognises_the_exercise(
    extracted: dict[str, PoseSequence], name: str, exercise: str, truth: int
) -> None:
    from formcheck.analysis import detect_exercise

    assert detect_exercise(extracted[name]) == exercise
