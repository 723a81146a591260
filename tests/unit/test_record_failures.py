"""A record that is locked, unreachable, read-only or damaged: one clear message each,
from the library and from the CLI (one line on stderr, exit 2, no traceback)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.record.capture import from_report
from formcheck.record.database import RecordUnavailable
from formcheck.record.store import Record
from support.record_support import flexion_report


def _record_with_patient(path: Path) -> str:
    url = f"sqlite:///{path}"
    with Record.open(url) as record:
        record.add_patient("K")
    return url


def test_locked(tmp_path: Path) -> None:
    url = _record_with_patient(tmp_path / "r.sqlite3")
    other = sqlite3.connect(tmp_path / "r.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program is writing (readers may go on)
    try:
        with Record.open(url, timeout_s=0.3) as record:
            locked = "is locked by another program; nothing was saved"
            with pytest.raises(RecordUnavailable, match=locked):
                record.save("K", from_report(flexion_report()))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Record.open(url) as record:  # the lock gone, saving works again
        record.save("K", from_report(flexion_report()))


def test_read_only(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    _record_with_patient(path)
    # a read-only mount or share, as SQLite sees it (root ignores file modes, so no chmod)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with Record.open(url) as record:
        assert [p.code for p in record.patients()] == ["K"]  # reading still works
        with pytest.raises(RecordUnavailable, match="is read-only; nothing was saved"):
            record.save("K", from_report(flexion_report()))


def test_damaged(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"this is not an SQLite database at all, just text " * 100)
    with pytest.raises(RecordUnavailable, match="is damaged or not a formcheck database"):
        Record.open(f"sqlite:///{path}")


def test_unreachable_server() -> None:
    pytest.importorskip("psycopg", reason="needs psycopg (pip install 'psycopg[binary]')")
    # port 1 on the loopback: nothing listens there
    with pytest.raises(RecordUnavailable, match="cannot reach the patient record at") as err:
        Record.open("postgresql+psycopg://clinic:secret@127.0.0.1:1/formcheck", timeout_s=2)
    assert "secret" not in str(err.value)  # the password is never shown


def test_not_a_url() -> None:
    with pytest.raises(RecordUnavailable, match="not a database URL|cannot use the database"):
        Record.open("nosuchdialect://x/y")


@pytest.mark.parametrize("case", ["locked", "read-only", "damaged", "unreachable"])
def test_cli_says_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.sqlite3"
    holder = None
    if case == "damaged":
        path.write_bytes(b"garbage" * 200)
        db = str(path)
    elif case == "unreachable":
        pytest.importorskip("psycopg")
        db = "postgresql+psycopg://u@127.0.0.1:1/x"
    else:
        _record_with_patient(path)
        db = f"sqlite:///file:{path}?mode=ro&uri=true" if case == "read-only" else str(path)
        if case == "locked":
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
    try:
        code = main(["patients", "--db", db, "--add", "NEW"])
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("formcheck: ") and "Traceback" not in err
    expected = {"locked": "locked", "read-only": "read-only", "damaged": "damaged",
                "unreachable": "cannot reach"}[case]  # fmt: skip
    assert expected in err
