"""The bundled sample clips (``sample_videos/``) and their truth files.

Each clip ``<name>.mp4`` may have ``<name>.json`` beside it (written by
formcheck's synthetic sample generator) giving at least the ``exercise`` and
the true rep count; the review page uses them to preselect the exercise and
to show the expected result next to the measured one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ENV_SAMPLES", "Sample", "find_samples", "samples_dir"]

ENV_SAMPLES = "FORMCHECK_SAMPLES"
_VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".avi", ".mkv")


@dataclass(frozen=True)
class Sample:
    """One bundled clip: its path, a readable title, and its truth (may be empty)."""

    path: Path
    title: str
    exercise: str | None = None
    test: str | None = None
    reps: int | None = None
    truth: dict[str, Any] = field(default_factory=dict, compare=False)


def samples_dir(app_dir: Path) -> Path:
    """``FORMCHECK_SAMPLES`` if set, else ``sample_videos`` beside the app."""
    raw = os.environ.get(ENV_SAMPLES, "").strip()
    return Path(raw) if raw else app_dir / "sample_videos"


def _truth(path: Path) -> dict[str, Any]:
    side = path.with_suffix(".json")
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _sample(path: Path) -> Sample:
    truth = _truth(path)
    reps = truth.get("rep_count", truth.get("reps"))
    if isinstance(reps, list):
        reps = len(reps)
    title = str(truth.get("title") or path.stem.replace("_", " ").replace("-", " ").capitalize())
    exercise = truth.get("exercise")
    test = truth.get("test")
    return Sample(
        path=path,
        title=title,
        exercise=str(exercise) if exercise else None,
        test=str(test) if test else None,
        reps=_int_or_none(reps),
        truth=truth,
    )


def find_samples(folder: Path) -> list[Sample]:
    """The clips in ``folder``: those with a truth file first, each group by name
    (empty if the folder is absent)."""
    if not folder.is_dir():
        return []
    clips = sorted(p for p in folder.iterdir() if p.suffix.lower() in _VIDEO_SUFFIXES)
    samples = [_sample(p) for p in clips]
    return sorted(samples, key=lambda s: (not s.truth, s.path.name))
