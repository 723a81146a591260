"""Rep counts on the real clips in ../shared/data (truth in its README), through real inference.

Each clip is extracted once per test session with ``formcheck.extract.extract_pose``
(the real MediaPipe path) and analysed as the README says it should be counted.
"""

from __future__ import annotations

from pathlib import Path

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
    assert 0.3 <= report.incomplete.start_s <= 1.0


def test_one_rep_gif_timing_and_view(extracted: dict[str, PoseSequence]) -> None:
    report = _analyse(extracted, "sit_to_stand_1rep_side_264x470.gif", "sit_to_stand")
    rep = report.reps[0]
    assert report.start_posture == "seated"
    assert 1.6 <= rep.start_s <= 2.4  # README: seated to 1.9 s, rising 2.2-2.9 s
    assert 5.5 <= rep.end_s <= 7.0  # sitting 5.3-5.8 s, seated from 6.0 s


def test_front_view_is_reported(extracted: dict[str, PoseSequence]) -> None:
    report = _analyse(extracted, "squat_4reps_front_153x272.gif", "sit_to_stand")
    assert report.view == "frontal"
    assert any("Turn side-on" in w for w in report.warnings)
