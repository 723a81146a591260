"""Video file → :class:`~formcheck.pose.sequence.PoseSequence`, using both CPU cores.

``extract_pose(path)`` decodes the clip (:mod:`formcheck.pose.video`) and runs the
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
2. *Two chunks* (``workers=2``, the default): the clip is cut in two; each
   half runs in its own thread with its own decoder (one FFmpeg thread each:
   the cores are busy anyway, and frame threads cost memory) and its own
   landmarker, overlapping its own decoding and inference as above. The
   second half starts ``WARMUP_S`` early and drops those frames (the person
   choice and the crop have settled by the cut), and decodes from the keyframe
   before that point, skipping the non-reference frames of that lead-in
   (:mod:`formcheck.pose.video`). The cut is not planned but decided as the halves
   run (:class:`_Balance`): the second half decodes its lead-in from the keyframe
   before the clip's middle and starts where its work left equals the first
   half's, so a lead-in's cost, which no plan can know (0.2 s for 146 frames of
   a real 2.4 Mbit/s 720p clip, 0.02 s for 186 of a rendered sample), is
   measured, not guessed.
   Landmarks: this MediaPipe build's VIDEO mode keeps no state that changes
   its output (it equals IMAGE mode frame for frame), and the join is
   checked: the second chunk's last warm-up pose must equal the first
   chunk's pose of that frame, or the second chunk runs again from the
   start (:func:`_joins`); so chunked landmarks are those of a sequential run.
   A process that extracts clip after clip keeps fresh landmarkers ready
   (:func:`preload_estimators`, :class:`_Spares`), so chunks do not wait for theirs.

Short clips (#16): 10 s clips used to run as one chunk (splitting began at
20 s), at the speed of inference on one core (core demand 1.2-1.5 of 2). They
now split from ``MIN_SPLIT_S`` (3 s); README "Speed" has the ratio to the two-core
limit for every bundled sample and real clip. What the second chunk
still pays: the decode from the keyframe before its warm-up (a 720p clip with
keyframes 8 s apart decodes 4.8 s of frames it does not estimate; 0.15 s of CPU
once its non-reference frames are skipped, 0.23 s before) and ``WARMUP_S`` of
frames estimated twice.
On long clips (measured before #16, 1 s warm-up): the 10-minute 40 Mbit/s
1080p clip ran at 48.5 frames/s, ratio 0.99, core demand 2.00, peak RSS 532 MB.

So: two chunks for clips of at least ``MIN_SPLIT_S`` seconds in a container
with a seek index; overlap only for shorter clips and GIFs, and whenever
``workers=1``.
``max_side`` does not pay on this machine: area-downscaling 1080p in swscale
costs what MediaPipe's own resize saves (35.8 ms CPU a frame at full size,
37-39 ms at 1280-480 px), and it moves landmarks by a median 1.3-2.3 px
(1080p pixels; 95th percentile 6-8 px).

Awkward frames (``bench/detection.py``, README "Recording conditions"). Frames
are decoded at their display shape (the file's SAR). A squashed picture with
no SAR (a re-encode to another frame shape) makes MediaPipe miss the person
in many frames (38 % found in a 4:3 sample squashed to 9:16): when under
``PROBE_BELOW`` of the frames have a person, each chunk has kept a few missed
and found frames (:class:`_ProbeKeeper`, no extra decoding), :func:`probe_aspect`
re-runs them at the widths that restore the camera shapes in ``ASPECTS``, and
a shape that finds the person in more of them is extracted again (all
frames; the sequence then has that display size). Normal clips never pay
for this: their person is found in every frame. Small people are the pose
backend's business (crops, :mod:`formcheck.pose.estimator`).

The frame-by-frame path is :class:`PoseStream`: ``step(t, rgb)`` or
``step_frame(av_frame)`` → :class:`~formcheck.pose.estimator.FramePose`,
recording rows that become a ``PoseSequence``. ``extract_pose`` uses it for
every frame, and the live UI can use it too; frames reach the estimator
through :func:`formcheck.pose.video.frame_to_rgb` in both cases, so the same
frames give the same landmarks.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import queue
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError, FormcheckWarning, NoPersonFound
from formcheck.pose.landmarks import N_LANDMARKS
from formcheck.pose.sequence import PoseSequence, SourceMeta
from formcheck.pose.video import VideoReader, damage_message, frame_to_rgb, open_video

if TYPE_CHECKING:
    from formcheck.pose.estimator import FramePose, PoseEstimator

__all__ = [
    "MIN_SPLIT_S",
    "Chunk",
    "WARMUP_S",
    "ChunkTiming",
    "EstimatorFactory",
    "ExtractTimings",
    "PoseStream",
    "extract_pose",
    "length_aspect",
    "plan_chunks",
    "preload_estimators",
    "probe_aspect",
]

MIN_SPLIT_S = 3.0
"""Clips shorter than this (seconds) run as one chunk (decode/inference overlap only)."""
WARMUP_S = 0.1
"""Seconds the second chunk runs before its cut, results discarded: its last warm-up frame
must match the first chunk's pose there, or it is run again from 0. What follows a frame
(the followed person, the crop) is set by that frame's pose, so a few frames suffice
(0.3 s until #16's second pass: 0.2 s less is 1.5-2 % of a 10 s clip's CPU)."""
_JOIN_ATOL = 1e-4  # normalised image units: "the same pose" at the join
_QUEUE_FRAMES = 2  # decoded frames waiting per chunk: 2 x 6 MB at 1080p
_PROGRESS_EVERY_S = 0.25
_BLOCK = 1024  # frames of landmark rows per allocation
_MANY_PEOPLE_SHARE = 0.1  # warn when 2+ people are in view in at least this share of frames
_LOW_DETECTION = 0.5  # warn when the person is found in fewer than this share of frames
ASPECTS = (16 / 9, 9 / 16, 4 / 3, 3 / 4)
"""Display shapes (width / height) cameras record; a squashed clip is probed back to one."""
PROBE_BELOW = 0.98
"""A clip whose person is found in fewer than this share of frames is probed for squashing."""
_PROBE_MISSED = 8  # frames without a person kept for the probe
_PROBE_FOUND = 6  # frames with a person kept for the probe
_PROBE_SIDE = 1920  # pixels: probe frames longer than this are shrunk (memory); smaller
# ones are kept as they are: a shrunk frame is detected differently, so it would not probe
# the frames that were missed
_PROBE_CROWD = 0.05  # several people in this share of the frames: no squash probe
_STANDARD_SHAPES = (*ASPECTS, 1.0, 3 / 2, 2 / 3)  # frame shapes a re-encode produces
_PROBE_GAIN = 2  # a shape must find the person in this many more probe frames to be used
_LENGTH_SQUARE = 1.1  # length_aspect of square pixels, side views (measured 0.96-1.27)
# Segments whose image length should stay constant as they turn in a side view:
# thighs, shanks, trunk sides, upper arms, forearms (landmark index pairs).
_SEGMENTS = ((23, 25), (24, 26), (25, 27), (26, 28), (11, 23), (12, 24),
             (11, 13), (12, 14), (13, 15), (14, 16))  # fmt: skip

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
    ``balanced``: the cut between this chunk and its neighbour is decided as they run
    (:class:`_Balance`); the second chunk's ``warm_from`` and ``start`` are then the
    earliest warm-up start and cut.
    """

    start: float
    stop: float
    warm_from: float
    balanced: bool = False


class _Balance:
    """The cut between two chunks, decided while the second decodes its lead-in.

    Planned in advance, the cut has to guess what the second chunk's lead-in costs (the
    frames from the keyframe before its warm-up, decoded only as references), and that
    depends on the clip: on the 9.1 s 720p TUG clip (2.4 Mbit/s, keyframes 8 s apart)
    0.2 s for 146 frames, on the rendered samples 0.02 s for 186. A fixed guess left the
    first chunk 0.2-0.35 s behind the second on the samples, one core idle meanwhile.
    Here the second chunk asks at each lead-in packet (:meth:`start_here`): it starts when
    its work from there (the warm-up, then up to the clip's end) equals what the first
    chunk has left (from the frame it is on, :meth:`admit`, to that cut). The first chunk
    runs until the cut. The cut always falls after every frame the first chunk has taken,
    so no frame is estimated by both or by neither; if the second chunk never starts
    (its lead-in reaches the end of the file), the first one covers the whole clip.
    """

    def __init__(self, end_s: float, fps: float) -> None:
        self.end_s = end_s
        # offers move on in jumps (a P-frame's PTS runs ahead of the B-frames shown
        # before it; H.264 reorders up to 16 frames): a jump is counted up to that
        self.max_jump_s = 16 / fps if fps > 0 and np.isfinite(fps) else 1.0
        self.cut = float("inf")
        self._at = -float("inf")  # the first chunk's latest frame (s)
        self._offered = -float("inf")  # the second chunk's latest start offered (s)
        self._jump = 0.0
        self._lock = threading.Lock()

    def admit(self, t: float) -> bool:
        """The first chunk may estimate its frame at ``t`` seconds (False: the cut is reached)."""
        with self._lock:
            if t >= self.cut:
                return False
            self._at = max(self._at, t)
            return True

    def start_here(self, start_s: float) -> bool:
        """The second chunk starts its warm-up at ``start_s`` seconds (sets the cut)."""
        with self._lock:
            if start_s > self._offered:
                if np.isfinite(self._offered):
                    self._jump = min(start_s - self._offered, self.max_jump_s)
                self._offered = start_s
            at = max(self._at, 0.0)
            balanced = (self.end_s + at - WARMUP_S) / 2
            # the nearest offer to the balance, not the first after it: offers move in jumps
            if start_s + self._jump / 2 < balanced or start_s + WARMUP_S <= self._at:
                return False
            self.cut = start_s + WARMUP_S
            return True


@dataclass
class _Shared:
    """State the chunk threads share with the calling thread."""

    covered: list[float]
    abort: threading.Event = field(default_factory=threading.Event)
    balance: _Balance | None = None


@dataclass
class _ChunkResult:
    arrays: dict[str, NDArray[Any]]
    truncated: bool = False
    decoded_s: float = 0.0
    untimed_errors: int = 0
    damaged_s: tuple[float, ...] = ()
    probes: list[_Probe] = field(default_factory=list)
    timing: ChunkTiming | None = None
    last_warm: tuple[float, NDArray[np.float32] | None] | None = None  # (t, image) dropped
    chunk: Chunk | None = None  # as run: a balanced chunk with its cut decided


@dataclass
class ChunkTiming:
    """Where one chunk's time went (wall seconds, measured in its thread).

    ``load_s``: building its estimator (model load); ``first_frame_s``: opening
    the file, seeking and decoding up to the first frame it wants (frames
    between the keyframe and ``warm_from`` are decoded but not converted);
    ``wait_s``: waiting for decoded frames after the first one (decoding that
    did not overlap with inference); ``infer_s``: inside ``estimate``, of which
    ``warm_infer_s`` on the ``warm_frames`` dropped before the chunk's start;
    ``total_s``: the whole chunk, from thread start to its result.
    """

    start: float
    stop: float
    warm_from: float
    load_s: float = 0.0
    first_frame_s: float = 0.0
    wait_s: float = 0.0
    infer_s: float = 0.0
    warm_infer_s: float = 0.0
    frames: int = 0
    warm_frames: int = 0
    total_s: float = 0.0


@dataclass
class ExtractTimings:
    """Where ``extract_pose``'s time went (wall seconds): ``plan_s`` (opening the file to
    plan the chunks), one :class:`ChunkTiming` per chunk (per pass: a squashed clip is
    extracted twice), ``chunks_s`` (all chunks, wall), ``join_s`` (assembling the rows)."""

    plan_s: float = 0.0
    chunks: list[ChunkTiming] = field(default_factory=list)
    chunks_s: float = 0.0
    join_s: float = 0.0


@dataclass(frozen=True)
class _Decode:
    """How chunks decode: ``max_side`` (pixels) and ``pixel_aspect`` (None: the file's SAR)."""

    max_side: int | None = None
    pixel_aspect: float | None = None


@dataclass(frozen=True)
class _Probe:
    """A frame kept for the aspect probe: time (s), RGB (at most ``_PROBE_SIDE`` px), found."""

    t: float
    rgb: NDArray[np.uint8]
    found: bool


class _ProbeKeeper:
    """Keeps a few frames while a chunk runs: up to ``_PROBE_MISSED`` in which nobody was
    found and ``_PROBE_FOUND`` in which somebody was, spread over the chunk's time."""

    def __init__(self, span_s: float) -> None:
        span = span_s if np.isfinite(span_s) and span_s > 0 else 10.0
        self.gap = {False: span / _PROBE_MISSED, True: span / _PROBE_FOUND}
        self.last = {False: -np.inf, True: -np.inf}
        self.limit = {False: _PROBE_MISSED, True: _PROBE_FOUND}
        self.kept: list[_Probe] = []

    def offer(self, t: float, rgb: NDArray[np.uint8], found: bool) -> None:
        if t - self.last[found] < self.gap[found]:
            return
        if sum(p.found == found for p in self.kept) >= self.limit[found]:
            return
        self.last[found] = t
        self.kept.append(_Probe(t, _shrink(rgb, _PROBE_SIDE), found))


def _shrink(rgb: NDArray[np.uint8], side: int) -> NDArray[np.uint8]:
    """``rgb`` with its longer side at most ``side`` pixels (area averaging)."""
    height, width = rgb.shape[:2]
    if max(height, width) <= side:
        return rgb.copy()
    scale = side / max(height, width)
    return _resize(rgb, max(2, round(width * scale)), max(2, round(height * scale)))


def _resize(rgb: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    import av

    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return np.ascontiguousarray(
        frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")
    )


def plan_chunks(reader: VideoReader, workers: int, min_split_s: float) -> list[Chunk]:
    """One chunk, or two whose cut is balanced as they run (see the module docstring).

    The second chunk decodes from the keyframe at or before the earliest warm-up start
    that could balance them (half of the clip), skipping non-reference frames, and
    :class:`_Balance` takes the cut where the two chunks' remaining work is equal;
    the first chunk stops there.
    """
    duration = reader.duration_s
    if workers < 2 or not np.isfinite(duration) or duration < min_split_s or not reader.seekable:
        return [Chunk(0.0, float("inf"), 0.0)]
    earliest = max(0.0, (duration - WARMUP_S) / 2)
    return [Chunk(0.0, float("inf"), 0.0, balanced=True),
            Chunk(earliest + WARMUP_S, float("inf"), earliest, balanced=True)]  # fmt: skip


def _run_chunk(
    path: Path,
    chunk: Chunk,
    index: int,
    make_estimator: EstimatorFactory,
    decode: _Decode,
    shared: _Shared,
) -> _ChunkResult:
    """Decode and estimate one chunk (runs in a worker thread)."""
    # With two chunks both cores are already busy: one FFmpeg thread per decoder
    # saves the memory of frame threading; alone, let FFmpeg use both cores.
    began = time.perf_counter()
    timing = ChunkTiming(chunk.start, chunk.stop, chunk.warm_from)
    threads = 1 if len(shared.covered) > 1 else None
    with open_video(
        path, max_side=decode.max_side, threads=threads, pixel_aspect=decode.pixel_aspect
    ) as reader:
        role = _Role(chunk, index, shared.balance, reader)
        loading = time.perf_counter()
        estimator = make_estimator()
        timing.load_s = time.perf_counter() - loading
        try:
            stream = PoseStream(estimator)
            last_warm = _estimate_chunk(stream, role, timing, shared, began)
        finally:
            estimator.close()
        damaged = reader.damaged_s
        timing.infer_s += timing.warm_infer_s
        timing.start, timing.stop, timing.warm_from = role.span()
        timing.total_s = time.perf_counter() - began
        return _ChunkResult(stream.arrays(), reader.truncated, reader.decoded_s,
                            reader.decode_errors - len(damaged), tuple(damaged),
                            role.keeper.kept, timing, last_warm, role.resolved())  # fmt: skip


class _Role:
    """What one chunk keeps: a planned chunk its ``start..stop``; the first of two balanced
    chunks every frame until the cut (:meth:`_Balance.admit`), the second every frame from
    the cut it decided (:meth:`_Balance.start_here`) after its warm-up."""

    def __init__(self, chunk: Chunk, index: int, balance: _Balance | None,
                 reader: VideoReader) -> None:  # fmt: skip
        self.chunk, self.index, self.reader = chunk, index, reader
        self.balance = balance if chunk.balanced else None
        self.first = self.balance is not None and index == 0
        self.second = self.balance is not None and index > 0
        end = reader.duration_s if np.isfinite(reader.duration_s) else chunk.stop
        span = end / 2 if self.balance is not None else min(chunk.stop, end) - chunk.start
        self.keeper = _ProbeKeeper(span)

    def frames(self) -> Iterator[tuple[float, NDArray[np.uint8]]]:
        if self.first:
            return self.reader.frames(warn=False)  # until the cut: see keeps()
        if self.second:
            assert self.balance is not None
            return self.reader.frames(start_s=self.chunk.warm_from, warn=False,
                                      start_when=self.balance.start_here)  # fmt: skip
        return self.reader.frames(start_s=self.chunk.warm_from, stop_s=self.chunk.stop,
                                  warn=False)  # fmt: skip

    def keeps(self, t: float) -> bool | None:
        """True: a row; False: a warm-up frame; None: past this chunk's end (stop)."""
        if self.first:
            assert self.balance is not None
            return True if self.balance.admit(t) else None
        start = self.balance.cut if self.second else self.chunk.start  # type: ignore[union-attr]
        return t >= start

    def warm_from(self) -> float:
        return self.reader.started_s if self.second else self.chunk.warm_from

    def span(self) -> tuple[float, float, float]:
        """(start, stop, warm_from) as run."""
        if self.balance is None:
            return self.chunk.start, self.chunk.stop, self.chunk.warm_from
        if self.first:
            return 0.0, self.balance.cut, 0.0
        return self.balance.cut, float("inf"), self.reader.started_s

    def resolved(self) -> Chunk:
        start, stop, warm_from = self.span()
        return Chunk(start, stop, min(warm_from, start))


def _estimate_chunk(
    stream: PoseStream, role: _Role, timing: ChunkTiming, shared: _Shared, began: float
) -> tuple[float, NDArray[np.float32] | None] | None:
    """Run ``role``'s frames through ``stream``; returns the last warm-up frame's (t, image)."""
    last_warm: tuple[float, NDArray[np.float32] | None] | None = None
    waited = time.perf_counter()
    for t, rgb in _prefetch(role.frames(), _QUEUE_FRAMES, shared.abort):
        got = time.perf_counter()
        keep = role.keeps(t)
        if keep is None:
            break
        if timing.frames + timing.warm_frames == 0:
            timing.first_frame_s = got - began - timing.load_s
        else:
            timing.wait_s += got - waited
        pose = stream.step(t, rgb, record=keep)
        waited = time.perf_counter()
        if keep:
            timing.frames += 1
            timing.infer_s += waited - got
            role.keeper.offer(t, rgb, pose.image is not None)
        else:
            timing.warm_frames += 1
            timing.warm_infer_s += waited - got
            last_warm = (t, pose.image)
        shared.covered[role.index] = t - role.warm_from()
    return last_warm


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
    timings: ExtractTimings | None = None,
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

    Awkward frames (``awkward=True``, the default): frames are decoded at the
    display shape (the file's sample aspect ratio honoured), a small person is
    followed in a crop (:class:`~formcheck.pose.estimator.MediaPipePose`), and a
    clip whose person is found in under ``PROBE_BELOW`` of the frames is
    probed for a squashed picture (:func:`probe_aspect`); when another shape
    finds the person in more frames, the clip is extracted again at that
    shape, the sequence's ``width``/``height`` are that display size
    (``meta.aspect_corrected``) and a warning says so. ``awkward=False``
    restores the earlier behaviour (stored pixels taken as square, no probe;
    the estimator factory decides about crops).

    ``timings``, when given, is filled with where the time went
    (:class:`ExtractTimings`, ``bench/extract.py`` prints it).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    source = Path(path)
    make = estimator_factory or _mediapipe_factory(model_path, follow_small=awkward)
    # the probe measures the picture's shape: no crops or tile search, which find a
    # person in a squashed picture too (squashed, with distorted landmarks)
    plain = estimator_factory or _mediapipe_factory(model_path, follow_small=False)
    decode = _Decode(max_side, None if awkward else 1.0)
    timings = timings if timings is not None else ExtractTimings()
    began = time.perf_counter()
    with open_video(
        source, max_side=max_side, threads=1, pixel_aspect=decode.pixel_aspect
    ) as reader:
        chunks = plan_chunks(reader, workers, min_split_s)
    timings.plan_s = time.perf_counter() - began
    # closed: only its metadata is used from here on (each chunk opens the file again)
    clock = (reader.duration_s, reader.fps)
    results = _run_chunks(source, chunks, make, decode, clock, progress, cancel)
    timings.chunks_s = time.perf_counter() - began - timings.plan_s
    timings.chunks += [r.timing for r in results if r.timing is not None]
    joining = time.perf_counter()
    seq = _assemble(reader, results)
    timings.join_s = time.perf_counter() - joining
    if awkward and len(seq) and seq.detection_rate < PROBE_BELOW and _may_be_squashed(seq):
        seq = _unsquash(source, seq, results, (make, plain), decode, chunks, cancel, workers)
    _SPARES.refill()  # for the next clip, while this one is analysed
    _check_people(seq, source.name)
    return seq


def _may_be_squashed(seq: PoseSequence) -> bool:
    """Worth probing for a squash: a re-encode that changes the picture's shape writes a
    standard frame shape (16:9, 4:3, ...), so an odd shape (two clips side by side, a crop)
    is no squash; and where several people are in view, missed frames are theirs (a
    narrower picture would find "a person" more often by distorting everyone)."""
    shape = seq.width / seq.height if seq.height else 0.0
    standard = any(abs(shape / s - 1.0) <= 0.03 for s in _STANDARD_SHAPES)
    crowded = float(np.mean(seq.people >= 2)) >= _PROBE_CROWD
    return standard and not crowded


def _unsquash(
    source: Path,
    seq: PoseSequence,
    results: list[_ChunkResult],
    makers: tuple[EstimatorFactory, EstimatorFactory],
    decode: _Decode,
    chunks: list[Chunk],
    cancel: threading.Event | None,
    workers: int,
) -> PoseSequence:
    """``seq``, or the clip extracted again at the shape the probe prefers (if it finds more).

    ``makers``: the extraction's estimator factory and the probe's (no crops).
    """
    make, plain = makers
    probes = sorted((p for r in results for p in r.probes), key=lambda p: p.t)
    factor = probe_aspect(probes, seq.width, seq.height, plain, workers)
    if factor == 1.0:
        return seq
    aspect = seq.meta.pixel_aspect * factor
    wider = _Decode(decode.max_side, aspect)
    with open_video(source, max_side=decode.max_side, threads=1, pixel_aspect=aspect) as reader:
        pass  # its metadata: the display size at the new shape
    again = _run_chunks(source, chunks, make, wider, (reader.duration_s, reader.fps), None, cancel)
    fixed = _assemble(reader, again, warn=False)
    if fixed.detection_rate <= seq.detection_rate:
        return seq
    warnings.warn(
        f"{source.name}: the picture looks squashed (a re-encode that changed the frame's "
        f"shape?): the person was found in {seq.detection_rate:.0%} of the frames as stored "
        f"({seq.width}x{seq.height}) and in {fixed.detection_rate:.0%} restored to "
        f"{fixed.width}x{fixed.height}, which is what was analysed",
        FormcheckWarning,
        stacklevel=3,
    )
    return dataclasses.replace(fixed, meta=dataclasses.replace(fixed.meta, aspect_corrected=True))


def probe_aspect(
    probes: list[_Probe], width: int, height: int, make: EstimatorFactory, workers: int = 2
) -> float:
    """Width factor that makes the probe frames' picture its true shape (1.0: keep it).

    Each candidate factor turns the ``width`` x ``height`` frame into one of the
    ``ASPECTS``; a fresh estimator runs over the probe frames (time order)
    rescaled by it, the candidates ``workers`` at a time (each has its own estimator,
    so the result does not depend on it: the probe of a real 10.7 s clip whose person
    walks out of view, 13 frames at 5 shapes, took 1.33 s on one core).
    A factor is chosen only if it finds the person in at least
    ``_PROBE_GAIN`` more probe frames than the stored shape; among factors that
    find the most, the one whose own landmarks give a :func:`length_aspect`
    nearest ``_LENGTH_SQUARE`` wins (limbs keep their length as they turn when
    the picture has its true shape). Measured on the squashed samples: the
    true shape reads 1.08 and 1.13, the next candidates 0.87 and 0.89.
    """
    if not probes or all(p.found for p in probes):
        return 1.0
    candidates = _candidates(width, height)
    scores: dict[float, int] = {}
    residual: dict[float, float] = {}
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="formcheck-probe") as pool:
        runs = list(pool.map(lambda factor: _probe_run(probes, factor, make), candidates))
    for factor, poses in zip(candidates, runs, strict=True):
        scores[factor] = len(poses)
        k = length_aspect(np.stack(poses), round(width * factor), height) if poses else np.nan
        residual[factor] = abs(np.log(k / _LENGTH_SQUARE)) if np.isfinite(k) else np.inf
    best = max(scores.values())
    if best < scores[1.0] + _PROBE_GAIN:
        return 1.0
    tied = [f for f in candidates if scores[f] == best]
    return min(tied, key=lambda f: (residual[f], abs(np.log(f))))


def _candidates(width: int, height: int) -> list[float]:
    """1.0 and the width factors turning ``width`` x ``height`` into each of ``ASPECTS``
    (one within 3 % of another, as 16:9 is of 1138x640, is left out)."""
    factors = [1.0]
    for aspect in ASPECTS:
        factor = aspect * height / width
        if all(abs(np.log(factor / f)) > 0.03 for f in factors):
            factors.append(round(factor, 4))
    return sorted(factors)


def _probe_run(
    probes: list[_Probe], factor: float, make: EstimatorFactory
) -> list[NDArray[np.float32]]:
    """Image landmarks (33, 4) found in the probe frames with their width scaled by ``factor``."""
    estimator = make()
    try:
        poses = []
        for probe in probes:
            height, width = probe.rgb.shape[:2]
            wide = max(2, round(width * factor))
            rgb = probe.rgb if factor == 1.0 else _resize(probe.rgb, wide, height)
            pose = estimator.estimate(rgb, probe.t)
            if pose.image is not None:
                poses.append(pose.image)
        return poses
    finally:
        estimator.close()


def length_aspect(images: NDArray[np.floating], width: int, height: int) -> float:
    """Width scale (0.2..5) that keeps limb and trunk lengths most constant across poses.

    ``images`` (N, 33, 4) normalised landmarks of a ``width`` x ``height`` frame.
    The variance of log length of each of ``_SEGMENTS`` (both ends visible) is
    summed; a wrong width scale lengthens and shortens a segment as it turns.
    On the rendered side-view samples and real side clips it reads 0.96-1.27
    for square pixels (front views, where limbs foreshorten, read up to 2.4:
    only a tie-break among shapes). NaN when fewer than 4 poses show a segment.
    """
    scales = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))
    xy = images[..., :2].astype(np.float64)
    seen = images[..., 3] >= 0.5
    cost = np.zeros_like(scales)
    used = 0
    for a, b in _SEGMENTS:
        ok = seen[:, a] & seen[:, b] & np.isfinite(xy[:, [a, b]]).all(axis=(1, 2))
        if ok.sum() < 4:
            continue
        d = (xy[ok, b] - xy[ok, a]) * [width, height]
        lengths = np.hypot(d[:, :1] * scales, d[:, 1:])  # (n, scales)
        cost += np.var(np.log(np.maximum(lengths, 1e-6)), axis=0)
        used += 1
    return float(scales[np.argmin(cost)]) if used else float("nan")


