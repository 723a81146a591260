"""The record's CLI commands, against a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.record import fhir
from formcheck.record.capture import from_report
from formcheck.record.store import Record
from support.record_support import db_url, five_sts_report, flexion_report, postgres_server  # noqa: F401

START = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _fill(url: str) -> None:
    with Record.open(url) as record:
        for week, peak in enumerate((35.0, 43.0)):
            record.save("K-001", from_report(flexion_report(peak),
                                             recorded_utc=START + timedelta(weeks=week)))
        record.save("K-001", from_report(five_sts_report(), test="5xsts",
                                         recorded_utc=START + timedelta(days=3)))


def test_patients_history_report_fhir(db_url: str, tmp_path: Path,  # noqa: F811
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "patients", "--db", db_url, "--add", "K-001",
                          "--birth-year", "1950", "--sex", "f")  # fmt: skip
    assert code == 0 and "added patient K-001" in err
    _fill(db_url)
    code, out, _ = _run(capsys, "patients", "--db", db_url, "--json")
    assert code == 0
    assert [(p["id"], p["sessions"]) for p in json.loads(out)["patients"]] == [("K-001", 3)]

    code, out, _ = _run(capsys, "history", "K-001", "--db", db_url, "--json")
    doc = json.loads(out)
    flex = doc["exercises"]["trunk_flexion"]
    roms = [s["mean_rom_deg"] for s in flex["sessions"]]
    assert flex["changes"][0]["changes"][0] == f"flexion {roms[1] - roms[0]:+.0f} deg since 3 Nov"
    assert doc["exercises"]["sit_to_stand"]["sessions"][0]["age"] == 75  # born 1950, in 2025
    code, out, _ = _run(capsys, "history", "K-001", "--db", db_url, "--exercise", "sit_to_stand")
    assert code == 0 and "Five-times sit-to-stand" in out and "trunk_flexion" not in out

    sid = doc["exercises"]["sit_to_stand"]["sessions"][0]["session"]
    pdf_path = tmp_path / "one.pdf"
    assert _run(capsys, "report", "K-001", "--session", str(sid), "-o", str(pdf_path),
                "--db", db_url)[0] == 0  # fmt: skip
    assert pdf_path.read_bytes().startswith(b"%PDF")
    progress = tmp_path / "progress.pdf"
    assert _run(capsys, "report", "K-001", "--from", "2025-11-01", "--to", "2025-11-06",
                "-o", str(progress), "--db", db_url)[0] == 0  # fmt: skip
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(progress), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        assert "2 session(s)" in text  # 3 Nov and 6 Nov; 10 Nov is outside

    bundle_path = tmp_path / "k.json"
    assert _run(capsys, "fhir", "K-001", "-o", str(bundle_path), "--db", db_url)[0] == 0
    bundle = fhir.parse_bundle(bundle_path.read_text())
    assert len(bundle.entry) == 1 + 3 * 3 + 1  # patient; rom/reps/score each; the 5xSTS time


def test_export_import_delete(db_url: str, tmp_path: Path,  # noqa: F811
                              capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "patients", "--db", db_url, "--add", "K-001")
    _fill(db_url)
    backup = tmp_path / "k.formcheck.json"
    code, _, err = _run(capsys, "export", "K-001", "-o", str(backup), "--db", db_url)
    assert code == 0 and "3 session(s)" in err
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"  # another machine's record
    code, out, _ = _run(capsys, "import", str(backup), "--db", other)
    assert code == 0 and "imported patient K-001, 3 session(s)" in out
    with Record.open(db_url) as a, Record.open(other) as b:
        before, after = a.sessions("K-001", curves=True), b.sessions("K-001", curves=True)
        assert [s.report for s in before] == [s.report for s in after]
        assert [s.recorded_utc for s in before] == [s.recorded_utc for s in after]
        assert [s.formcheck_version for s in before] == [s.formcheck_version for s in after]
        pairs = zip(before, after, strict=True)
        assert all((x.curves["t_s"] == y.curves["t_s"]).all() for x, y in pairs)
    code, _, err = _run(capsys, "import", str(backup), "--db", other)
    assert code == 2 and "already in" in err

    code, out, _ = _run(capsys, "delete-patient", "K-001", "--yes", "--db", db_url)
    assert code == 0 and "erased patient K-001 and 3 session(s)" in out
    code, _, err = _run(capsys, "history", "K-001", "--db", db_url)
    assert code == 2 and "no patient 'K-001'" in err


def test_bad_inputs_get_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "r.sqlite3")
    not_export = tmp_path / "notes.json"
    not_export.write_text('{"hello": 1}')
    cases = [
        (["import", str(not_export), "--db", db], "notes.json: not a formcheck patient export"),
        (["import", str(tmp_path / "missing.json"), "--db", db], "missing.json: no such file"),
        (["report", "X", "--from", "03/11/2025", "-o", str(tmp_path / "x.pdf"), "--db", db],
         "use YYYY-MM-DD"),
        (["patients", "--add", "has space", "--db", db], "patient ID"),
    ]
    for argv, message in cases:
        code, _, err = _run(capsys, *argv)
        assert code == 2 and message in err and err.count("\n") == 1, (argv, err)


def test_default_database_follows_the_environment(tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from formcheck.record.database import default_path, resolve_url

    monkeypatch.delenv("FORMCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "formcheck" / "record.sqlite3"
    assert resolve_url().database == str(default_path())
    monkeypatch.setenv("FORMCHECK_DB", str(tmp_path / "env.sqlite3"))
    _run(capsys, "patients", "--add", "E-1")
    assert (tmp_path / "env.sqlite3").is_file() and not default_path().exists()
    assert resolve_url(str(tmp_path / "flag.sqlite3")).database == str(tmp_path / "flag.sqlite3")


def _clip(tmp_path: Path) -> Path:
    """A pose file (``formcheck pose`` output) of a real 5xSTS analysis' synthetic input."""
    from support.builders import build_sequence, sit_to_stand_curves, uniform_times

    t = uniform_times(20.0, 30.0)
    reps = [(1.0 + 3.2 * i, 2.0 + 3.2 * i, 2.6 + 3.2 * i, 3.9 + 3.2 * i) for i in range(5)]
    path = tmp_path / "mrs_k_5xsts.npz"
    build_sequence(t, *sit_to_stand_curves(t, reps)).save(path)
    return path


