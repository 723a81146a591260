"""Video file → :class:`~formcheck.sequence.PoseSequence`, using both CPU cores.

``extract_pose(path)`` decodes the clip (:mod:`formcheck.video`) and runs the
pose estimator (MediaPipe in VIDEO mode) frame by frame, streaming: frames
pass through bounded queues, so memory does not grow with the clip's length
(only the landmark rows, about 1 KB a frame, are kept).

How both cores are used. Measured with ``bench/extract.py`` on this 2-core
machine, which is shared (figures below at load 0.2-2; under load the
wall-clock figures drop, while CPU seconds and "core demand", the mean number
of the extraction's threads that are runnable, capped at 2, do not). Per
1080p frame: decoding + RGB costs 18-20 ms CPU at 40 Mbit/s (4.6 ms at
1.8 Mbit/s); VIDEO-mode inference 19-20 ms CPU on one thread. PyAV decodes
and scales with the GIL released, and MediaPipe's C API is called through
ctypes, which releases it too: two landmarkers in two threads ran 1.77x one.

1. *Overlap only* (``workers=1``): a decode thread (FFmpeg frame threads)
   feeds the inference thread through a 2-frame queue; landmarks are those of
   a plain sequential run. Inference is one thread, so throughput is at most
   ``1 / inference``. Ratio to the two-core limit
   ``2 / (decode + inference CPU)``: 0.84 on the 40 Mbit/s 30 s clip (decoding
   fills the second core), 0.58 on the 1.8 Mbit/s one (core demand 1.32).
2. *Two chunks* (``workers=2``, the default): the clip is cut at the middle
   of its declared duration; each half runs in its own thread with its own
   decoder (one FFmpeg thread each: the cores are busy anyway, and frame
   threads cost memory) and its own landmarker, overlapping its own decoding
   and inference as above. Ratio 0.91 on the 1.8 Mbit/s 30 s clip; on the
   40 Mbit/s one 0.78, because of fixed costs that a 30 s clip does not
   amortise: a second landmarker, ``WARMUP_S`` of frames estimated twice
   (the second half starts that early and drops them, so any tracking or
   smoothing has settled by the cut), and decoding from the keyframe before
   that point (x264's default keyframe interval is 8 s). On the 10-minute
   40 Mbit/s 1080p clip: 48.5 frames/s, ratio 0.99 against that run's
   per-frame costs (0.90 against the quietest ones, 17.9 + 19.2 ms), core
   demand 2.00, peak RSS 532 MB.
   Landmarks: this MediaPipe build's VIDEO mode keeps no state that changes
   its output (it equals IMAGE mode frame for frame), so chunked landmarks
   are identical to sequential ones; the tests allow ``0.02`` (normalised)
   after the cut in case a future model smooths or tracks.

So: two chunks for clips of at least ``MIN_SPLIT_S`` seconds in a container
with a seek index; overlap only for shorter clips and GIFs (a second
landmarker would cost more than it saves) and whenever ``workers=1``.
``max_side`` does not pay on this machine: area-downscaling 1080p in swscale
costs what MediaPipe's own resize saves (35.8 ms CPU a frame at full size,
37-39 ms at 1280-480 px), and it moves landmarks by a median 1.3-2.3 px
(1080p pixels; 95th percentile 6-8 px).

The frame-by-frame path is :class:`PoseStream`: ``step(t, rgb)`` or
``step_frame(av_frame)`` → :class:`~formcheck.pose_backend.FramePose`,
recording rows that become a ``PoseSequence``. ``extract_pose`` uses it for
every frame, and the live UI can use it too; frames reach the estimator
through :func:`formcheck.video.frame_to_rgb` in both cases, so the same
frames give the same landmarks.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError, FormcheckWarning, NoPersonFound
from formcheck.landmarks import N_LANDMARKS
from formcheck.sequence import PoseSequence, SourceMeta
from formcheck.video import VideoReader, damage_message, frame_to_rgb, open_video

if TYPE_CHECKING:
    from formcheck.pose_backend import FramePose, PoseEstimator

__all__ = [
    "MIN_SPLIT_S",
    "Chunk",
    "WARMUP_S",
    "EstimatorFactory",
    "PoseStream",
    "extract_pose",
    "plan_chunks",
]

MIN_SPLIT_S = 20.0
"""Clips shorter than this (seconds) run as one chunk (decode/inference overlap only)."""
WARMUP_S = 1.0
"""Seconds the second chunk runs before its cut, results discarded, so tracking has settled."""
_QUEUE_FRAMES = 2  # decoded frames waiting per chunk: 2 x 6 MB at 1080p
_PROGRESS_EVERY_S = 0.25
_BLOCK = 1024  # frames of landmark rows per allocation
_MANY_PEOPLE_SHARE = 0.1  # warn when 2+ people are in view in at least this share of frames
_LOW_DETECTION = 0.5  # warn when the person is found in fewer than this share of frames

EstimatorFactory = Callable[[], "PoseEstimator"]
T = TypeVar("T")


class PoseStream:
    """Frame by frame: ``(t, RGB)`` → ``FramePose``, recording one row per frame.

    ``extract_pose`` runs every frame through this; the live UI can as well,
    so files and webcam frames get identical treatment. Times must strictly
    increase (VIDEO-mode tracking); the estimator raises ``ValueError`` if not.
    """

    def __init__(self, estimator: PoseEstimator) -> None:
        self.estimator = estimator
        self._t: list[float] = []
        self._image = _Rows(4)
        self._world = _Rows(3)
        self._people: list[int] = []

    def __len__(self) -> int:
        return len(self._t)

    def step(self, t: float, rgb: NDArray[np.uint8], *, record: bool = True) -> FramePose:
        """Pose in ``rgb`` ((H, W, 3) uint8 RGB, upright) at ``t`` seconds; recorded unless told."""
        pose = self.estimator.estimate(_as_rgb(rgb), t)
        if record:
            self.record(t, pose)
        return pose

    def step_frame(
        self, frame: Any, t: float | None = None, *, rotation: int = 0, record: bool = True
    ) -> FramePose:
        """Same for a decoded ``av.VideoFrame`` (webcam); ``t`` defaults to ``frame.time``."""
        when = frame.time if t is None else t
        if when is None:
            raise ValueError("the frame has no timestamp: pass t (seconds)")
        return self.step(float(when), frame_to_rgb(frame, rotation=rotation), record=record)

    def record(self, t: float, pose: FramePose) -> None:
        """Append one frame: NaN rows when ``pose`` has no person."""
        self._t.append(float(t))
        self._image.append(pose.image)
        self._world.append(pose.world)
        self._people.append(int(pose.people))

    def arrays(self) -> dict[str, NDArray[Any]]:
        """Recorded rows: ``t`` (T,), ``image`` (T,33,4), ``world`` (T,33,3), ``people`` (T,)."""
        return {
            "t": np.asarray(self._t, np.float64),
            "image": self._image.array(),
            "world": self._world.array(),
            "people": np.asarray(self._people, np.int16),
        }

    def sequence(self, width: int, height: int, meta: SourceMeta | None = None) -> PoseSequence:
        """The recorded frames as a ``PoseSequence`` (``width``, ``height``: upright pixels)."""
        return PoseSequence(width=width, height=height, meta=meta or SourceMeta(), **self.arrays())


def _as_rgb(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {getattr(rgb, 'shape', rgb)}")
    if rgb.shape[2] != 3:
        raise ValueError(f"expected 3 colour channels (RGB), got shape {rgb.shape}")
    return np.ascontiguousarray(rgb)


class _Rows:
    """Growing ``(T, 33, width)`` float32 rows, kept in blocks of ``_BLOCK`` frames.

    A few large allocations instead of two small arrays per frame: less
    memory and less heap fragmentation over a long clip. Missing rows are NaN.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.blocks: list[NDArray[np.float32]] = []
        self.n = 0

    def append(self, values: NDArray[np.float32] | None) -> None:
        i = self.n % _BLOCK
        if i == 0:
            self.blocks.append(np.full((_BLOCK, N_LANDMARKS, self.width), np.nan, np.float32))
        if values is not None:
            self.blocks[-1][i] = np.asarray(values, np.float32).reshape(N_LANDMARKS, self.width)
        self.n += 1

    def array(self) -> NDArray[np.float32]:
        if not self.blocks:
            return np.zeros((0, N_LANDMARKS, self.width), np.float32)
        return np.concatenate(self.blocks)[: self.n]


