"""The patient record: :class:`Record` adds patients, saves sessions, reads histories.

Each save is one transaction: the session row, its curves and (if kept) its
video land together or not at all. Two savers at once both land (SQLite
serialises writers, waiting up to ``timeout_s`` for the lock; a server
database runs them side by side). Any database failure raises
:class:`~formcheck.record.database.RecordUnavailable` with a one-line message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker

from formcheck.errors import FormcheckError
from formcheck.record import database
from formcheck.record.capture import NewSession, decode_curves, encode_curves
from formcheck.record.models import (
    PatientRow,
    ProgrammeRow,
    ProgrammeSessionRow,
    SessionRow,
    VideoRow,
)

__all__ = [
    "Patient",
    "PatientNotFound",
    "Record",
    "SavedSession",
    "SessionNotFound",
    "check_code",
]

CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PatientNotFound(FormcheckError):
    """No patient with that ID in the record."""


class SessionNotFound(FormcheckError):
    """No saved session with that number (for that patient)."""


@dataclass(frozen=True)
class Patient:
    """A patient: pseudonymous ``code``; the rest optional. ``sessions``: how many saved."""

    code: str
    name: str | None = None
    birth_year: int | None = None
    sex: str | None = None
    notes: str | None = None
    created_utc: datetime | None = None
    sessions: int = 0

    def age_on(self, when: datetime) -> int | None:
        """Age in whole years in the year of ``when`` (only the birth year is known, so
        this may be one year more than the exact age)."""
        return None if self.birth_year is None else when.year - self.birth_year

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.code, "name": self.name, "birth_year": self.birth_year,
                "sex": self.sex, "notes": self.notes, "sessions": self.sessions,
                "created_utc": _iso(self.created_utc)}  # fmt: skip


@dataclass(frozen=True)
class SavedSession:
    """A saved session as read back. ``curves`` is empty unless asked for."""

    id: int
    patient: str
    recorded_utc: datetime
    exercise: str
    test: str | None
    thresholds: dict[str, Any]
    report: dict[str, Any]
    formcheck_version: str
    model_sha256: str | None
    clip_name: str | None
    clip_sha256: str | None
    source: str
    curves: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, full: bool = True) -> dict[str, Any]:
        out = {"id": self.id, "patient": self.patient, "recorded_utc": _iso(self.recorded_utc),
               "exercise": self.exercise, "test": self.test, "source": self.source,
               "formcheck_version": self.formcheck_version, "model_sha256": self.model_sha256,
               "clip_name": self.clip_name, "clip_sha256": self.clip_sha256,
               "summary": self.report.get("summary"),
               "test_result": self.report.get("test")}  # fmt: skip
        if full:
            out["thresholds"] = self.thresholds
            out["report"] = self.report
        return out


def _iso(when: datetime | None) -> str | None:
    return None if when is None else _utc(when).isoformat()


def _utc(when: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def check_code(code: str) -> str:
    """A patient ID: 1-64 letters, digits, ``.``, ``_`` or ``-`` (a pseudonym, not a name)."""
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise ValueError(f"patient ID {code!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return code


def _check_sex(sex: str | None) -> str | None:
    if sex in (None, ""):
        return None
    if sex not in ("f", "m"):
        raise ValueError(f"sex {sex!r}: use 'f' or 'm' (or leave it out)")
    return sex


def _check_birth_year(year: int | None) -> int | None:
    if year is None:
        return None
    now = datetime.now(UTC).year
    if not 1900 <= year <= now:
        raise ValueError(f"birth year {year}: give a year between 1900 and {now}")
    return year


class Record:
    """A connection to the patient record. Use :meth:`open`; close with :meth:`close`
    (or ``with Record.open(...) as record:``)."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self.engine, self.url = engine, url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, db: str | URL | None = None, *, timeout_s: float = 5.0) -> Record:
        """Open (creating or upgrading) the record at ``db``; see
        :func:`formcheck.record.database.resolve_url`."""
        engine, url = database.connect(db, timeout_s=timeout_s)
        return cls(engine, url)

    @property
    def where(self) -> str:
        return database.describe(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Record:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction; database failures become RecordUnavailable."""
        with database.guard(self.url), self._sessions.begin() as session:
            yield session

    # ----------------------------------------------------------------- patients

    def add_patient(
        self, code: str, *, name: str | None = None, birth_year: int | None = None,
        sex: str | None = None, notes: str | None = None,
    ) -> Patient:
        """Create a patient; ``ValueError`` if the ID is taken or a field is invalid."""
        row = PatientRow(code=check_code(code), name=name or None,
                         birth_year=_check_birth_year(birth_year), sex=_check_sex(sex),
                         notes=notes or None, created_utc=datetime.now(UTC))  # fmt: skip
        with database.guard(self.url):
            try:
                with self._sessions.begin() as session:
                    session.add(row)
            except IntegrityError:
                raise ValueError(f"patient {row.code} already exists") from None
        return _patient(row, 0)

    def patient(self, code: str) -> Patient:
        """The patient with ID ``code``; ``PatientNotFound`` otherwise."""
        with self._tx() as session:
            row = self._patient_row(session, code)
            count = session.scalar(select(func.count()).where(SessionRow.patient_id == row.id))
            return _patient(row, int(count or 0))

    def has_patient(self, code: str) -> bool:
        with self._tx() as session:
            return session.scalar(select(PatientRow.id).where(PatientRow.code == code)) is not None

    def patients(self) -> list[Patient]:
        """Every patient with the number of saved sessions, by ID."""
        counts = (select(SessionRow.patient_id, func.count().label("n"))
                  .group_by(SessionRow.patient_id).subquery())  # fmt: skip
        query = (select(PatientRow, counts.c.n)
                 .outerjoin(counts, counts.c.patient_id == PatientRow.id)
                 .order_by(PatientRow.code))  # fmt: skip
        with self._tx() as session:
            return [_patient(row, int(n or 0)) for row, n in session.execute(query)]

    def _patient_row(self, session: Session, code: str) -> PatientRow:
        row = session.scalar(select(PatientRow).where(PatientRow.code == code))
        if row is None:
            raise PatientNotFound(f"no patient {code!r} in the record {self.where}")
        return row

    def delete_patient(self, code: str) -> int:
        """Erase a patient: every session, curve and kept video goes. Returns the
        number of sessions erased."""
        with self._tx() as session:
            row = self._patient_row(session, code)
            mine = select(SessionRow.id).where(SessionRow.patient_id == row.id)
            ids = list(session.scalars(mine))
            if ids:
                session.execute(delete(VideoRow).where(VideoRow.session_id.in_(ids)))
                session.execute(delete(SessionRow).where(SessionRow.id.in_(ids)))
            for table in (ProgrammeSessionRow, ProgrammeRow):  # the home programmes too
                session.execute(delete(table).where(table.patient_id == row.id))
            session.execute(delete(PatientRow).where(PatientRow.id == row.id))
            return len(ids)

    # ----------------------------------------------------------------- sessions

    def save(self, code: str, new: NewSession) -> int:
        """Save one session for patient ``code`` in one transaction; returns its number."""
        with self._tx() as session:
            return _insert(session, self._patient_row(session, code), new)

    def import_patient(self, patient: Patient, sessions: list[NewSession]) -> list[int]:
        """Add ``patient`` with all its ``sessions`` in one transaction (an export read
        back); ``ValueError`` when the ID is already in this record."""
        row = PatientRow(code=check_code(patient.code), name=patient.name,
                         birth_year=_check_birth_year(patient.birth_year),
                         sex=_check_sex(patient.sex), notes=patient.notes,
                         created_utc=patient.created_utc or datetime.now(UTC))  # fmt: skip
        with database.guard(self.url):
            try:
                with self._sessions.begin() as session:
                    session.add(row)
                    session.flush()
                    return [_insert(session, row, new) for new in sessions]
            except IntegrityError:
                raise ValueError(
                    f"patient {row.code} is already in {self.where}: delete it there first "
                    "(formcheck delete-patient) or import into another record"
                ) from None

    def sessions(
        self, code: str, exercise: str | None = None, *, curves: bool = False,
        start: datetime | None = None, end: datetime | None = None,
    ) -> list[SavedSession]:
        """A patient's sessions, oldest first; only ``exercise`` if given; within
        ``[start, end]`` (UTC) if given; with curves only when asked (they are larger)."""
        with self._tx() as session:
            patient = self._patient_row(session, code)
            query = select(SessionRow).where(SessionRow.patient_id == patient.id)
            if exercise:
                query = query.where(SessionRow.exercise == exercise)
            if start is not None:
                query = query.where(SessionRow.recorded_utc >= start)
            if end is not None:
                query = query.where(SessionRow.recorded_utc <= end)
            if not curves:
                query = query.options(defer(SessionRow.curves))
            rows = session.scalars(query.order_by(SessionRow.recorded_utc, SessionRow.id))
            return [_saved(r, code, curves) for r in rows]

    def session(self, session_id: int, code: str | None = None) -> SavedSession:
        """One session with its curves; ``code`` checks it belongs to that patient."""
        with self._tx() as session:
            row = session.get(SessionRow, session_id)
            if row is None or (code is not None and row.patient.code != code):
                owner = f" of patient {code!r}" if code else ""
                raise SessionNotFound(f"no saved session {session_id}{owner} in {self.where}")
            return _saved(row, row.patient.code, True)

    def video(self, session_id: int) -> tuple[str, str, bytes] | None:
        """The kept clip of a session: (name, mime type, bytes), or None."""
        with self._tx() as session:
            row = session.get(VideoRow, session_id)
            return None if row is None else (row.name, row.mime, bytes(row.data))


def _insert(session: Session, patient: PatientRow, new: NewSession) -> int:
    """Add one session row (and its kept video) inside an open transaction."""
    from formcheck import __version__

    row = SessionRow(
        patient_id=patient.id, recorded_utc=new.when(), exercise=new.exercise, test=new.test,
        thresholds=dict(new.report.get("thresholds") or {}), report=new.report,
        curves=encode_curves(new.curves) if new.curves else None,
        formcheck_version=new.formcheck_version or __version__, model_sha256=new.model_sha256,
        clip_name=new.clip_name, clip_sha256=new.clip_sha256, source=new.source,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if new.video:
        session.add(VideoRow(session_id=row.id, name=new.video_name or "clip",
                             mime=new.video_mime, data=new.video))
    return int(row.id)


def _patient(row: PatientRow, sessions: int) -> Patient:
    return Patient(code=row.code, name=row.name, birth_year=row.birth_year, sex=row.sex,
                   notes=row.notes, created_utc=_utc(row.created_utc), sessions=sessions)


def _saved(row: SessionRow, code: str, curves: bool) -> SavedSession:
    return SavedSession(
        id=int(row.id), patient=code, recorded_utc=_utc(row.recorded_utc),
        exercise=row.exercise, test=row.test, thresholds=dict(row.thresholds or {}),
        report=dict(row.report or {}), formcheck_version=row.formcheck_version,
        model_sha256=row.model_sha256, clip_name=row.clip_name, clip_sha256=row.clip_sha256,
        source=row.source, curves=decode_curves(row.curves) if curves else {},
    )  # fmt: skip

