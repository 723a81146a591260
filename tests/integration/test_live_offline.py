"""The same motion gives the same numbers live and on review.

Each sample clip is played frame by frame through the live page's engine
(real MediaPipe, frames and times as the webcam callback gets them) and
analysed offline through ``extract_pose`` + ``analyze``; the reports must
agree exactly: rep count, rep times, range of motion, scores and cues.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.exercise.analysis import analyze
from formcheck.pose.extract import extract_pose
from formcheck.pose.video import open_video
from formcheck.ui.engine import make_engine

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"

CLIPS = ("sit_to_stand_side", "trunk_flexion_side", "back_extension_faults",
         "lateral_flexion_front", "lateral_flexion_oblique", "trunk_rotation_front",
         "trunk_rotation_oblique", "lateral_flexion_faults")


def _live_report(clip: Path, exercise: str) -> dict[str, object]:
    engine = make_engine(exercise)
    try:
        with open_video(clip) as reader:
            for t, rgb in reader:
                engine.process(rgb, t)
        report = engine.finish()
    finally:
        engine.close()
    assert report is not None
    return report.to_dict()


def _rep_figures(report: dict[str, object]) -> list[tuple[object, ...]]:
    keys = ("start_s", "extreme_s", "end_s", "rom_deg", "score", "cues")
    return [tuple(json.dumps(rep[k], sort_keys=True) for k in keys) for rep in report["reps"]]


@pytest.mark.slow
@pytest.mark.parametrize("name", CLIPS)
def test_live_engine_matches_offline_review(name: str, pose_model: Path) -> None:
    clip = SAMPLES / f"{name}.mp4"
    truth = json.loads(clip.with_suffix(".json").read_text())
    offline = analyze(extract_pose(clip, model_path=pose_model), truth["exercise"]).to_dict()
    live = _live_report(clip, truth["exercise"])
    assert live["rep_count"] == offline["rep_count"] == truth["rep_count"]
    assert _rep_figures(live) == _rep_figures(offline)