def _mediapipe_factory(
    model_path: str | os.PathLike[str] | None, *, follow_small: bool = True
) -> EstimatorFactory:
    key, make = _mediapipe_maker(model_path, follow_small)
    return lambda: _SPARES.take(key, make)


def _mediapipe_maker(
    model_path: str | os.PathLike[str] | None, follow_small: bool
) -> tuple[tuple[str, bool], Callable[[], PoseEstimator]]:
    """(spares key, a maker of fresh VIDEO-mode MediaPipe estimators) for this model."""
    from formcheck.pose.estimator import MediaPipePose
    from formcheck.pose.model_file import ensure_model

    resolved = Path(model_path) if model_path is not None else ensure_model("full")
    key = (str(resolved.resolve()), follow_small)
    return key, lambda: MediaPipePose(resolved, mode="video", follow_small=follow_small)


def preload_estimators(model_path: str | os.PathLike[str] | None = None, count: int = 2) -> None:
    """Keep ``count`` fresh MediaPipe estimators ready in this process from now on, so that
    an ``extract_pose`` with this model does not wait for its chunks' (a page does this as it
    opens; :class:`_Spares`). Makes the first ones now, in the calling thread."""
    key, make = _mediapipe_maker(model_path, follow_small=True)
    _SPARES.keep(key, count, make)
    _SPARES.fill()


