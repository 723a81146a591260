"""Schema migrations: a database made by the first schema version opens under the latest
one with every record kept; the models match the migrations; a newer schema is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from formcheck.record import database
from formcheck.record.capture import encode_curves, from_report
from formcheck.record.database import RecordUnavailable
from formcheck.record.store import Record
from support.record_support import db_url, flexion_report, postgres_server  # noqa: F401


def _version1_rows(url: str) -> dict:  # type: ignore[type-arg]
    """Make a version-1 database (revision 0001) and write a patient and a session into
    it the way version 1 did (plain SQL: version 1's code is not around any more)."""
    engine = database.make_engine(database.resolve_url(url))
    database.upgrade(engine, "0001")
    assert database.schema_revision(engine) == "0001"
    report = flexion_report(42.0)
    row = {"pid": 1, "when": datetime(2025, 11, 3, 10, 0, tzinfo=UTC),
           "report": json.dumps(report.to_dict()),
           "thr": json.dumps(report.to_dict()["thresholds"]),
           "curves": encode_curves({"t_s": [0.0, 0.5], "trunk_inclination_deg": [1.0, 2.0]})}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO patients (id, code, birth_year, sex, created_utc) "
                          "VALUES (1, 'OLD-1', 1950, 'f', :when)"), row)
        conn.execute(text(
            "INSERT INTO sessions (patient_id, recorded_utc, exercise, thresholds, report, curves,"
            " formcheck_version, clip_name) VALUES (:pid, :when, 'trunk_flexion', :thr, :report,"
            " :curves, '0.0.9', 'week1.mp4')"), row)  # fmt: skip
    engine.dispose()
    return report.to_dict()


def test_version_1_database_opens_under_the_latest(db_url: str) -> None:  # noqa: F811
    old_report = _version1_rows(db_url)
    with Record.open(db_url) as record:
        assert database.schema_revision(record.engine) == database.head_revision() != "0001"
        (old,) = record.sessions("OLD-1", curves=True)
        assert old.report == old_report and old.formcheck_version == "0.0.9"
        assert old.source == "clip" and old.clip_name == "week1.mp4"
        assert old.recorded_utc == datetime(2025, 11, 3, 10, 0, tzinfo=UTC)
        assert list(old.curves["trunk_inclination_deg"]) == [1.0, 2.0]
        assert record.patient("OLD-1").birth_year == 1950
        # and the new schema's parts work on the upgraded database
        new = record.save("OLD-1", from_report(flexion_report(50.0)))
        assert record.video(new) is None
        assert len(record.sessions("OLD-1")) == 2


def test_opening_twice_does_not_migrate_again(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    Record.open(url).close()
    with Record.open(url) as record:
        assert database.schema_revision(record.engine) == database.head_revision()


def test_models_match_the_migrations(db_url: str) -> None:  # noqa: F811
    """Autogenerate finds no difference between the latest migration and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from formcheck.record.models import Base

    with Record.open(db_url) as record, record.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_a_newer_schema_is_refused_with_a_message(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    Record.open(url).close()
    engine = database.make_engine(database.resolve_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(RecordUnavailable, match="newer formcheck"):
        Record.open(url)