# -- chunks ------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """A stretch of the clip for one worker thread (seconds on the file's clock).

    Frames with ``start <= t < stop`` are kept; decoding and inference begin
    at ``warm_from`` (``<= start``), the frames before ``start`` are dropped.
    """

    start: float
    stop: float
    warm_from: float


@dataclass
class _Shared:
    """State the chunk threads share with the calling thread."""

    covered: list[float]
    abort: threading.Event = field(default_factory=threading.Event)


@dataclass
class _ChunkResult:
    arrays: dict[str, NDArray[Any]]
    truncated: bool = False
    decoded_s: float = 0.0
    untimed_errors: int = 0
    damaged_s: tuple[float, ...] = ()


def plan_chunks(reader: VideoReader, workers: int, min_split_s: float) -> list[Chunk]:
    """One chunk, or two cut at the middle of the declared duration (see the module docstring)."""
    duration = reader.duration_s
    if workers < 2 or not np.isfinite(duration) or duration < min_split_s or not reader.seekable:
        return [Chunk(0.0, float("inf"), 0.0)]
    cut = duration / 2
    return [Chunk(0.0, cut, 0.0), Chunk(cut, float("inf"), max(0.0, cut - WARMUP_S))]


def _run_chunk(
    path: Path,
    chunk: Chunk,
    index: int,
    make_estimator: EstimatorFactory,
    max_side: int | None,
    shared: _Shared,
) -> _ChunkResult:
    """Decode and estimate one chunk (runs in a worker thread)."""
    # With two chunks both cores are already busy: one FFmpeg thread per decoder
    # saves the memory of frame threading; alone, let FFmpeg use both cores.
    threads = 1 if len(shared.covered) > 1 else None
    with open_video(path, max_side=max_side, threads=threads) as reader:
        estimator = make_estimator()
        try:
            stream = PoseStream(estimator)
            frames = reader.frames(start_s=chunk.warm_from, stop_s=chunk.stop, warn=False)
            for t, rgb in _prefetch(frames, _QUEUE_FRAMES, shared.abort):
                stream.step(t, rgb, record=t >= chunk.start)
                shared.covered[index] = t - chunk.warm_from
        finally:
            estimator.close()
        damaged = reader.damaged_s
        return _ChunkResult(stream.arrays(), reader.truncated, reader.decoded_s,
                            reader.decode_errors - len(damaged), tuple(damaged))  # fmt: skip


_END = object()


def _prefetch(items: Iterator[T], depth: int, abort: threading.Event) -> Iterator[T]:
    """Iterate ``items`` in a background thread, at most ``depth`` ahead (bounded memory).

    Exceptions in the producer re-raise here; stopping early (or ``abort``)
    stops the producer and waits for it, so the source can be closed safely.
    """
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not (stop.is_set() or abort.is_set()):
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    break
            else:
                put(_END)
        except BaseException as err:  # handed to the consumer, re-raised there
            put(_Failure(err))
        finally:
            getattr(items, "close", lambda: None)()

    worker = threading.Thread(target=produce, name="formcheck-decode", daemon=True)
    worker.start()
    try:
        yield from _consume(slots, abort)
    finally:
        stop.set()
        worker.join()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def _consume(slots: queue.Queue[Any], abort: threading.Event) -> Iterator[Any]:
    while not abort.is_set():
        try:
            item = slots.get(timeout=0.1)
        except queue.Empty:
            continue
        if item is _END:
            return
        if isinstance(item, _Failure):
            raise item.error
        yield item


# -- the whole clip ------------------------------------------------------------


def extract_pose(
    path: str | os.PathLike[str],
    *,
    model_path: str | os.PathLike[str] | None = None,
    progress: Callable[[float], None] | None = None,
    max_side: int | None = None,
    workers: int = 2,
    estimator_factory: EstimatorFactory | None = None,
    min_split_s: float = MIN_SPLIT_S,
    cancel: threading.Event | None = None,
    awkward: bool = True,
) -> PoseSequence:
    """Pose landmarks of the person in the clip at ``path``, one row per decoded frame.

    ``progress(fraction)`` (0..1) is called from the calling thread a few times
    a second. ``max_side`` downscales frames before inference (pixels of the
    longer side). ``workers``: 1 or 2 chunks (see the module docstring).
    ``estimator_factory`` builds each chunk's estimator (default: MediaPipe in
    VIDEO mode with the model at ``model_path``). Raises ``VideoUnreadable``
    for a bad file and ``NoPersonFound`` if no frame has a person; warns
    (``FormcheckWarning``) for a truncated file, several people in view, or a
    person found in under half the frames. Setting ``cancel`` (from any thread)
    stops the decoding and inference within a fraction of a second and raises
    ``FormcheckError("analysis cancelled")``.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    source = Path(path)
    make = estimator_factory or _mediapipe_factory(model_path)
    with open_video(source, max_side=max_side, threads=1) as reader:
        chunks = plan_chunks(reader, workers, min_split_s)
    # closed: only its metadata is used from here on (each chunk opens the file again)
    results = _run_chunks(source, chunks, make, max_side, reader.duration_s, progress, cancel)
    seq = _assemble(reader, results)
    _check_people(seq, source.name)
    return seq


