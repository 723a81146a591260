"""The record's tables (the latest schema; ``migrations/`` builds and upgrades it).

- ``patients``: one row per patient, identified by a pseudonymous ``code``;
  name, birth year, sex and notes are optional.
- ``sessions``: one saved analysis: when (UTC), exercise and test, the
  thresholds used, the full report (``Report.to_dict()``), the per-frame
  curves (compact: see :mod:`formcheck.record.capture`), formcheck's version,
  the model's SHA-256 and the source clip's name and SHA-256.
- ``session_videos``: the clip itself, only when the user asked to keep it.
- ``programmes``: a home programme prescribed to a patient, stored as its
  commented TOML file (what the patient's machine loads), with its title.
- ``programme_sessions``: a programme session's summary (adherence per step),
  saved only when the user asks; linked to the programme it followed.

Deleting a patient deletes its sessions and videos (``ON DELETE CASCADE``,
and the ORM cascades as well).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "PatientRow", "SessionRow", "VideoRow", "ProgrammeRow", "ProgrammeSessionRow"]


class Base(DeclarativeBase):
    """Declarative base of the record's tables."""


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(1))
    notes: Mapped[str | None] = mapped_column(Text)
    created_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    sessions: Mapped[list[SessionRow]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True,
        order_by="SessionRow.recorded_utc",
    )


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_patient_time", "patient_id", "recorded_utc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    recorded_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    exercise: Mapped[str] = mapped_column(String(32), nullable=False)
    test: Mapped[str | None] = mapped_column(String(16))
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    curves: Mapped[bytes | None] = mapped_column(LargeBinary)
    formcheck_version: Mapped[str] = mapped_column(String(32), nullable=False)
    model_sha256: Mapped[str | None] = mapped_column(String(64))
    clip_name: Mapped[str | None] = mapped_column(String(255))
    clip_sha256: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8), nullable=False, default="clip")
    patient: Mapped[PatientRow] = relationship(back_populates="sessions")
    video: Mapped[VideoRow | None] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True,
    )


class VideoRow(Base):
    __tablename__ = "session_videos"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    mime: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    session: Mapped[SessionRow] = relationship(back_populates="video")


class ProgrammeRow(Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    toml: Mapped[str] = mapped_column(Text, nullable=False)


class ProgrammeSessionRow(Base):
    __tablename__ = "programme_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes.id", ondelete="SET NULL"), index=True
    )
    recorded_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    title: Mapped[str] = mapped_column(String(500), nullable=False)
    adherence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    formcheck_version: Mapped[str] = mapped_column(String(32), nullable=False)
