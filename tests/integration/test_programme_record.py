"""Home programmes in the record (SQLite file and PostgreSQL): store, read back as the
same file, summaries of programme sessions, erasure with the patient, and the migration
from a record made before programmes existed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from formcheck.programme import (
    Programme,
    ProgrammeAdherence,
    Step,
    dump_programme,
    parse_programme,
    step_adherence,
)
from formcheck.record import database
from formcheck.record.capture import from_report
from formcheck.record.programmes import (
    ProgrammeNotFound,
    get_programme,
    latest_programme,
    programme_summaries,
    programmes,
    save_programme,
    save_programme_summary,
)
from formcheck.record.store import PatientNotFound, Record
from support.record_support import db_url, flexion_report, postgres_server  # noqa: F401

WEEK1 = Programme("Week 1", (Step("trunk_flexion", sets=2, reps=10, target_deg=50,
                                  notes="Knees straight"),
                             Step("squat", duration_s=30, rest_s=0)))  # fmt: skip
WEEK3 = Programme("Week 3", (Step("trunk_flexion", sets=3, reps=10, target_deg=60, hold_s=2),))


def test_store_and_read_back_the_file(db_url: str) -> None:  # noqa: F811
    with Record.open(db_url) as record:
        record.add_patient("P-1")
        record.add_patient("P-2")
        assert latest_programme(record, "P-1") is None
        first = save_programme(record, "P-1", WEEK1)
        second = save_programme(record, "P-1", WEEK3)
        save_programme(record, "P-2", WEEK1)
        saved = programmes(record, "P-1")
        assert [p.id for p in saved] == [first, second] and saved[0].title == "Week 1"
        assert saved[0].toml == dump_programme(WEEK1)  # the commented file itself
        assert parse_programme(saved[0].toml) == WEEK1 == saved[0].programme
        assert latest_programme(record, "P-1").programme == WEEK3
        assert get_programme(record, first, "P-1").file_name == f"P-1-programme-{first}.toml"
        with pytest.raises(ProgrammeNotFound, match=f"no saved programme {first} of patient 'P-2'"):
            get_programme(record, first, "P-2")
        with pytest.raises(PatientNotFound):
            save_programme(record, "NOBODY", WEEK1)


def test_programme_session_summary(db_url: str) -> None:  # noqa: F811
    report = flexion_report(55.0)
    with Record.open(db_url) as record:
        record.add_patient("P-1")
        pid = save_programme(record, "P-1", WEEK1)
        adherence = ProgrammeAdherence.of(WEEK1, [step_adherence(WEEK1.steps[0], [report], 1)])
        when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        sid = save_programme_summary(record, "P-1", adherence, programme_id=pid, recorded_utc=when)
        (summary,) = programme_summaries(record, "P-1")
        assert (summary.id, summary.programme_id, summary.recorded_utc) == (sid, pid, when)
        assert summary.adherence == adherence.to_dict() and summary.title == "Week 1"
        assert summary.adherence["steps"][0]["reps_done"] == 3
        other = Record.open(db_url)
        other.add_patient("P-2")
        with pytest.raises(ProgrammeNotFound):  # another patient's programme
            save_programme_summary(other, "P-2", adherence, programme_id=pid)
        other.close()
        # erasing the patient erases the programmes and summaries
        record.save("P-1", from_report(report))
        assert record.delete_patient("P-1") == 1
        record.add_patient("P-1")
        assert programmes(record, "P-1") == [] and programme_summaries(record, "P-1") == []
        with pytest.raises(ProgrammeNotFound):
            get_programme(record, pid)


def test_a_record_from_before_programmes_upgrades(db_url: str) -> None:  # noqa: F811
    """A version-2 record (revision 0002) keeps its patients and gains the programme tables."""
    engine = database.make_engine(database.resolve_url(db_url))
    database.upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO patients (id, code, created_utc) VALUES (1, 'OLD-1', :w)"),
                     {"w": datetime(2025, 11, 3, tzinfo=UTC)})  # fmt: skip
    assert "programmes" not in inspect(engine).get_table_names()
    engine.dispose()
    with Record.open(db_url) as record:  # opening upgrades to the head
        assert database.schema_revision(record.engine) == database.head_revision() == "0003"
        assert {"programmes", "programme_sessions"} <= set(inspect(record.engine).get_table_names())
        assert record.patient("OLD-1").code == "OLD-1"
        pid = save_programme(record, "OLD-1", WEEK1)
        assert get_programme(record, pid, "OLD-1").programme == WEEK1
