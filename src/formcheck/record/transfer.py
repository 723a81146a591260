"""Export and import of one patient's record (backup, or moving to another machine).

An export is one JSON document (UTF-8): the patient, and every session with
its report, thresholds, provenance, compact curves and kept clip (base64), and
the patient's home programmes (their TOML files) and saved programme sessions.
Importing it into any record (SQLite or a server) restores the same
patient, sessions, times and provenance, in one transaction.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from formcheck.errors import FormcheckError
from formcheck.record.capture import NewSession, decode_curves, encode_curves
from formcheck.record.store import Patient, Record

__all__ = ["FORMAT", "export_patient", "import_file", "read_export", "write_export"]

FORMAT: Final = "formcheck-patient-record"
VERSION: Final = 1


class ExportUnreadable(FormcheckError):
    """The file is not a formcheck patient export."""


def export_patient(record: Record, code: str) -> dict[str, Any]:
    """The export document of patient ``code``."""
    patient = record.patient(code)
    sessions = []
    for s in record.sessions(code, curves=True):
        item = s.to_dict(full=True)
        item.pop("summary", None)
        item.pop("test_result", None)
        curves = encode_curves(s.curves) if s.curves else None
        item["curves_npz_b64"] = base64.b64encode(curves).decode() if curves else None
        video = record.video(s.id)
        item["video"] = None if video is None else {
            "name": video[0], "mime": video[1], "data_b64": base64.b64encode(video[2]).decode()}
        sessions.append(item)
    from formcheck.record.programmes import export_programmes

    return {"format": FORMAT, "version": VERSION, "patient": patient.to_dict(),
            "sessions": sessions, **export_programmes(record, code)}


def write_export(record: Record, code: str, path: Path) -> int:
    """Write patient ``code``'s export to ``path``; returns the number of sessions."""
    doc = export_patient(record, code)
    path.write_text(json.dumps(doc, allow_nan=False), encoding="utf-8")
    return len(doc["sessions"])


def read_export(path: Path) -> tuple[Patient, list[NewSession]]:
    """The patient and sessions of an export file; ``ExportUnreadable`` naming the file."""
    return _read(path)[:2]  # type: ignore[return-value]


def _read(path: Path) -> tuple[Patient, list[NewSession], dict[str, Any]]:
    """The patient, sessions and home programmes (``programmes``, ``programme_sessions``;
    absent in exports made before programmes existed) of an export file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportUnreadable(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ExportUnreadable(f"{path}: not a formcheck patient export ({err})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExportUnreadable(f"{path}: not a formcheck patient export (no '{FORMAT}' format)")
    if doc.get("version") != VERSION:
        raise ExportUnreadable(f"{path}: export version {doc.get('version')} is not supported")
    try:
        extra = {k: list(doc.get(k) or []) for k in ("programmes", "programme_sessions")}
        return _patient(doc["patient"]), [_session(s) for s in doc["sessions"]], extra
    except (KeyError, TypeError, ValueError) as err:
        raise ExportUnreadable(f"{path}: damaged export ({type(err).__name__}: {err})") from None


def import_file(record: Record, path: Path) -> tuple[str, int]:
    """Import an export file; returns (patient ID, number of sessions)."""
    patient, sessions, programmes = _read(path)
    try:
        record.import_patient(patient, sessions, programmes)
    except (KeyError, TypeError) as err:
        raise ExportUnreadable(f"{path}: damaged export ({type(err).__name__}: {err})") from None
    return patient.code, len(sessions)


def _patient(p: dict[str, Any]) -> Patient:
    created = p.get("created_utc")
    return Patient(code=str(p["id"]), name=p.get("name"), birth_year=p.get("birth_year"),
                   sex=p.get("sex"), notes=p.get("notes"),
                   created_utc=datetime.fromisoformat(created) if created else None)  # fmt: skip


def _session(s: dict[str, Any]) -> NewSession:
    curves_b64 = s.get("curves_npz_b64")
    curves = decode_curves(base64.b64decode(curves_b64)) if curves_b64 else {}
    video = s.get("video") or {}
    return NewSession(
        exercise=s["exercise"], test=s.get("test"), report=s["report"], curves=curves,
        clip_name=s.get("clip_name"), clip_sha256=s.get("clip_sha256"),
        recorded_utc=datetime.fromisoformat(s["recorded_utc"]), source=s.get("source", "clip"),
        video=base64.b64decode(video["data_b64"]) if video else None,
        video_name=video.get("name"), video_mime=video.get("mime", "video/mp4"),
        model_sha256=s.get("model_sha256"), formcheck_version=s.get("formcheck_version"),
    )  # fmt: skip
