"""The review page's analysis of one clip, without Streamlit, in three steps.

1. :func:`extract_clip`: video -> :class:`Extraction` (the clip's
   ``PoseSequence`` and the warnings raised reading it). The expensive step
   (pose inference on every frame); the page keeps a few of them, keyed by the
   clip's content hash, so that only a change of clip repeats it.
2. :func:`score_clip`: extraction + options (exercise, test, age, sex) ->
   :class:`Scored` (the :class:`ReviewResult` and the report behind it). A
   replay of the landmarks through the counter: 10-20 ms for a 15 s clip,
   about 0.3 s for 10 minutes.
3. :func:`render_clip`: the annotated MP4 (decodes the clip again) from
   ``Scored.overlays()``. ``Scored.video_key`` tells when an earlier video
   still fits: a change of age, sex or clinical test does not change a frame.

:func:`analyse_clip` runs all three. Every message names the file as the
user chose it (``name``), never the temporary file the upload was written
to (:func:`in_user_words`); the sequence's ``meta.source`` is that name too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from formcheck.errors import FormcheckError, FormcheckWarning
from formcheck.exercise.clinical_tests import get_test
from formcheck.exercise.report import Report
from formcheck.pose.sequence import PoseSequence
from formcheck.render.overlay import Overlay
from formcheck.ui import review_data

if TYPE_CHECKING:
    from formcheck.config import Config

__all__ = [
    "Extraction",
    "ReviewResult",
    "analyse_clip",
    "extract_clip",
    "Scored",
    "in_user_words",
    "render_clip",
    "score_clip",
    "video_key",
]

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ReviewResult:
    """Everything the review page shows for one clip (picklable).

    ``report`` is ``Report.to_dict()``; ``series`` the per-frame table
    (column name -> list, ``t_s`` in seconds first) behind the chart and the
    CSV; ``video_mp4`` the annotated clip (H.264), empty if not (yet) made.
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
        """The summary download: the report plus where it came from (the user's file name)."""
        doc = {"source": self.name, "exercise": self.exercise,
               "exercise_detected": bool(self.extra.get("exercise_detected")), "test": self.test,
               "warnings": list(self.warnings), "report": self.report}  # fmt: skip
        return json.dumps(doc, indent=2, default=_json_default).encode("utf-8")

    def frames_csv(self) -> bytes:
        """The per-frame angles download (one row per frame, times in seconds)."""
        return review_data.series_csv(self.series)


@dataclass(frozen=True)
class Extraction:
    """One clip's pose landmarks, as the user named it.

    ``warnings``: one-line messages raised while reading it (truncated file,
    several people...), in the user's words; ``seconds``: wall time it took.
    """

    name: str
    seq: PoseSequence
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def in_user_words(text: str, path: Path, name: str) -> str:
    """``text`` with the file at ``path`` (full path, then its bare name) called ``name``."""
    if str(path) and str(path) != name:
        text = text.replace(str(path), name)
    return text.replace(path.name, name) if path.name and path.name != name else text


def extract_clip(
    path: Path, name: str, *, progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Extraction:
    """Pose landmarks of the clip at ``path`` (shown as ``name``).

    Raises ``FormcheckError`` (the same class, its message in the user's words) on
    bad input; ``cancel`` stops it with ``FormcheckError("analysis cancelled")``.
    """
    from formcheck.pose.extract import extract_pose

    report = progress or (lambda _f, _s: None)
    start = time.perf_counter()
    report(0.0, f"Finding the person in each frame of {name}...")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormcheckWarning)
        try:
            seq = extract_pose(path, cancel=cancel, progress=lambda f: report(
                f, f"Finding the pose in {name}: {100 * f:.0f}% ({_elapsed(start)}"
                f"{_left(start, f)})"))
        except FormcheckError as err:
            raise type(err)(in_user_words(str(err), path, name)) from None
    _check_cancel(cancel)
    seq = dataclasses.replace(seq, meta=dataclasses.replace(seq.meta, source=name))
    messages = _unique(in_user_words(m, path, name) for m in _formcheck_warnings(caught))
    return Extraction(name, seq, messages, time.perf_counter() - start)


@dataclass(frozen=True)
class Scored:
    """One scoring of an extraction: what the page shows (``result``) and the
    :class:`~formcheck.exercise.report.Report` behind it, for drawing the annotated clip."""

    result: ReviewResult
    report: Report
    seq: PoseSequence

    def overlays(self) -> list[Overlay]:
        """One overlay per frame of ``seq`` for the annotated clip."""
        return review_data.frame_overlays(self.seq, self.report)

    @property
    def video_key(self) -> str:
        """Equal keys, equal annotated clips (for the same clip): see :func:`video_key`."""
        return video_key(self.result.report)


