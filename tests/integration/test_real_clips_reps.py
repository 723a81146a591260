"""Rep counts on the real clips in ../shared/data (truth in its README), through real inference.

Each clip is extracted once per test session with ``formcheck.pose.extract.extract_pose``
(the real MediaPipe path, through the shared ``extractions`` cache of conftest.py)
and analysed as the README says it should be counted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.exercise.analysis import analyze
from formcheck.exercise.report import Report
from formcheck.pose.sequence import PoseSequence

pytestmark = pytest.mark.slow

# clip, exercise, true complete reps (squats count standing->bottom->standing)
CLIPS = [
    ("sit_to_stand_1rep_side_264x470.gif", "sit_to_stand", 1),
    ("timed_up_and_go_side_1280x720.mp4", "sit_to_stand", 1),
    ("stand_up_then_walk_handheld_1280x720.mp4", "sit_to_stand", 0),
    ("trunk_flexion_fold_and_hold_side.mp4", "trunk_flexion", 0),
    ("squat_3reps_side_960x544.mp4", "squat", 3),
    ("squat_4reps_front_153x272.gif", "squat", 4),
    ("squat_6reps_front_oblique_720x1280.mov", "squat", 6),
]
SQUAT_CLIP = "squat_6reps_front_oblique_720x1280.mov"
SQUAT_BOTTOMS_S = (4.87, 6.12, 7.37, 8.62, 9.80, 11.08)  # README: deepest knee flexion


class _ByName(dict):  # type: ignore[type-arg]
    def __init__(self, root: Path, cache: dict[Path, PoseSequence]) -> None:
        super().__init__()
        self.root, self.cache = root, cache

    def __missing__(self, name: str) -> PoseSequence:
        return self.cache[self.root / name]


@pytest.fixture(scope="session")
def extracted(shared_data: Path, extractions: dict[Path, PoseSequence]) -> dict[str, PoseSequence]:
    """Every clip's pose sequence by file name, from the session's shared cache."""
    return _ByName(shared_data, extractions)


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
    report = _analyse(extracted, "squat_4reps_front_153x272.gif", "squat")
    assert report.view == "frontal"
    assert any("Turn side-on" in w for w in report.warnings)
    # outside a side view the knee comes from 3-D landmarks and no image hip angle is reported
    assert all(np.isnan(r.measurements["hip_bottom_deg"]) for r in report.reps)


def _mot(path: Path) -> dict[str, np.ndarray]:
    """Columns of an OpenSim .mot file (tab-separated, after the 'endheader' line)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader") + 1
    names = lines[start].split()
    body = [line for line in lines[start + 1 :] if line.strip()]
    rows = np.array([[float(v) for v in line.split()] for line in body])
    return {name: rows[:, i] for i, name in enumerate(names)}


def test_squat_bottoms_match_the_reference_angles(
    extracted: dict[str, PoseSequence], shared_data: Path
) -> None:
    """The real front-oblique squats: each bottom within 0.2 s of the README's time and its
    knee flexion within 10 deg of the multi-camera reference (the worse-fitting knee side)."""
    report = _analyse(extracted, SQUAT_CLIP, "squat")
    ref = _mot(shared_data / "squat_6reps_front_oblique_reference_angles.mot")
    assert report.rep_count == 6
    for rep, bottom in zip(report.reps, SQUAT_BOTTOMS_S, strict=True):
        assert abs(rep.extreme_s - bottom) <= 0.2, (rep.extreme_s, bottom)
        near = np.abs(ref["time"] - bottom) <= 0.3
        ref_knee = max(ref["knee_angle_r"][near].max(), ref["knee_angle_l"][near].max())
        assert abs(rep.measurements["knee_bottom_deg"] - ref_knee) <= 10.0, (rep.index, ref_knee)


@pytest.mark.parametrize(
    ("name", "exercise"),
    [("squat_3reps_side_960x544.mp4", "squat"),
     ("trunk_flexion_fold_and_hold_side.mp4", "trunk_flexion"),
     ("timed_up_and_go_side_1280x720.mp4", "sit_to_stand"),
     (SQUAT_CLIP, "squat")],
)  # fmt: skip
def test_live_replay_equals_offline_on_real_landmarks(
    extracted: dict[str, PoseSequence], name: str, exercise: str
) -> None:
    from formcheck.exercise.session import Session

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
    from formcheck.exercise.analysis import detect_exercise

    assert detect_exercise(extracted[name]) == exercise


@pytest.mark.parametrize(("name", "exercise", "truth"), CLIPS, ids=[c[0] for c in CLIPS])
def test_any_exercise_on_any_clip_gives_a_report_not_a_crash(
    extracted: dict[str, PoseSequence], name: str, exercise: str, truth: int
) -> None:
    """A physiotherapist may pick the wrong exercise: every choice gives a report."""
    from formcheck.exercise.definitions import EXERCISES

    for other in EXERCISES:
        report = analyze(extracted[name], other)
        assert report.rep_count >= 0 and isinstance(report.to_dict(), dict)


@pytest.mark.parametrize(("name", "exercise", "truth"), CLIPS, ids=[c[0] for c in CLIPS])
def test_the_cli_and_the_review_page_count_each_real_clip_exactly(
    extracted: dict[str, PoseSequence], name: str, exercise: str, truth: int, tmp_path: Path
) -> None:
    """Issue #9: counted exactly by both front doors, with the exercise recognised
    (``auto``). The CLI reads the clip's real landmarks from a pose file (its own
    counting path; extraction is the same ``extract_pose`` as above); the review page's
    scoring step (``ui.pipeline.score_clip``) gets them as the page does after extracting."""
    import json
    import subprocess
    import sys

    from formcheck.ui.pipeline import Extraction, score_clip

    pose = extracted[name].save(tmp_path / "pose.npz")
    cli = subprocess.run(
        [sys.executable, "-m", "formcheck.cli", "analyze", str(pose), "--exercise", "auto",
         "--json"], capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    report = json.loads(cli.stdout)
    assert (report["exercise"], report["rep_count"]) == (exercise, truth)
    page = score_clip(Extraction(name, extracted[name]), "auto").result.report
    assert (page["exercise"], page["rep_count"]) == (exercise, truth)
