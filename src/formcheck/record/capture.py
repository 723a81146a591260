"""What a save stores, built from an analysis: :class:`NewSession`.

:func:`from_report` takes a :class:`~formcheck.exercise.report.Report` (the CLI);
:func:`from_review` a review page's ``ReviewResult`` (report dict and
per-frame series). Curves are stored compactly by :func:`encode_curves`:
the filtered per-frame columns (``t_s`` in s, angles in deg, hip height in %
torso) as float32 in a compressed ``.npz`` (about 4 bytes per value before
compression; a 20 s clip at 30 fps with four angles is some 10 kB).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "NewSession",
    "decode_curves",
    "encode_curves",
    "file_sha256",
    "from_report",
    "from_review",
    "model_sha256",
    "report_series",
]

Curves = dict[str, NDArray[np.float32]]


@dataclass(frozen=True)
class NewSession:
    """One analysis to save. ``report`` is ``Report.to_dict()``; ``curves`` maps the
    per-frame column names (``t_s`` first) to (T,) arrays; ``video`` the clip's bytes
    when the user asked to keep it (else None)."""

    exercise: str
    test: str | None
    report: dict[str, Any]
    curves: Mapping[str, Sequence[float] | NDArray[Any]] = field(default_factory=dict)
    clip_name: str | None = None
    clip_sha256: str | None = None
    recorded_utc: datetime | None = None
    source: str = "clip"
    video: bytes | None = None
    video_name: str | None = None
    video_mime: str = "video/mp4"
    model_sha256: str | None = None
    formcheck_version: str | None = None  # None: this formcheck (an import keeps the original)

    def when(self) -> datetime:
        """The session's time, UTC (now when not given)."""
        t = self.recorded_utc or datetime.now(UTC)
        return t if t.tzinfo else t.replace(tzinfo=UTC)


def encode_curves(series: Mapping[str, Sequence[float] | NDArray[Any]]) -> bytes:
    """Compact bytes of the per-frame columns: raw curves and the rep column are left
    out (the reps are in the report); values float32, NaN kept."""
    keep = {k: np.asarray(v, dtype=np.float32) for k, v in series.items()
            if not k.startswith("raw_") and k != "rep"}  # fmt: skip
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **keep)  # type: ignore[arg-type]
    return buffer.getvalue()


def decode_curves(data: bytes | None) -> Curves:
    """The columns saved by :func:`encode_curves` (empty when none were saved)."""
    if not data:
        return {}
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _hash_cached(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(path)


def model_sha256() -> str | None:
    """SHA-256 of the pose model in use (``$FORMCHECK_MODEL`` or the provisioned file),
    None when there is none yet; never downloads or builds one."""
    from formcheck.pose.model_file import ModelPlaces

    override = os.environ.get("FORMCHECK_MODEL")
    path = Path(override) if override else ModelPlaces().target("full")
    try:
        stat = path.stat()
    except OSError:
        return None
    return _hash_cached(str(path), stat.st_size, stat.st_mtime_ns)


def report_series(report: Any) -> dict[str, NDArray[np.float64]]:
    """The per-frame columns of a :class:`~formcheck.exercise.report.Report` (``t_s`` and the
    filtered curves, named as the review page names them)."""
    curves = report.angle_curves
    if curves is None:
        return {}
    out: dict[str, NDArray[np.float64]] = {"t_s": np.asarray(curves.t, dtype=np.float64)}
    for name, values in curves.filtered.items():
        unit = "pct_torso" if name == "hip_height" else "deg"
        out[f"{name}_{unit}"] = np.asarray(values, dtype=np.float64)
    return out


def from_report(
    report: Any, *, test: str | None = None, clip: Path | None = None,
    keep_video: bool = False, recorded_utc: datetime | None = None,
) -> NewSession:
    """A save of a :class:`~formcheck.exercise.report.Report` of ``clip`` (its name and hash;
    its bytes too when ``keep_video``)."""
    video = clip.read_bytes() if keep_video and clip is not None else None
    return NewSession(
        exercise=report.exercise, test=test, report=report.to_dict(),
        curves=report_series(report), clip_name=clip.name if clip else None,
        clip_sha256=file_sha256(clip) if clip is not None else None,
        recorded_utc=recorded_utc, video=video,
        video_name=clip.name if video is not None and clip is not None else None,
        video_mime=_mime(clip) if clip is not None else "video/mp4",
        model_sha256=model_sha256(),
    )  # fmt: skip


def from_review(
    result: Any, *, clip_sha256: str | None = None, video: bytes | None = None,
    source: str = "clip", recorded_utc: datetime | None = None,
) -> NewSession:
    """A save of a review page's ``ReviewResult`` (or the live page's equivalent)."""
    return NewSession(
        exercise=result.exercise, test=result.test, report=dict(result.report),
        curves=result.series, clip_name=result.name, clip_sha256=clip_sha256,
        recorded_utc=recorded_utc, source=source, video=video,
        video_name=result.name if video else None, video_mime=_mime(Path(result.name)),
        model_sha256=model_sha256(),
    )  # fmt: skip


def _mime(path: Path) -> str:
    return {".mov": "video/quicktime", ".webm": "video/webm", ".avi": "video/x-msvideo",
            ".npz": "application/octet-stream"}.get(path.suffix.lower(), "video/mp4")
