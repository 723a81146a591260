"""``formcheck analyze CLIP --test tug``: the total, the phases and the norm, in text and
JSON, on a built side-view TUG (a PoseSequence file: the CLI's path without inference)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.exercise.tug import NOT_ENDED
from support.builders import TugScript, tug_sequence, uniform_times

LANDMARK_HIPS = ["--set", "angles.joint_centres=landmark"]  # the built figure's hips are centres


def _clip(tmp_path: Path, script: TugScript) -> Path:
    path = tmp_path / "tug.npz"
    tug_sequence(uniform_times(12.0, 30.0), script).save(path)
    return path


def test_text_shows_total_phases_and_norm(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code = main(["analyze", str(_clip(tmp_path, TugScript())), "--exercise", "sit_to_stand",
                 "--test", "tug", "--age", "75", *LANDMARK_HIPS])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("test tug: "))
    assert "Bohannon 2006, age 70-79" in line and "fall_risk_12s=False" in line
    for phase in ("rise", "walk out", "turn", "walk back", "turn and sit"):
        assert any(x.startswith(f"  {phase}: ") for x in out.splitlines()), out


def test_json_has_typed_phases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(_clip(tmp_path, TugScript())), "--exercise", "sit_to_stand",
                 "--test", "tug", "--json", *LANDMARK_HIPS])  # fmt: skip
    test = json.loads(capsys.readouterr().out)["test"]
    assert code == 0 and test["valid"] and test["test"] == "tug"
    names = [p["name"] for p in test["phases"]]
    assert names == ["rise", "walk_out", "turn", "walk_back", "turn_and_sit"]
    assert sum(p["duration_s"] for p in test["phases"]) == pytest.approx(test["time_s"], abs=0.02)


def test_a_tug_that_does_not_end_says_so(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code = main(["analyze", str(_clip(tmp_path, TugScript(sits=False))), "--exercise",
                 "sit_to_stand", "--test", "tug", "--json", *LANDMARK_HIPS])  # fmt: skip
    test = json.loads(capsys.readouterr().out)["test"]
    assert code == 0 and not test["valid"] and test["time_s"] is None
    assert test["notes"] == [NOT_ENDED]
