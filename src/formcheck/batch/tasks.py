"""What runs inside a worker: one clip → its report, its row, and its angle CSV.

:func:`run_clip` never raises for a bad clip: an unreadable file, a clip with
nobody in it, a truncated download all come back as a :class:`ClipResult` with
``status="failed"`` and the one-line reason formcheck would print. Only the
death of the worker process itself (killed, out of memory) escapes, and the
scheduler retries the clip elsewhere (:mod:`formcheck.batch.engine`).

One landmarker per worker thread, for the thread's life. MediaPipe graphs must
not be shared between threads, and building one costs a model load, so each
thread keeps its own :class:`WorkerPose` (a ``threading.local``): a VIDEO-mode
``MediaPipePose`` that follows small people in crops, for the extraction, and
one without crops for the squashed-picture probe. ``extract_pose`` runs in its
sequential mode (``workers=1``: one chunk, decoding overlapped with inference,
no extra process or landmarker): the batch's parallelism is one clip per core.

Each clip gets a fresh *session* on the held landmarker: VIDEO mode needs
strictly increasing times, so a session shifts the clip's frame times by an
offset past everything the landmarker has seen (plus ``_GAP_S``); MediaPipe's
VIDEO mode keeps no state that changes its output (``formcheck.pose.extract``), and
the per-clip state of ``MediaPipePose`` (the followed person, the crop region)
is reset, so a clip's landmarks are those of a fresh ``extract_pose`` (tested).
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from formcheck.batch.inputs import ClipJob

if TYPE_CHECKING:
    from formcheck.config import Config
    from formcheck.pose.estimator import FramePose, MediaPipePose

__all__ = ["ROW_COLUMNS", "ClipResult", "Settings", "WorkerPose", "failed_result", "run_clip"]

_GAP_S = 10.0  # seconds between one session's last frame and the next session's first

ROW_COLUMNS = (
    "clip", "status", "reason", "exercise", "test", "test_value", "test_valid",
    "rep_count", "mean_rom_deg", "mean_score", "view", "detection_rate", "warnings",
    "frames", "duration_s", "seconds", "patient_id", "sha256", "settings", "path",
)  # fmt: skip
"""Columns of the results table, one row per clip (see :func:`row_of`)."""


@dataclass(frozen=True)
class Settings:
    """What every clip of the batch shares: the analysis configuration, the model,
    whether per-frame angles are wanted, and the exercise definitions read from files
    (``--exercise-file``), used for the clips whose exercise has their name."""

    config: Config
    model_path: str | None = None
    angles: bool = False
    definitions: tuple[Any, ...] = ()


@dataclass
class ClipResult:
    """One clip's outcome: its table row, its JSON report, its angle CSV text."""

    row: dict[str, Any]
    report: dict[str, Any]
    angles_csv: str | None = None
    worker: str = ""
    peak_rss_mb: float = 0.0


class _Session:
    """A :class:`~formcheck.pose.estimator.PoseEstimator` over a held landmarker, one clip long.

    Times are shifted by ``offset`` seconds; ``close`` ends the session only
    (the landmarker lives on).
    """

    def __init__(self, pose: MediaPipePose, offset: float) -> None:
        self.pose = pose
        self.offset = offset
        self.last = offset

    def estimate(self, rgb: NDArray[np.uint8], t: float) -> FramePose:
        when = t + self.offset
        self.last = max(self.last, when)
        return self.pose.estimate(rgb, when)

    def close(self) -> None:
        """Nothing to release: the worker keeps the landmarker."""


class WorkerPose:
    """The landmarkers one worker thread keeps for its life (see the module docstring)."""

    def __init__(self, model_path: str | None) -> None:
        self.model_path = model_path
        self._poses: dict[bool, MediaPipePose] = {}
        self._clock = 0.0  # seconds: past every time any session has used
        self.sessions = 0

    def _pose(self, follow_small: bool) -> MediaPipePose:
        if follow_small not in self._poses:
            from formcheck.pose.estimator import MediaPipePose
            from formcheck.pose.model_file import ensure_model

            path = Path(self.model_path) if self.model_path else ensure_model("full")
            self._poses[follow_small] = MediaPipePose(path, mode="video", follow_small=follow_small)
        return self._poses[follow_small]

    def session(self, follow_small: bool) -> _Session:
        """A fresh session: the followed person and the crop region forgotten."""
        pose = self._pose(follow_small)
        pose.selector.reset()
        # MediaPipePose has no public per-clip reset: these two are its crop state
        pose._roi = None  # noqa: SLF001
        pose._searched_at = -math.inf  # noqa: SLF001
        session = _Session(pose, self._clock)
        self.sessions += 1
        return session

    def finish(self, session: _Session) -> None:
        """Move the clock past the session's last frame."""
        self._clock = max(self._clock, session.last) + _GAP_S

    def factory(self) -> _ClipFactory:
        """An ``estimator_factory`` for one ``extract_pose`` call."""
        return _ClipFactory(self)


class _ClipFactory:
    """``extract_pose``'s estimator factory for one clip: the first estimator it hands out
    is the extraction's (crops), later ones the squashed-picture probe's (no crops),
    as ``extract_pose``'s own defaults are. A re-extraction at a restored shape, which
    follows the probe, also gets the plain one (a difference only for a squashed clip
    whose person is also small)."""

    def __init__(self, owner: WorkerPose) -> None:
        self.owner = owner
        self.sessions: list[_Session] = []

    def __call__(self) -> _Session:
        if self.sessions:
            self.owner.finish(self.sessions[-1])
        session = self.owner.session(follow_small=not self.sessions)
        self.sessions.append(session)
        return session

    def close(self) -> None:
        if self.sessions:
            self.owner.finish(self.sessions[-1])


