"""Home programmes in the patient record, and the summaries of programme sessions.

A programme is stored as its commented TOML file (:func:`formcheck.programme.dump_programme`),
exactly what a patient's machine loads without a database; :func:`save_programme` checks
it first. A programme session's summary (its :class:`~formcheck.programme.ProgrammeAdherence`)
is stored only when the user saves it (:func:`save_programme_summary`). Failures are
:class:`~formcheck.record.database.RecordUnavailable`, :class:`PatientNotFound`, or
:class:`ProgrammeNotFound`, each one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from formcheck.errors import FormcheckError
from formcheck.programme import Programme, ProgrammeAdherence, dump_programme, parse_programme
from formcheck.record.models import ProgrammeRow, ProgrammeSessionRow
from formcheck.record.store import Record

__all__ = [
    "ProgrammeNotFound",
    "SavedProgramme",
    "SavedProgrammeSummary",
    "save_programme",
    "programmes",
    "latest_programme",
    "get_programme",
    "save_programme_summary",
    "programme_summaries",
]


class ProgrammeNotFound(FormcheckError):
    """No saved programme with that number (for that patient)."""


@dataclass(frozen=True)
class SavedProgramme:
    """A stored programme: its number, patient ID, when it was saved (UTC), title and
    the commented TOML file (``toml``); :attr:`programme` reads it back."""

    id: int
    patient: str
    created_utc: datetime
    title: str
    toml: str

    @property
    def programme(self) -> Programme:
        return parse_programme(self.toml, f"programme {self.id}")

    @property
    def file_name(self) -> str:
        """A download name: ``<patient>-programme-<id>.toml``."""
        return f"{self.patient}-programme-{self.id}.toml"


@dataclass(frozen=True)
class SavedProgrammeSummary:
    """A stored programme session: number, patient, the programme followed (None if
    unknown or since deleted), when (UTC), title and ``adherence``
    (:meth:`ProgrammeAdherence.to_dict`)."""

    id: int
    patient: str
    programme_id: int | None
    recorded_utc: datetime
    title: str
    adherence: dict[str, Any]


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _saved(row: ProgrammeRow, code: str) -> SavedProgramme:
    return SavedProgramme(int(row.id), code, _utc(row.created_utc), row.title, row.toml)


def save_programme(record: Record, code: str, programme: Programme) -> int:
    """Store ``programme`` for patient ``code`` (as its commented TOML file); its number."""
    text = dump_programme(programme)
    parse_programme(text)  # what is stored must load on the patient's machine
    with record._tx() as session:
        patient = record._patient_row(session, code)
        row = ProgrammeRow(patient_id=patient.id, created_utc=datetime.now(UTC),
                           title=programme.title, toml=text)  # fmt: skip
        session.add(row)
        session.flush()
        return int(row.id)


def programmes(record: Record, code: str) -> list[SavedProgramme]:
    """A patient's programmes, oldest first."""
    with record._tx() as session:
        patient = record._patient_row(session, code)
        rows = session.scalars(select(ProgrammeRow).where(ProgrammeRow.patient_id == patient.id)
                               .order_by(ProgrammeRow.created_utc, ProgrammeRow.id))  # fmt: skip
        return [_saved(row, code) for row in rows]


def latest_programme(record: Record, code: str) -> SavedProgramme | None:
    """The patient's current (last saved) programme, None if none."""
    saved = programmes(record, code)
    return saved[-1] if saved else None


def get_programme(record: Record, programme_id: int, code: str | None = None) -> SavedProgramme:
    """Programme number ``programme_id``; ``code`` checks it belongs to that patient."""
    with record._tx() as session:
        row = session.get(ProgrammeRow, programme_id)
        owner = None if row is None else _owner(record, session, row.patient_id)
        if row is None or owner is None or (code is not None and owner != code):
            whose = f" of patient {code!r}" if code else ""
            raise ProgrammeNotFound(f"no saved programme {programme_id}{whose} in {record.where}")
        return _saved(row, owner)


def _owner(record: Record, session: Any, patient_id: int) -> str | None:
    from formcheck.record.models import PatientRow

    row = session.get(PatientRow, patient_id)
    return None if row is None else str(row.code)


def save_programme_summary(
    record: Record,
    code: str,
    adherence: ProgrammeAdherence | Mapping[str, Any],
    *,
    programme_id: int | None = None,
    recorded_utc: datetime | None = None,
) -> int:
    """Store a programme session's summary for patient ``code``: ``adherence`` (a
    :class:`ProgrammeAdherence` or its ``to_dict()``), the saved programme it followed
    (``programme_id``, checked to be this patient's), when (default now, UTC). Returns
    the summary's number. Call it only when the user asks to save."""
    data = adherence.to_dict() if isinstance(adherence, ProgrammeAdherence) else dict(adherence)
    title = str(data.get("title") or "Programme session")
    if programme_id is not None:
        get_programme(record, programme_id, code)
    from formcheck import __version__

    with record._tx() as session:
        patient = record._patient_row(session, code)
        row = ProgrammeSessionRow(
            patient_id=patient.id, programme_id=programme_id, title=title, adherence=data,
            recorded_utc=_utc(recorded_utc or datetime.now(UTC)), formcheck_version=__version__,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return int(row.id)


def programme_summaries(record: Record, code: str) -> list[SavedProgrammeSummary]:
    """A patient's saved programme sessions, oldest first."""
    with record._tx() as session:
        patient = record._patient_row(session, code)
        query = (select(ProgrammeSessionRow).where(ProgrammeSessionRow.patient_id == patient.id)
                 .order_by(ProgrammeSessionRow.recorded_utc, ProgrammeSessionRow.id))  # fmt: skip
        return [SavedProgrammeSummary(int(r.id), code, r.programme_id, _utc(r.recorded_utc),
                                      r.title, dict(r.adherence)) for r in session.scalars(query)]