class _Spares:
    """Fresh MediaPipe estimators made ahead of need, never reused.

    Making a landmarker costs 0.06 s of CPU (0.5 s for the process's first, which reads
    the model), and the chunks of one extraction make theirs one after the other (model
    loading is serialised behind :func:`~formcheck.pose.estimator._native_stderr_silenced`):
    on a 9 s clip, 0.1-0.15 s at the start with one core idle. A process that extracts
    clip after clip (the review page) asks for ``keep(key, count, make)`` and takes fresh
    ones; after each extraction :meth:`refill` makes the missing ones in a background thread,
    while the page analyses and draws. A used estimator is closed, not kept: every
    extraction starts from landmarkers that have seen nothing (``restart()`` is not relied
    on to reset MediaPipe's own state).
    """

    def __init__(self) -> None:
        self._ready: dict[tuple[str, bool], list[Any]] = {}
        self._wanted: dict[tuple[str, bool], tuple[int, Callable[[], Any]]] = {}
        self._lock = threading.Lock()
        self._filling: threading.Thread | None = None

    def keep(self, key: tuple[str, bool], count: int, make: Callable[[], Any]) -> None:
        """From now on keep ``count`` fresh estimators made by ``make`` for ``key`` (closed
        at exit: MediaPipe cannot close a landmarker once the interpreter is shutting down)."""
        with self._lock:
            if not self._wanted:
                atexit.register(self.clear)
            self._wanted[key] = (max(0, count), make)

    def take(self, key: tuple[str, bool], make: Callable[[], Any]) -> Any:
        """A fresh estimator: a ready one, else one made now by ``make``."""
        with self._lock:
            ready = self._ready.get(key, [])
            if ready:
                return ready.pop()
        return make()

    def fill(self) -> None:
        """Make the missing estimators now, in the calling thread."""
        while (job := self._missing()) is not None:
            key, make = job
            estimator = make()
            with self._lock:
                self._ready.setdefault(key, []).append(estimator)

    def refill(self) -> None:
        """:meth:`fill` in a background thread (if any are missing and none is filling)."""
        with self._lock:
            if self._filling is not None and self._filling.is_alive():
                return
            if self._next_missing() is None:
                return
            self._filling = threading.Thread(
                target=self._fill_quietly, name="formcheck-spares", daemon=True
            )
            self._filling.start()

    def _fill_quietly(self) -> None:
        try:
            self.fill()
        except Exception:  # noqa: BLE001 - a spare is an optimisation: the next take() makes one
            pass

    def _missing(self) -> tuple[tuple[str, bool], Callable[[], Any]] | None:
        with self._lock:
            return self._next_missing()

    def _next_missing(self) -> tuple[tuple[str, bool], Callable[[], Any]] | None:
        """(key, maker) of a model with fewer ready than wanted; call with the lock held."""
        for key, (count, make) in self._wanted.items():
            if len(self._ready.get(key, [])) < count:
                return key, make
        return None

    def settle(self, timeout: float | None = None) -> None:
        """Wait for a background :meth:`refill` to finish (benches, shutdown)."""
        filling = self._filling
        if filling is not None:
            filling.join(timeout)

    def clear(self) -> None:
        """Close and forget the ready estimators and the wish list (tests, shutdown)."""
        self.settle(timeout=5.0)
        with self._lock:
            ready, self._ready, self._wanted = self._ready, {}, {}
        for estimators in ready.values():
            for estimator in estimators:
                estimator.close()