def video_key(report: dict[str, Any]) -> str:
    """A digest of everything in ``Report.to_dict()`` that the annotated frames can depend
    on: all of it but the clinical test's result (age, sex and norms only change that).

    Conservative: whatever else changes (exercise, reps, cues, scores, side,
    thresholds) gives a new key and the clip is drawn again.
    """
    drawn = {k: v for k, v in report.items() if k != "test"}
    text = json.dumps(drawn, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def score_clip(
    extraction: Extraction,
    exercise: str,
    *,
    test: str | None = None,
    age: int | None = None,
    sex: str | None = None,
    config: Config | None = None,
) -> Scored:
    """The review of an extraction with these options (no video yet).

    ``exercise="auto"`` detects it from the clip (a clinical test implies sit-to-stand);
    ``config`` (thresholds) defaults to formcheck's. ``result.extra["score_s"]`` is the
    wall time it took (seconds).
    """
    from formcheck.exercise.analysis import analyze, detect_exercise

    start = time.perf_counter()
    seq = extraction.seq
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormcheckWarning)
        detected = exercise == "auto"
        if detected:
            exercise = get_test(test).exercise if test else detect_exercise(seq, config)
        report = analyze(seq, exercise, test=test, age=age, sex=sex, config=config)
    report_dict = report.to_dict()
    analysis = [_named(extraction.name, w) for w in
                (*_formcheck_warnings(caught), *review_data.report_warnings(report_dict))]
    messages = _unique([*extraction.warnings, *analysis])
    result = ReviewResult(
        name=extraction.name, exercise=exercise, test=test, report=report_dict,
        series=review_data.frame_series(seq, report), warnings=messages,
        detection_rate=seq.detection_rate, duration_s=float(seq.t[-1]) if len(seq) else 0.0,
        extra={"exercise_detected": detected, "score_s": time.perf_counter() - start},
    )  # fmt: skip
    return Scored(result, report, seq)


def render_clip(
    path: Path, name: str, seq: PoseSequence, overlays: list[Overlay], *,
    progress: Progress | None = None, cancel: threading.Event | None = None,
) -> bytes:
    """The annotated MP4 of the clip at ``path`` (shown as ``name``); empty if it cannot be made."""
    from formcheck.render.annotated_clip import render_annotated

    report = progress or (lambda _f, _s: None)
    start = time.perf_counter()
    report(0.0, f"Drawing the annotated clip of {name}...")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormcheckWarning)  # already said by the extraction
        try:
            data = render_annotated(path, seq, overlays, cancel=cancel, progress=lambda f: report(
                f, f"Drawing the annotated clip of {name}: {100 * f:.0f}% ({_elapsed(start)}"
                f"{_left(start, f)})"))
        except FormcheckError as err:
            raise type(err)(in_user_words(str(err), path, name)) from None
    return data or b""


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
    """Extract, score and (``render``) draw the clip at ``path`` (shown as ``name``)."""
    report = progress or (lambda _f, _s: None)
    extraction = extract_clip(path, name, cancel=cancel,
                              progress=lambda f, s: report(0.8 * f, s))
    report(0.8, "Measuring reps...")
    scored = score_clip(extraction, exercise, test=test, age=age, sex=sex)
    if not render:
        return scored.result
    _check_cancel(cancel)
    video = render_clip(path, name, extraction.seq, scored.overlays(), cancel=cancel,
                        progress=lambda f, s: report(0.85 + 0.15 * f, s))
    return dataclasses.replace(scored.result, video_mp4=video)


def _elapsed(start: float) -> str:
    """Time since ``start`` (``time.perf_counter()``) as "12 s" or "3 min 05 s"."""
    seconds = int(time.perf_counter() - start)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def _left(start: float, fraction: float) -> str:
    """", about 4 s left": the time to go at the pace since ``start``; empty until 5 % is
    done and 1 s has passed (too early to tell)."""
    spent = time.perf_counter() - start
    if fraction < 0.05 or spent < 1.0 or fraction >= 1.0:
        return ""
    left = int(round(spent * (1 - fraction) / fraction))
    text = f"{left} s" if left < 60 else f"{left // 60} min {left % 60:02d} s"
    return f", about {text} left"


def _formcheck_warnings(caught: Iterable[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, FormcheckWarning)]


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise FormcheckError("analysis cancelled")


def _named(name: str, message: str) -> str:
    """``message`` as it names the user's file: prefixed with ``name`` unless it does."""
    return message if message.startswith(f"{name}: ") else f"{name}: {message}"


def _unique(messages: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for message in messages:
        seen.setdefault(message, None)
    return tuple(seen)