_LOCAL = threading.local()


def worker_pose(model_path: str | None) -> WorkerPose:
    """This thread's :class:`WorkerPose`, made on first use."""
    held = getattr(_LOCAL, "pose", None)
    if held is None or held.model_path != model_path:
        from formcheck.batch.allocator import keep_freed_frames

        keep_freed_frames()  # Dask's worker environment unmaps every freed frame otherwise
        held = WorkerPose(model_path)
        _LOCAL.pose = held
    return held


def run_clip(job: ClipJob, sha256: str, key: str, settings: Settings) -> ClipResult:
    """Extract and analyse ``job``'s clip; a failure is a ``failed`` result, not an error.

    ``sha256`` (the file's content hash) and ``key`` (its settings key) go into the row,
    so that a re-run can tell whether this result still holds.
    """
    from formcheck.commands._shared import collect_warnings
    from formcheck.errors import FormcheckError

    started = time.monotonic()
    with collect_warnings() as caught:
        try:
            report, frames, angles = _analyse(job, settings)
        except (FormcheckError, ValueError, OSError) as err:
            reason = " ".join(str(err).split()) or type(err).__name__
            row = _base_row(job, sha256, key, "failed", reason)
            row["seconds"] = time.monotonic() - started
            return ClipResult(row, {**row}, None, _worker_name(), _peak_rss_mb())
    notes = [
        *caught.formcheck,
        *(w for w in report.get("warnings", []) if w not in caught.formcheck),
    ]
    report["warnings"] = notes
    row = row_of(job, sha256, key, report, frames)
    row["seconds"] = time.monotonic() - started
    return ClipResult(row, report, angles, _worker_name(), _peak_rss_mb())


def _analyse(job: ClipJob, settings: Settings) -> tuple[dict[str, Any], int, str | None]:
    """(report dict, frames, angle CSV text or None) for one clip."""
    from formcheck.errors import VideoUnreadable
    from formcheck.exercise.analysis import analyze, detect_exercise
    from formcheck.pose.extract import extract_pose
    from formcheck.pose.sequence import PoseSequence

    if not job.path.exists():
        raise VideoUnreadable(f"{job.path}: no such file")
    if job.path.suffix.lower() == ".npz":
        seq = PoseSequence.load(job.path)
    else:
        factory = worker_pose(settings.model_path).factory()
        try:
            seq = extract_pose(job.path, workers=1, estimator_factory=factory)
        finally:
            factory.close()
    exercise: Any = job.exercise
    if exercise == "auto":
        exercise = detect_exercise(seq, settings.config)
    exercise = next((d for d in settings.definitions if d.name == exercise), exercise)
    report = analyze(seq, exercise, test=job.test, config=settings.config, age=job.age,
                     sex=job.sex)  # fmt: skip
    out = report.to_dict()
    out["exercise_detected"] = job.exercise == "auto"
    angles = _angles_csv(report) if settings.angles else None
    return out, len(seq), angles


def _angles_csv(report: Any) -> str | None:
    if report.angle_curves is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "angles.csv"
        report.angle_curves.write_csv(path)
        return path.read_text(encoding="utf-8")


def _base_row(job: ClipJob, sha256: str, key: str, status: str, reason: str = "") -> dict[str, Any]:
    """The row's columns known before any analysis (the rest ``None``)."""
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(clip=job.name, status=status, reason=reason, exercise=job.exercise,
               test=job.test, patient_id=job.patient_id, sha256=sha256,
               settings=key, path=str(job.path), warnings="")  # fmt: skip
    return row


def row_of(
    job: ClipJob, sha256: str, key: str, report: dict[str, Any], frames: int
) -> dict[str, Any]:
    """The table row of an analysed clip (``report``: ``Report.to_dict()`` plus warnings)."""
    row = _base_row(job, sha256, key, "done")
    summary = report.get("summary", {})
    test = report.get("test") or {}
    value = test.get("time_s") if test.get("time_s") is not None else test.get("stands")
    row.update(
        exercise=report.get("exercise"),
        test=test.get("test", job.test),
        test_value=value,
        test_valid=test.get("valid"),
        rep_count=report.get("rep_count"),
        mean_rom_deg=summary.get("mean_rom_deg"),
        mean_score=summary.get("mean_score"),
        view=report.get("view"),
        detection_rate=report.get("detection_rate"),
        warnings=" | ".join(report.get("warnings", [])),
        frames=frames,
        duration_s=report.get("duration_s"),
    )
    return row


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def _peak_rss_mb() -> float:
    """This worker process's peak resident size in MB: the kernel's ``VmHWM`` (Linux), else
    ``ru_maxrss``, which on Linux also counts the resident size of the process that forked
    this one (a worker forked from a big client reads as big as the client)."""
    import resource

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def failed_result(job: ClipJob, sha256: str, key: str, reason: str) -> ClipResult:
    """The result of a clip that never came back (its worker died): status ``failed``."""
    row = _base_row(job, sha256, key, "failed", reason)
    return ClipResult(row, dict(row))
