"""``formcheck exercise learn`` / ``check`` and ``analyze --exercise-file`` on built knee
raises saved as a pose file: the file written, the reps counted from it, bad files and
refused demonstrations as one message and exit 2 (nothing written), and the definition in
the patient record (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.exercise.definition_file import read
from formcheck.record.definitions import delete_definition, load_definitions, save_definition
from formcheck.record.store import Record
from support.builders import build_sequence, keyframes, uniform_times
from support.record_support import db_url, postgres_server  # noqa: F401

RAISES = [(1.0, 1.9, 2.3, 3.2), (3.8, 4.7, 5.1, 6.0), (6.6, 7.5, 7.9, 8.8)]


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    t = uniform_times(10.0, 25.0)
    pts = [(-1.0, 0.0)]
    for a, b, c, d in RAISES:
        pts += [(a, 0.0), (b, 75.0), (c, 75.0), (d, 0.0)]
    curve = keyframes(t, pts + [(11.0, 0.0)])
    seq = build_sequence(t, 0.0 * curve, curve, curve, noise=0.001, seed=4)
    return seq.save(tmp_path / "raises.npz")


def test_learn_writes_a_definition_that_analyze_counts_with(clip: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:  # fmt: skip
    out = tmp_path / "knee_raise.toml"
    assert main(["exercise", "learn", str(clip), "--name", "knee_raise", "--to", "6.4",
                 "-o", str(out)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "knee_raise: Knee raise" in text and "learned from 2 rep(s)" in text
    spec = read(out)
    assert spec.template is not None and spec.demonstration["to_s"] <= 6.4
    assert main(["analyze", str(clip), "--exercise-file", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exercise"] == "knee_raise" and report["rep_count"] == len(RAISES)
    assert all(r["template_score"] >= 85 and r["template_worst_joint"] for r in report["reps"])
    assert main(["exercise", "check", str(out)]) == 0
    assert "counts " in capsys.readouterr().out


def test_a_bad_definition_file_is_one_message_before_any_work(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('format = "formcheck-exercise"\nversion = 1\n[exercise]\nname = "x1"\n')
    assert main(["analyze", str(tmp_path / "absent.mp4"), "--exercise-file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"formcheck: {bad}: not a usable exercise definition (5 problems):")
    assert "  - exercise.title: missing (required)" in err and "Traceback" not in err
    assert main(["exercise", "check", str(bad)]) == 2


def test_a_refused_demonstration_writes_nothing(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "short.toml"
    assert main(["exercise", "learn", str(clip), "--name", "short", "--from", "2.0",
                 "--to", "2.3", "-o", str(out)]) == 2  # fmt: skip
    assert capsys.readouterr().err.startswith("formcheck: too few frames: the demonstration has")
    assert not out.exists()
    assert main(["exercise", "learn", str(clip), "--name", "squat", "-o", str(out)]) == 2
    assert "'squat' is a built-in exercise" in capsys.readouterr().err


def test_definitions_in_the_record(clip: Path, tmp_path: Path, db_url: str) -> None:  # noqa: F811
    out = tmp_path / "knee_raise.toml"
    assert main(["exercise", "learn", str(clip), "--name", "knee_raise", "--to", "6.4",
                 "-o", str(out), "--save", "--db", db_url]) == 0  # fmt: skip
    spec = read(out)
    with Record.open(db_url) as record:
        assert load_definitions(record) == [spec]
        retitled = type(spec)(**{**spec.__dict__, "title": "Marching on the spot"})
        save_definition(record, retitled)  # the same name again: replaced
        assert [s.title for s in load_definitions(record)] == ["Marching on the spot"]
        assert delete_definition(record, "knee_raise") and load_definitions(record) == []


def test_batch_counts_with_a_definition_file(clip: Path, tmp_path: Path) -> None:
    """A one-worker embedded cluster; the pose file listed in a manifest."""
    out = tmp_path / "knee_raise.toml"
    assert main(["exercise", "learn", str(clip), "--name", "knee_raise", "--to", "6.4",
                 "-o", str(out)]) == 0  # fmt: skip
    manifest = tmp_path / "clips.csv"
    manifest.write_text(f"path\n{clip.name}\n")
    results = tmp_path / "batch"
    assert main(["batch", str(manifest), "-o", str(results), "--exercise-file", str(out),
                 "--workers", "1", "--quiet"]) == 0  # fmt: skip
    import csv

    rows = list(csv.DictReader((results / "results.csv").open()))
    assert [(r["exercise"], r["status"], r["rep_count"]) for r in rows] == [
        ("knee_raise", "done", str(len(RAISES)))]
