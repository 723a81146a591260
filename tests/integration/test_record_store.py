"""The patient record against real databases: saves, histories, erasure, concurrency.

Every test runs on a real SQLite file and on a real PostgreSQL server
(``record_support.db_url``; the PostgreSQL case skips with its reason where
no cluster can be started).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, text

from formcheck.record.capture import NewSession, from_report
from formcheck.record.database import RecordUnavailable
from formcheck.record.models import PatientRow, SessionRow, VideoRow
from formcheck.record.store import PatientNotFound, Record, SessionNotFound
from support.record_support import db_url, five_sts_report, flexion_report, postgres_server  # noqa: F401

MARCH = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _new(report, days: int = 0, **kw) -> NewSession:  # type: ignore[no-untyped-def]
    return from_report(report, recorded_utc=MARCH + timedelta(days=days), **kw)


def test_save_and_read_back_everything(db_url: str) -> None:  # noqa: F811
    report = five_sts_report()
    with Record.open(db_url) as record:
        record.add_patient("K-001", name="Mrs K", birth_year=1953, sex="f")
        sid = record.save("K-001", _new(report, test="5xsts"))
        saved = record.session(sid, "K-001")
    assert saved.report == report.to_dict()
    assert saved.thresholds == report.to_dict()["thresholds"]
    assert saved.exercise == "sit_to_stand" and saved.test == "5xsts"
    assert saved.recorded_utc == MARCH and saved.recorded_utc.tzinfo is not None
    assert saved.formcheck_version and saved.source == "clip"
    curves = report.angle_curves
    assert curves is not None
    np.testing.assert_allclose(saved.curves["t_s"], curves.t, rtol=1e-6)
    np.testing.assert_allclose(saved.curves["knee_flexion_deg"], curves.filtered["knee_flexion"],
                               rtol=1e-5, atol=1e-4)  # float32
    assert "raw_knee_flexion_deg" not in saved.curves  # compact: filtered curves only


def test_clip_name_hash_and_video_only_when_asked(db_url: str, tmp_path) -> None:  # noqa: F811
    clip = tmp_path / "mrs_k_week1.mp4"
    clip.write_bytes(b"not really a video, but bytes to hash and keep")
    report = flexion_report(40.0)
    with Record.open(db_url) as record:
        record.add_patient("K-001")
        plain = record.save("K-001", _new(report, clip=clip))
        kept = record.save("K-001", _new(report, 1, clip=clip, keep_video=True))
        a, b = record.session(plain), record.session(kept)
        assert a.clip_name == "mrs_k_week1.mp4"
        assert a.clip_sha256 == hashlib.sha256(clip.read_bytes()).hexdigest() == b.clip_sha256
        assert record.video(plain) is None
        assert record.video(kept) == ("mrs_k_week1.mp4", "video/mp4", clip.read_bytes())


def test_history_by_exercise_and_dates(db_url: str) -> None:  # noqa: F811
    with Record.open(db_url) as record:
        record.add_patient("A")
        record.add_patient("B")
        for day, peak in ((0, 35.0), (14, 45.0), (28, 60.0)):
            record.save("A", _new(flexion_report(peak), day))
        record.save("A", _new(five_sts_report(), 7, test="5xsts"))
        record.save("B", _new(flexion_report(50.0), 3))
        flex = record.sessions("A", "trunk_flexion")
        assert [s.recorded_utc for s in flex] == [MARCH + timedelta(d) for d in (0, 14, 28)]
        roms = [s.report["summary"]["mean_rom_deg"] for s in flex]
        assert roms == sorted(roms) and roms[-1] - roms[0] > 20
        assert len(record.sessions("A")) == 4
        window = record.sessions("A", start=MARCH + timedelta(1), end=MARCH + timedelta(20))
        assert [s.exercise for s in window] == ["sit_to_stand", "trunk_flexion"]
        assert {p.code: p.sessions for p in record.patients()} == {"A": 4, "B": 1}
        assert flex[0].curves == {}  # curves only when asked for


def test_patient_ids_are_checked_and_unique(db_url: str) -> None:  # noqa: F811
    with Record.open(db_url) as record:
        record.add_patient("K-001")
        with pytest.raises(ValueError, match="already exists"):
            record.add_patient("K-001")
        with pytest.raises(ValueError, match="patient ID"):
            record.add_patient("Mrs K Smith")  # spaces: a name, not a pseudonym
        with pytest.raises(ValueError, match="sex"):
            record.add_patient("K-002", sex="x")
        with pytest.raises(PatientNotFound, match="K-404"):
            record.save("K-404", _new(flexion_report()))
        with pytest.raises(SessionNotFound):
            record.session(999)


def test_delete_patient_erases_every_row(db_url: str, tmp_path) -> None:  # noqa: F811
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"clip bytes")
    with Record.open(db_url) as record:
        record.add_patient("GONE")
        record.add_patient("STAYS")
        for day in range(3):
            record.save("GONE", _new(flexion_report(), day, clip=clip, keep_video=True))
        record.save("STAYS", _new(flexion_report(), 0, clip=clip, keep_video=True))
        assert record.delete_patient("GONE") == 3
        with record.engine.connect() as conn:
            counts = {t.__tablename__: conn.scalar(select(func.count()).select_from(t))
                      for t in (PatientRow, SessionRow, VideoRow)}  # fmt: skip
        assert counts == {"patients": 1, "sessions": 1, "session_videos": 1}
        assert not record.has_patient("GONE") and record.has_patient("STAYS")


def test_a_failing_save_leaves_nothing(db_url: str) -> None:  # noqa: F811
    bad = NewSession("trunk_flexion", None, {"thresholds": {}, "oops": object()},
                     curves={"t_s": [0.0, 0.1]}, video=b"v")  # not JSON: fails at insert
    with Record.open(db_url) as record:
        record.add_patient("K")
        with pytest.raises((RecordUnavailable, TypeError)):
            record.save("K", bad)
        with record.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM sessions")) == 0
            assert conn.scalar(text("SELECT count(*) FROM session_videos")) == 0


def test_two_savers_at_once_both_land(db_url: str) -> None:  # noqa: F811
    """Two browser sessions = two connections saving at the same moment."""
    with Record.open(db_url) as setup:
        setup.add_patient("K")
    report = flexion_report()
    barrier, errors, ids = threading.Barrier(2), [], []

    def saver(offset: int) -> None:
        try:
            with Record.open(db_url) as record:
                barrier.wait()
                for i in range(10):
                    ids.append(record.save("K", _new(report, offset + i)))
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=saver, args=(k * 100,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with Record.open(db_url) as record:
        assert len(record.sessions("K")) == 20 == len(set(ids))
