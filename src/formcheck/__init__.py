"""formcheck: a movement checker for back-pain rehabilitation exercises.

The pipeline: video frames → :func:`extract_pose` (MediaPipe) →
:class:`PoseSequence` → :func:`analyze` (angles, reps, measurements, cues,
scores, clinical tests) → :class:`~formcheck.exercise.report.Report`. Live, frames go
one by one through :class:`Session`, the same core.

``analyze``, ``extract_pose`` and ``Session`` are imported on first use, so
``import formcheck`` stays light (no MediaPipe, no SciPy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from formcheck.errors import (
    FormcheckError,
    FormcheckWarning,
    ModelUnavailable,
    NoPersonFound,
    VideoUnreadable,
)
from formcheck.pose.sequence import PoseSequence, SourceMeta

if TYPE_CHECKING:
    from formcheck.exercise.analysis import analyze
    from formcheck.exercise.session import Session
    from formcheck.pose.extract import extract_pose

__all__ = [
    "FormcheckError",
    "FormcheckWarning",
    "ModelUnavailable",
    "NoPersonFound",
    "PoseSequence",
    "Session",
    "SourceMeta",
    "VideoUnreadable",
    "__version__",
    "analyze",
    "extract_pose",
]

__version__ = "0.1.0"

_LAZY = {"analyze": "formcheck.exercise.analysis", "extract_pose": "formcheck.pose.extract",
         "Session": "formcheck.exercise.session"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'formcheck' has no attribute {name!r}")