def _mediapipe_factory(model_path: str | os.PathLike[str] | None) -> EstimatorFactory:
    from formcheck.model import ensure_model
    from formcheck.pose_backend import MediaPipePose

    resolved = Path(model_path) if model_path is not None else ensure_model("full")
    return lambda: MediaPipePose(resolved, mode="video")


def _run_chunks(
    path: Path,
    chunks: list[Chunk],
    make: EstimatorFactory,
    max_side: int | None,
    duration: float,
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None = None,
) -> list[_ChunkResult]:
    shared = _Shared(covered=[0.0] * len(chunks))
    with ThreadPoolExecutor(len(chunks), thread_name_prefix="formcheck-pose") as pool:
        futures = [
            pool.submit(_run_chunk, path, chunk, i, make, max_side, shared)
            for i, chunk in enumerate(chunks)
        ]
        try:
            _wait(futures, shared, duration, progress, cancel)
            return [f.result() for f in futures]
        except BaseException:
            shared.abort.set()
            raise


def _wait(
    futures: list[Future[_ChunkResult]],
    shared: _Shared,
    duration: float,
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None = None,
) -> None:
    """Block until the chunks finish, reporting progress from this thread; fail fast
    (``cancel`` set: ``FormcheckError``, and the caller aborts the chunks)."""
    total = duration + WARMUP_S * (len(futures) - 1) if np.isfinite(duration) else float("nan")
    reported = -1.0
    while True:
        if cancel is not None and cancel.is_set():
            raise FormcheckError("analysis cancelled")
        pending = [f for f in futures if not f.done()]
        failed = [f for f in futures if f.done() and f.exception() is not None]
        if failed:
            raise failed[0].exception()  # type: ignore[misc]
        if not pending:
            break
        fraction = min(0.99, sum(shared.covered) / total) if total > 0 else 0.0
        if progress is not None and fraction >= reported + 0.01:
            progress(fraction)
            reported = fraction
        time.sleep(_PROGRESS_EVERY_S / 5 if progress is None else _PROGRESS_EVERY_S)
    if progress is not None:
        progress(1.0)


