"""Exercise definitions in the patient record: saved, listed and read back as specs.

The row keeps the definition's TOML text (:mod:`formcheck.exercise.definition_file`);
saving a name again replaces it (a physiotherapist re-teaching an exercise).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from formcheck.exercise.definition_file import dumps, loads
from formcheck.exercise.definitions import ExerciseSpec
from formcheck.record.models import DefinitionRow
from formcheck.record.store import Record

__all__ = ["delete_definition", "load_definitions", "save_definition"]


def save_definition(record: Record, spec: ExerciseSpec) -> None:
    """Store ``spec`` under its name (replacing a definition of that name)."""
    text = dumps(spec)
    source = str(spec.demonstration.get("source") or "") or None
    with record._tx() as session:  # noqa: SLF001  (the record's one transaction helper)
        row = session.scalar(select(DefinitionRow).where(DefinitionRow.name == spec.name))
        if row is None:
            row = DefinitionRow(name=spec.name)
            session.add(row)
        row.title, row.definition_toml, row.source_clip = spec.title, text, source
        row.saved_utc = datetime.now(UTC)


def load_definitions(record: Record) -> list[ExerciseSpec]:
    """Every saved definition, by name."""
    with record._tx() as session:  # noqa: SLF001
        rows = session.scalars(select(DefinitionRow).order_by(DefinitionRow.name)).all()
        return [loads(r.definition_toml, f"the record's definition {r.name!r}") for r in rows]


def delete_definition(record: Record, name: str) -> bool:
    """Remove the definition ``name``; whether there was one."""
    with record._tx() as session:  # noqa: SLF001
        row = session.scalar(select(DefinitionRow).where(DefinitionRow.name == name))
        if row is not None:
            session.delete(row)
        return row is not None
