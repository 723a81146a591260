"""What a batch leaves in its output folder, written so that nothing is ever half-written.

::

    OUTDIR/reports/<clip>.json   one report per clip (failed clips too: status, reason)
    OUTDIR/angles/<clip>.csv     per-frame angles (``--angles``)
    OUTDIR/results.csv           the table, one row per clip (``tasks.ROW_COLUMNS``)
    OUTDIR/results.parquet       the same table
    OUTDIR/index.json            content hashes by path, size and mtime (resume)

Every file is written to a temporary file in the same folder and renamed over
its name (:func:`atomic_write`): a reader, or a batch killed mid-write, sees the
old file or the new one. A clip's report is its proof of being done: a re-run
skips a clip whose report has the same content hash and settings key
(:func:`finished`), and re-runs it when either changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "Index",
    "atomic_write",
    "finished",
    "report_path",
    "settings_key",
    "write_table",
]

_HASH_BLOCK = 1 << 20
# Failures that say nothing about the clip: a re-run tries these again.
RETRY_REASONS = ("worker died",)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (same folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_path(outdir: Path, name: str, folder: str = "reports", suffix: str = ".json") -> Path:
    """Where clip ``name`` (relative posix path) gets its file under ``outdir/folder``."""
    return outdir / folder / f"{name}{suffix}"


def settings_key(parts: dict[str, Any]) -> str:
    """A short stable hash of the settings that change a clip's result (16 hex digits)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes ('' when it cannot be read: the clip fails later)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


class Index:
    """Content hashes by path, kept with size and mtime so a re-run reads no clip twice."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        if path.is_file():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}  # a damaged index only costs re-hashing

    def sha256(self, clip: Path) -> str:
        """The clip's content hash, from the index when its size and mtime are unchanged."""
        try:
            stat = clip.stat()
        except OSError:
            return ""
        key = str(clip.resolve())
        known = self.entries.get(key)
        if known and known["size"] == stat.st_size and known["mtime_ns"] == stat.st_mtime_ns:
            return str(known["sha256"])
        digest = file_sha256(clip) if clip.is_file() else ""
        if digest:
            self.entries[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                 "sha256": digest}  # fmt: skip
        return digest

    def save(self) -> None:
        atomic_write(self.path, json.dumps(self.entries, indent=0, sort_keys=True))


def finished(outdir: Path, name: str, sha256: str, key: str) -> dict[str, Any] | None:
    """The table row of clip ``name`` if its report exists for this content and settings."""
    path = report_path(outdir, name)
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    row = report.get("row")
    if not isinstance(row, dict) or not sha256:
        return None
    if row.get("sha256") != sha256 or row.get("settings") != key:
        return None
    if row.get("status") == "failed" and str(row.get("reason", "")).startswith(RETRY_REASONS):
        return None
    return row


def write_table(outdir: Path, rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """``results.csv`` and ``results.parquet``, one row per clip, in ``columns`` order."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns))
    for column in ("rep_count", "frames"):
        frame[column] = frame[column].astype("Int64")
    for column in ("mean_rom_deg", "mean_score", "detection_rate", "duration_s", "seconds",
                   "test_value"):  # fmt: skip
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["test_valid"] = frame["test_valid"].astype("boolean")
    for column in ("clip", "status", "reason", "exercise", "test", "view", "warnings",
                   "patient_id", "sha256", "settings", "path"):  # fmt: skip
        frame[column] = frame[column].astype("string")
    atomic_write(outdir / "results.csv", frame.to_csv(index=False))
    atomic_write(outdir / "results.parquet", frame.to_parquet(index=False))