def test_analyze_save_prints_the_session_id(db_url: str, tmp_path: Path,  # noqa: F811
                                            capsys: pytest.CaptureFixture[str]) -> None:
    clip = _clip(tmp_path)
    code, out, err = _run(capsys, "analyze", str(clip), "--exercise", "sit_to_stand", "--test",
                          "5xsts", "--age", "72", "--sex", "f", "--save", "--patient", "K-9",
                          "--db", db_url)  # fmt: skip
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("sit_to_stand: 5 rep(s)")  # the analysis as before
    sid = int(lines[-1])  # then the saved session's ID alone
    assert "added patient K-9" in err and f"saved as session {sid}" in err
    code, out, _ = _run(capsys, "analyze", str(clip), "--exercise", "sit_to_stand", "--test",
                        "5xsts", "--json", "--save", "--patient", "K-9",
                        "--db", db_url)  # fmt: skip
    doc = json.loads(out)
    assert code == 0 and doc["saved_session"] > sid
    with Record.open(db_url) as record:
        patient = record.patient("K-9")
        assert patient.sex == "f" and patient.birth_year == datetime.now(UTC).year - 72
        saved = record.session(sid, "K-9")
        assert saved.clip_name == "mrs_k_5xsts.npz" and saved.test == "5xsts"
        assert saved.report["test"]["time_s"] == doc["test"]["time_s"]
        assert len(saved.clip_sha256 or "") == 64 and record.video(sid) is None


def test_analyze_save_failure_keeps_the_analysis(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    clip = _clip(tmp_path)
    damaged = tmp_path / "r.sqlite3"
    damaged.write_bytes(b"garbage" * 300)
    code, out, err = _run(capsys, "analyze", str(clip), "--exercise", "sit_to_stand", "--save",
                          "--patient", "K-9", "--db", str(damaged))  # fmt: skip
    assert code == 2
    assert out.startswith("sit_to_stand: 5 rep(s)")  # printed before the save was tried
    assert "damaged" in err and "the analysis was not saved" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "analyze", str(clip), "--exercise", "sit_to_stand", "--save")
    assert code == 2 and "--save needs --patient ID" in err
