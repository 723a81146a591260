"""The review page's analysis of one clip, without Streamlit: pose -> report -> exports.

:func:`analyse_clip` runs ``extract_pose`` and ``analyze`` on a file, renders
the annotated MP4 and builds the downloads, and returns a picklable
:class:`ReviewResult` (so ``st.cache_data`` can keep the bundled sample's
analysis). Warnings raised on the way (``FormcheckWarning``: truncated file,
several people, poor view) are collected as one-line messages.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import FormcheckError, FormcheckWarning
from formcheck.sequence import PoseSequence
from formcheck.ui import reporting

__all__ = ["ReviewResult", "analyse_clip"]

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ReviewResult:
    """Everything the review page shows for one clip (picklable).

    ``report`` is ``Report.to_dict()``; ``series`` the per-frame table
    (column name -> list, ``t_s`` in seconds first) behind the chart and the
    CSV; ``video_mp4`` the annotated clip (H.264), empty if it could not be made.
    """

    name: str
    exercise: str
    test: str | None
    report: dict[str, Any]
    series: dict[str, list[float]]
    video_mp4: bytes = b""
    warnings: tuple[str, ...] = ()
    detection_rate: float = 0.0
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def summary_json(self) -> bytes:
        """The summary download: the report plus where it came from."""
        doc = {"source": self.name, "exercise": self.exercise,
               "exercise_detected": bool(self.extra.get("exercise_detected")), "test": self.test,
               "warnings": list(self.warnings), "report": self.report}  # fmt: skip
        return json.dumps(doc, indent=2, default=_json_default).encode("utf-8")

    def frames_csv(self) -> bytes:
        """The per-frame angles download (one row per frame, times in seconds)."""
        return reporting.series_csv(self.series)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def analyse_clip(
    path: Path,
    name: str,
    exercise: str,
    *,
    test: str | None = None,
    age: int | None = None,
    sex: str | None = None,
    progress: Progress | None = None,
    render: bool = True,
    cancel: threading.Event | None = None,
) -> ReviewResult:
    """Analyse the clip at ``path`` (shown as ``name``); raises FormcheckError on bad input.

    Setting ``cancel`` (from another thread) stops the work within a fraction of a
    second with ``FormcheckError("analysis cancelled")``.

    ``exercise="auto"`` detects it from the clip (a clinical test implies sit-to-stand).
    """
    from formcheck.analysis import analyze, detect_exercise
    from formcheck.extract import extract_pose

    report_progress = progress or (lambda _f, _s: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormcheckWarning)
        report_progress(0.0, "Finding the person in each frame...")
        seq = extract_pose(path, progress=lambda f: report_progress(0.8 * f, "Finding the pose..."),
                           cancel=cancel)
        _check_cancel(cancel)
        report_progress(0.8, "Measuring reps...")
        detected = exercise == "auto"
        if detected:
            exercise = "sit_to_stand" if test else detect_exercise(seq)
        report = analyze(seq, exercise, test=test, age=age, sex=sex)
        report_dict = report.to_dict()
        video = b""
        if render:
            _check_cancel(cancel)
            video = _render(path, seq, report, report_progress, cancel)
    messages = _unique(str(w.message) for w in caught if issubclass(w.category, FormcheckWarning))
    messages += tuple(m for m in reporting.report_warnings(report_dict) if m not in messages)
    return ReviewResult(
        name=name, exercise=exercise, test=test, report=report_dict,
        series=reporting.frame_series(seq, report), video_mp4=video, warnings=messages,
        detection_rate=seq.detection_rate, duration_s=float(seq.t[-1]) if len(seq) else 0.0,
        extra={"exercise_detected": detected},
    )  # fmt: skip


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise FormcheckError("analysis cancelled")


def _render(
    path: Path, seq: PoseSequence, report: Any, progress: Progress,
    cancel: threading.Event | None = None,
) -> bytes:
    from formcheck.render import render_annotated

    overlays = reporting.frame_overlays(seq, report)
    progress(0.85, "Drawing the annotated clip...")
    data = render_annotated(path, seq, overlays,
                            progress=lambda f: progress(0.85 + 0.15 * f, "Drawing..."),
                            cancel=cancel)
    return data or b""


def _unique(messages: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for message in messages:
        seen.setdefault(message, None)
    return tuple(seen)
