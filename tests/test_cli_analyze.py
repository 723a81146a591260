"""``formcheck analyze`` on .npz pose files: JSON, text, CSV, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from builders import build_sequence, sit_to_stand_curves, uniform_times
from formcheck.cli import main

REPS = [(1.0 + 3.2 * i, 2.0 + 3.2 * i, 2.6 + 3.2 * i, 3.9 + 3.2 * i) for i in range(5)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    t = uniform_times(18.0, 30.0)
    path = tmp_path_factory.mktemp("cli") / "sts.npz"
    build_sequence(t, *sit_to_stand_curves(t, REPS)).save(path)
    return path


def test_json_has_the_contract_fields(clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyze", str(clip), "--exercise", "sit_to_stand", "--test", "5xsts",
                 "--age", "72", "--sex", "f", "--json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exercise"] == "sit_to_stand" and out["rep_count"] == 5
    assert {"view", "side", "reps", "warnings", "test"} <= set(out)
    assert {"start_s", "extreme_s", "end_s", "rom_deg", "score", "cues"} <= set(out["reps"][0])
    assert out["test"]["time_s"] > 0 and out["test"]["norm"]["threshold_s"] == 12.6


def test_text_csv_and_set(clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "angles.csv"
    code = main(["analyze", str(clip), "--exercise", "auto", "--angles-csv", str(csv_path),
                 "--set", "sit_to_stand.counter.enter=200",
                 "--set", "angles.joint_centres=landmark"])  # fmt: skip
    assert code == 0
    assert "sit_to_stand: 0 rep(s)" in capsys.readouterr().out  # threshold out of reach
    with open(csv_path, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["t_s", "trunk_inclination_deg", "hip_flexion_deg", "knee_flexion_deg"]
    assert len(rows) == 18 * 30 + 1 and float(rows[1][3]) == pytest.approx(90.0, abs=1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.npz", "--exercise", "sit_to_stand"], "no such file"),
        (["CLIP", "--exercise", "sit_to_stand", "--set", "x.y=1"], "unknown config key"),
        (["CLIP", "--exercise", "trunk_flexion", "--test", "5xsts"], "needs exercise"),
    ],
)
def test_bad_input_is_one_line(
    clip: Path, tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        str(clip) if a == "CLIP" else str(tmp_path / a) if a.endswith(".npz") else a for a in args
    ]
    assert main(["analyze", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_not_a_pose_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert main(["analyze", str(bad), "--exercise", "sit_to_stand"]) == 2
    assert "not a formcheck pose file" in capsys.readouterr().err