_SPARES = _Spares()


def _run_chunks(
    path: Path,
    chunks: list[Chunk],
    make: EstimatorFactory,
    decode: _Decode,
    clock: tuple[float, float],
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None = None,
) -> list[_ChunkResult]:
    """Run ``chunks`` in parallel threads; ``clock``: the clip's (duration s, frames/s)."""
    duration, fps = clock
    balance = _Balance(duration, fps) if chunks[0].balanced else None
    shared = _Shared(covered=[0.0] * len(chunks), balance=balance)
    with ThreadPoolExecutor(len(chunks), thread_name_prefix="formcheck-pose") as pool:
        futures = [
            pool.submit(_run_chunk, path, chunk, i, make, decode, shared)
            for i, chunk in enumerate(chunks)
        ]
        try:
            _wait(futures, shared, duration, progress, cancel)
            results = [f.result() for f in futures]
        except BaseException:
            shared.abort.set()
            raise
    for i in range(1, len(chunks)):
        if not _joins(results[i - 1], results[i]):  # warmed up on another person: redo
            again = dataclasses.replace(results[i].chunk or chunks[i], warm_from=0.0)
            results[i] = _run_chunk(path, again, i, make, decode, shared)
    return results


def _joins(before: _ChunkResult, after: _ChunkResult) -> bool:
    """True when ``after``'s last warm-up frame has the pose ``before`` kept for that frame
    (both chunks estimate it): the second chunk follows the same person from its cut on."""
    if after.last_warm is None:
        return True
    t, image = after.last_warm
    times = before.arrays["t"]
    i = int(np.searchsorted(times, t))
    if i >= len(times) or abs(times[i] - t) > 1e-6:
        return True  # not a frame of the chunk before (a gap in the file): nothing to compare
    kept = before.arrays["image"][i]
    if image is None:
        return bool(np.isnan(kept).all())
    return bool(np.allclose(kept, image, atol=_JOIN_ATOL, equal_nan=True))


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
        # woken as soon as the chunks are done (a poll every 0.25 s returned 0.125 s late
        # on average, as long as on a 9 s clip the idle core the chunks' imbalance leaves)
        wait(pending, timeout=_PROGRESS_EVERY_S, return_when=FIRST_EXCEPTION)
    if progress is not None:
        progress(1.0)


def _assemble(
    reader: VideoReader, results: list[_ChunkResult], *, warn: bool = True
) -> PoseSequence:
    arrays = {k: np.concatenate([r.arrays[k] for r in results]) for k in results[0].arrays}
    truncated = any(r.truncated for r in results)
    meta = SourceMeta(
        source=str(reader.path),
        fps=reader.fps,
        rotation=reader.rotation,
        duration_s=reader.duration_s,
        truncated=truncated,
        pixel_aspect=reader.info.pixel_aspect,
    )
    if truncated:  # the last frame decoded, even if the file ended before the second chunk
        step = 1.0 / reader.fps if reader.fps > 0 else 0.0
        reader.truncated = True
        reader.decoded_s = float(arrays["t"][-1]) + step if len(arrays["t"]) else 0.0
        if warn:
            warnings.warn(reader.truncation_message, FormcheckWarning, stacklevel=3)
    if warn:
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