def _assemble(reader: VideoReader, results: list[_ChunkResult]) -> PoseSequence:
    arrays = {k: np.concatenate([r.arrays[k] for r in results]) for k in results[0].arrays}
    truncated = any(r.truncated for r in results)
    meta = SourceMeta(
        source=str(reader.path),
        fps=reader.fps,
        rotation=reader.rotation,
        duration_s=reader.duration_s,
        truncated=truncated,
    )
    if truncated:  # the last frame decoded, even if the file ended before the second chunk
        step = 1.0 / reader.fps if reader.fps > 0 else 0.0
        reader.truncated = True
        reader.decoded_s = float(arrays["t"][-1]) + step if len(arrays["t"]) else 0.0
        warnings.warn(reader.truncation_message, FormcheckWarning, stacklevel=3)
    _warn_damage(reader.name, results)
    return PoseSequence(width=reader.width, height=reader.height, meta=meta, **arrays)


def _warn_damage(name: str, results: list[_ChunkResult]) -> None:
    """One warning for packets that could not be decoded; a packet in the
    stretch both chunks decode (the second one's warm-up) counts once."""
    times = sorted({round(t, 3) for r in results for t in r.damaged_s})
    errors = len(times) + sum(r.untimed_errors for r in results)
    if errors:
        warnings.warn(damage_message(name, errors, times), FormcheckWarning, stacklevel=4)


def _check_people(seq: PoseSequence, name: str) -> None:
    """``NoPersonFound`` if nobody is seen; warnings for crowds and sparse detection."""
    detected = seq.detected
    if not detected.any():
        raise NoPersonFound(f"{name}: no person was detected in any of its {len(seq)} frames")
    crowded = float(np.mean(seq.people >= 2))
    if crowded >= _MANY_PEOPLE_SHARE:
        warnings.warn(
            f"{name}: several people were in view in {crowded:.0%} of the frames; "
            "the most prominent one was followed",
            FormcheckWarning,
            stacklevel=3,
        )
    if seq.detection_rate < _LOW_DETECTION:
        warnings.warn(
            f"{name}: the person was found in only {seq.detection_rate:.0%} of the frames; "
            "measurements may be unreliable (check that the whole body is in view)",
            FormcheckWarning,
            stacklevel=3,
        )
