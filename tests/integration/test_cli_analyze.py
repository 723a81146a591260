"""``formcheck analyze``: JSON, text, CSV, errors; and for scripts (the real CLI in a
subprocess): output paths checked first, warnings as plain lines and in the JSON,
a progress bar on a terminal only, no network contact."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from formcheck.cli import main
from support.builders import build_sequence, sit_to_stand_curves, uniform_times

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


# --------------------------------------------------------------------------- for scripts
# The real CLI in a subprocess (``python -m formcheck.cli``), as a script would run it.

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
LONG_CLIP = SAMPLES / "thirty_second_chair_stand.mp4"  # 35 s: inference would take a while


def _cli(*args: str, stderr: Any = subprocess.PIPE, model: Path | None = None) -> Any:
    env = {**os.environ, "PYTHONWARNINGS": ""}
    if model is not None:
        env["FORMCHECK_MODEL"] = str(model)
    return subprocess.Popen(
        [sys.executable, "-m", "formcheck.cli", *args],
        stdout=subprocess.PIPE, stderr=stderr, env=env, text=stderr is subprocess.PIPE,
    )  # fmt: skip


@pytest.fixture(scope="module")
def truncated_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first half of a 10 s bundled sample's bytes: a cut-off download (real frames)."""
    from support.videos import truncate

    source = SAMPLES / "sit_to_stand_portrait.mp4"
    if not source.is_file():
        pytest.skip(f"bundled sample missing: {source}")
    return truncate(source, tmp_path_factory.mktemp("trunc") / "cut_off.mp4", 0.5)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: ["analyze", "CLIP", "--exercise", "sit_to_stand",
                      "--angles-csv", str(tmp / "no_such_folder" / "a.csv")],
         "does not exist"),
        (lambda tmp: ["analyze", "CLIP", "--exercise", "sit_to_stand", "--angles-csv", str(tmp)],
         "is a folder, not a file"),
        (lambda tmp: ["analyze", "CLIP", "--exercise", "sit_to_stand",
                      "--angles-csv", "/proc/formcheck-angles.csv"],
         "cannot write there"),
        (lambda tmp: ["pose", "CLIP", "-o", str(tmp / "missing" / "pose.npz")], "does not exist"),
    ],
)  # fmt: skip
def test_a_bad_output_path_fails_at_once(
    make_args: Any, message: str, tmp_path: Path, pose_model: Path
) -> None:
    if not LONG_CLIP.is_file():
        pytest.skip(f"bundled sample missing: {LONG_CLIP}")
    args = [str(LONG_CLIP) if a == "CLIP" else a for a in make_args(tmp_path)]
    started = time.monotonic()
    proc = _cli(*args, model=pose_model)
    out, err = proc.communicate(timeout=120)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2, err
    assert message in err and err.count("\n") == 1 and err.startswith("formcheck: ")
    assert "Traceback" not in err and out == ""
    assert elapsed < 20, f"took {elapsed:.0f} s: the clip was analysed before the path check"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the check left nothing behind


@pytest.mark.slow
def test_extraction_warnings_reach_json_and_stderr_as_plain_lines(
    truncated_clip: Path, pose_model: Path
) -> None:
    proc = _cli("analyze", str(truncated_clip), "--exercise", "sit_to_stand", "--json",
                model=pose_model)  # fmt: skip
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    report = json.loads(out)
    truncated = [w for w in report["warnings"] if "cut_off.mp4: the file is truncated" in w]
    assert len(truncated) == 1, report["warnings"]
    lines = err.splitlines()
    assert lines, "no warning on stderr"
    assert all(line.startswith("formcheck: warning: ") for line in lines), err
    assert f"formcheck: warning: {truncated[0]}" in lines
    assert ".py:" not in err and "FormcheckWarning" not in err  # not Python's warning format
    assert "\r" not in err and "%" not in err  # piped: no progress bar


@pytest.mark.slow
def test_progress_bar_on_a_terminal_only(truncated_clip: Path, pose_model: Path) -> None:
    master, slave = pty.openpty()
    proc = _cli("analyze", str(truncated_clip), "--exercise", "sit_to_stand",
                stderr=slave, model=pose_model)  # fmt: skip
    os.close(slave)
    terminal = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0
    shown = terminal.decode(errors="replace")
    assert re.search(r"\rformcheck: pose \[#+-*\]\s+\d+%", shown), shown[:500]
    assert "100%" in shown
    assert "formcheck: warning: cut_off.mp4: the file is truncated" in shown
    assert "sit_to_stand:" in out and "%" not in out  # the report on stdout, no bar in it


def test_warnings_from_any_thread_are_collected_once() -> None:
    from formcheck.commands._shared import collect_warnings
    from formcheck.errors import FormcheckWarning

    def worker() -> None:
        warnings.warn("clip.mp4: several people were in view", FormcheckWarning, stacklevel=1)

    with collect_warnings() as caught:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        warnings.warn("clip.mp4: several people were in view", FormcheckWarning, stacklevel=1)
        warnings.warn("mean of\nempty slice", RuntimeWarning, stacklevel=1)
    assert caught.formcheck == ["clip.mp4: several people were in view"]
    assert caught.other == ["RuntimeWarning: mean of empty slice"]


@pytest.mark.slow
def test_the_cli_contacts_no_host(truncated_clip: Path, pose_model: Path, tmp_path: Path) -> None:
    """MediaPipe's usage report (play.googleapis.com) must not leave: strace the real CLI."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("needs strace (apt-get install -y strace)")
    from support.netcheck import foreign_contacts

    trace = tmp_path / "strace.log"
    env = {**os.environ, "FORMCHECK_MODEL": str(pose_model)}
    command = [strace, "-f", "-qq", "-e", "trace=network", "-o", str(trace),
               sys.executable, "-m", "formcheck.cli", "pose", str(truncated_clip),
               "-o", str(tmp_path / "pose.npz")]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    log = trace.read_text()
    assert "connect(" in log or "socket(" in log, "strace recorded no network call at all"
    assert foreign_contacts(log) == []
