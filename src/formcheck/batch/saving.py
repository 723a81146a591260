"""``formcheck batch --save``: the batch's results into the patient record.

Saving happens here, in the process that runs the batch, never on a worker: a worker
on another machine needs no database access. Each row that was analysed (``done``) and
names a ``patient_id`` (manifest column) becomes one saved session, with its report and
the clip's name and content hash. A clip already saved for that patient with the same
content and the same exercise and test is not saved twice, so a resumed or repeated
batch adds nothing new. A row without a patient, or naming a patient the record does not
hold, is not saved, and says why: patients are added on purpose (``formcheck patients
--add``), never invented by a batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.batch.results import report_path

__all__ = ["SaveSummary", "save_rows"]


@dataclass
class SaveSummary:
    """What ``--save`` did: sessions ``saved``, ``already`` in the record, and the rows not
    saved with their reason (``clip -> reason``)."""

    saved: int = 0
    already: int = 0
    not_saved: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        parts = [f"{self.saved} session(s) saved", f"{self.already} already in the record"]
        if self.not_saved:
            parts.append(f"{len(self.not_saved)} not saved")
        return ", ".join(parts)


def save_rows(rows: list[dict[str, Any]], outdir: Path, db: str | None) -> SaveSummary:
    """Save every analysed row that names a patient into the record at ``db`` (a
    SQLAlchemy URL or SQLite file; None: the default record). The reports are read
    back from ``outdir`` (``reports/<clip>.json``), as the batch wrote them."""
    from formcheck.record.store import Record

    summary = SaveSummary()
    with Record.open(db) as record:
        for row in rows:
            reason = _unsaveable(row, record)
            if reason is not None:
                summary.not_saved[str(row["clip"])] = reason
                continue
            if _already(record, row):
                summary.already += 1
                continue
            record.save(str(row["patient_id"]), _new_session(row, outdir))
            summary.saved += 1
    return summary


def _unsaveable(row: dict[str, Any], record: Any) -> str | None:
    if row.get("status") != "done":
        return f"not analysed ({row.get('status')}): nothing to save"
    code = row.get("patient_id")
    if not code:
        return "no patient_id in the manifest: not saved"
    if not record.has_patient(str(code)):
        return (f"patient {code} is not in the record ({record.where}): add them with "
                f"`formcheck patients --add {code}`, then run the batch again")  # fmt: skip
    return None


def _already(record: Any, row: dict[str, Any]) -> bool:
    """The same clip (content hash) with the same exercise and test, saved for the patient."""
    return any(
        s.clip_sha256 == row["sha256"] and s.test == (row.get("test") or None)
        for s in record.sessions(str(row["patient_id"]), str(row["exercise"]))
    )


def _new_session(row: dict[str, Any], outdir: Path) -> Any:
    from formcheck.record.capture import NewSession, model_sha256

    report = json.loads(report_path(outdir, str(row["clip"])).read_text())
    report.pop("row", None)
    return NewSession(
        exercise=str(row["exercise"]), test=row.get("test") or None, report=report,
        clip_name=Path(str(row["path"])).name, clip_sha256=str(row["sha256"]),
        source="batch", model_sha256=model_sha256(),
    )  # fmt: skip
