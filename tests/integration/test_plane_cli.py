"""Side bending and rotation through the command line (issue #13): real MediaPipe on the
samples, the CLI reading the landmarks from a pose file, as a script would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"


def _analyze(extractions: Any, name: str, exercise: str, tmp_path: Path) -> dict[str, Any]:
    pose = extractions[SAMPLES / f"{name}.mp4"].save(tmp_path / "pose.npz")
    cli = subprocess.run([sys.executable, "-m", "formcheck.cli", "analyze", str(pose),
                          "--exercise", exercise, "--json"],
                         capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    return json.loads(cli.stdout)


@pytest.mark.slow
def test_cli_reports_side_bends_per_side(extractions: Any, tmp_path: Path) -> None:
    name = "lateral_flexion_oblique"
    truth = json.loads((SAMPLES / f"{name}.json").read_text())
    report = _analyze(extractions, name, "lateral_flexion", tmp_path)
    assert report["rep_count"] == truth["rep_count"]
    assert [r["side"] for r in report["reps"]] == [r["side"] for r in truth["reps"]]
    sides = report["summary"]["sides"]
    true = {s: [r["rom_deg"] for r in truth["reps"] if r["side"] == s] for s in ("left", "right")}
    assert sides["rom_left_deg"] == pytest.approx(sum(true["left"]) / 2, abs=5.0)
    assert sides["rom_right_deg"] == pytest.approx(sum(true["right"]) / 2, abs=5.0)
    assert sides["asymmetry_deg"] < 0  # the right bends are the deeper ones


@pytest.mark.slow
def test_cli_counts_rotations_and_shows_no_angle(extractions: Any, tmp_path: Path) -> None:
    report = _analyze(extractions, "trunk_rotation_front", "trunk_rotation", tmp_path)
    assert report["rep_count"] == 4
    assert [r["side"] for r in report["reps"]] == ["left", "right", "left", "right"]
    assert all(r["rom_deg"] is None for r in report["reps"])
    assert report["summary"]["mean_rom_deg"] is None
    assert any("not measured from video" in w for w in report["warnings"])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lateral_flexion_front", "lateral_flexion_oblique",
                                  "lateral_flexion_faults", "trunk_rotation_front",
                                  "trunk_rotation_oblique"])  # fmt: skip
def test_auto_recognises_side_bending_and_rotation(extractions: Any, name: str) -> None:
    from formcheck.exercise.analysis import detect_exercise

    truth = json.loads((SAMPLES / f"{name}.json").read_text())
    assert detect_exercise(extractions[SAMPLES / f"{name}.mp4"]) == truth["exercise"]
