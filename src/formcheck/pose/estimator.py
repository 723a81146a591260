"""The pose backend: MediaPipe's Tasks ``PoseLandmarker`` behind a small protocol.

This is the only module that imports mediapipe (lazily, inside
:class:`MediaPipePose`). A frame goes in as RGB ``uint8`` with a time in
seconds; out comes a :class:`FramePose` of NumPy arrays for ONE person,
followed consistently across frames by :class:`PersonSelector` (pure NumPy)
when several people are in view.

Every estimator owns its landmarker and its selector: no module-level state,
so separate processes (or threads) can each run their own estimator.

Small people. MediaPipe's person detector sees the whole frame letterboxed
to 224x224 pixels (``keep_aspect_ratio`` with zero borders, in its
``PoseDetectorGraph``), so padding a frame to a square ourselves changes
nothing, but a person a tenth of a 1080x1920 frame's height is about 20
detector pixels tall and is never found (``bench/detection.py``: 0 % of the
frames). :class:`MediaPipePose` therefore (``follow_small=True``, the default)

- follows a person whose box is under ``SMALL_PERSON`` of the frame's longer
  side in a region of interest: the next frame is cropped to a square about
  the last box (``_ROI_SCALE`` times its longer side), the landmarker runs
  on the crop and the landmarks are mapped back to the whole frame;
- when nobody is found in the whole frame, searches overlapping square tiles
  (at most once per ``search_every_s`` seconds of frame time: a search costs
  a few inferences), then follows what it finds as above.

A person taller than that is never cropped, so their landmarks are exactly
those of the plain landmarker.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FramePose",
    "MediaPipePose",
    "PersonSelector",
    "PoseEstimator",
    "SMALL_PERSON",
    "prominence",
    "region_of_interest",
    "search_tiles",
]

N_LANDMARKS = 33
# Landmarks whose bounding box stands for "the person" (all 33) and the torso
# (shoulders 11/12, hips 23/24) used to match a person between frames.
_TORSO = np.array([11, 12, 23, 24])
SMALL_PERSON = 0.18
"""A person whose visible-landmark box is under this share of the frame's longer side is
followed in a crop (measured: the rendered samples and real clips are 0.20-0.61)."""
_ROI_SCALE = 2.2  # crop side / the person's box longer side (room to stand up, step, lean)
_MIN_TILE = 96  # pixels: tiles are not made smaller than this
_RESTART_GAP_MS = 10_000  # VIDEO-mode clock gap between two clips run by one landmarker


@dataclass(frozen=True)
class FramePose:
    """The pose of the followed person in one frame.

    ``image``: (33, 4) float32, x and y normalised to the frame width and height
    (0..1, may lie slightly outside), z (relative depth, same scale as x) and
    visibility (0..1); ``None`` when no person was found.
    ``world``: (33, 3) float32, metres, origin between the hips; ``None`` likewise.
    ``people``: how many people the landmarker found in the frame.
    ``presence``: (33,) float32 landmark presence (0..1) when the model gives it.
    """

    image: NDArray[np.float32] | None
    world: NDArray[np.float32] | None
    people: int
    presence: NDArray[np.float32] | None = None

    @classmethod
    def nobody(cls, people: int = 0) -> FramePose:
        """A frame in which the followed person is not found."""
        return cls(image=None, world=None, people=people)


class PoseEstimator(Protocol):
    """Anything that turns RGB frames into :class:`FramePose` (the real one or a fake)."""

    def estimate(self, rgb: NDArray[np.uint8], t: float) -> FramePose:
        """Pose in ``rgb`` ((H, W, 3) uint8) at time ``t`` seconds."""
        ...

    def close(self) -> None:
        """Release the resources; the estimator is unusable afterwards."""
        ...


# --------------------------------------------------------------------------- selection


def _bboxes(poses: NDArray[np.floating], min_visibility: float) -> NDArray[np.float64]:
    """(P, 4) x0, y0, x1, y1 of the landmarks with visibility >= ``min_visibility``.

    ``poses`` is (P, 33, 4); a pose with fewer than 3 such landmarks uses all 33.
    """
    xy = poses[..., :2].astype(np.float64)
    seen = poses[..., 3] >= min_visibility
    seen[seen.sum(axis=1) < 3] = True
    lo = np.where(seen[..., None], xy, np.inf).min(axis=1)
    hi = np.where(seen[..., None], xy, -np.inf).max(axis=1)
    return np.concatenate([lo, hi], axis=1)


def _area(boxes: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def _iou(boxes: NDArray[np.float64], box: NDArray[np.float64]) -> NDArray[np.float64]:
    """(P,) intersection over union of each of ``boxes`` (P, 4) with ``box`` (4,)."""
    lo = np.maximum(boxes[:, :2], box[:2])
    hi = np.minimum(boxes[:, 2:], box[2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    union = _area(boxes) + _area(box[None])[0] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def prominence(poses: NDArray[np.floating], *, min_visibility: float = 0.5) -> int:
    """Index of the most prominent of ``poses`` (P, 33, 4), P >= 1.

    The largest bounding box of visible landmarks wins; boxes within 10 % of the
    largest count as a tie, broken by the box centre nearest the frame centre.
    """
    boxes = _bboxes(poses, min_visibility)
    area = _area(boxes)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    offset = np.hypot(*(centre - 0.5).T)
    candidates = area >= 0.9 * area.max()
    return int(np.argmin(np.where(candidates, offset, np.inf)))


class PersonSelector:
    """Follows one person across frames when the landmarker returns several poses.

    At the start (and after the followed person has been missing for more than
    ``lost_after`` seconds) the most prominent pose is chosen (:func:`prominence`).
    Afterwards the pose matching the last chosen one is kept: bounding-box IoU of
    at least ``min_iou``, or else a torso centre within ``max_shift`` of the last
    box's diagonal. When none matches, the person counts as missing this frame
    (``select`` returns ``None``) rather than switching to somebody else.
    """

    def __init__(
        self,
        *,
        lost_after: float = 1.0,
        min_iou: float = 0.2,
        max_shift: float = 0.5,
        min_visibility: float = 0.5,
    ) -> None:
        for name, value in (("lost_after", lost_after), ("max_shift", max_shift)):
            if not value >= 0:
                raise ValueError(f"{name} must be >= 0 seconds/fraction, got {value}")
        for name, value in (("min_iou", min_iou), ("min_visibility", min_visibility)):
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        self.lost_after = lost_after
        self.min_iou = min_iou
        self.max_shift = max_shift
        self.min_visibility = min_visibility
        self.reset()

    def reset(self) -> None:
        """Forget the followed person."""
        self._box: NDArray[np.float64] | None = None
        self._torso: NDArray[np.float64] | None = None
        self._seen_at = -math.inf

    def select(self, poses: NDArray[np.floating], t: float) -> int | None:
        """Index into ``poses`` (P, 33, 4; P may be 0) of the followed person at ``t`` seconds."""
        if t < self._seen_at:  # time went back (new clip, image mode): start over
            self.reset()
        if len(poses) == 0:
            return None
        tracking = self._box is not None and t - self._seen_at <= self.lost_after
        index = (
            self._match(poses)
            if tracking
            else prominence(poses, min_visibility=self.min_visibility)
        )
        if index is not None:
            self._remember(poses[index], t)
        return index

    def _match(self, poses: NDArray[np.floating]) -> int | None:
        assert self._box is not None and self._torso is not None
        boxes = _bboxes(poses, self.min_visibility)
        iou = _iou(boxes, self._box)
        if iou.max() >= self.min_iou:
            return int(np.argmax(iou))
        shift = np.hypot(*(poses[:, _TORSO, :2].mean(axis=1) - self._torso).T)
        diagonal = float(np.hypot(*(self._box[2:] - self._box[:2])))
        best = int(np.argmin(shift))
        return best if shift[best] <= self.max_shift * diagonal else None

    def _remember(self, pose: NDArray[np.floating], t: float) -> None:
        self._box = _bboxes(pose[None], self.min_visibility)[0]
        self._torso = pose[_TORSO, :2].astype(np.float64).mean(axis=0)
        self._seen_at = t


# --------------------------------------------------------------------------- mediapipe

_IMAGE_FIELDS = attrgetter("x", "y", "z", "visibility")
_WORLD_FIELDS = attrgetter("x", "y", "z")
_PRESENCE = attrgetter("presence")


def _as_array(
    landmarks: list[Any], fields: Callable[[Any], Any], width: int
) -> NDArray[np.float32]:
    """(33, width) float32 from MediaPipe landmark objects; an unset field (None) becomes NaN.

    ``map`` with an ``attrgetter`` keeps the per-landmark work in C (about 13 us per pose
    for image + world, see ``bench/bench_pose_backend.py``).
    """
    return np.array(list(map(fields, landmarks)), dtype=np.float32).reshape(-1, width)


class MediaPipePose:
    """:class:`PoseEstimator` running MediaPipe's Tasks ``PoseLandmarker`` on the CPU.

    ``mode="video"`` uses MediaPipe's tracking between frames and needs strictly
    increasing ``t``; ``mode="image"`` treats each frame on its own. With
    ``num_poses`` > 1 up to that many people are found (``FramePose.people``) and
    one is followed (:class:`PersonSelector`). ``model_path=None`` provisions the
    model with :func:`formcheck.pose.model_file.ensure_model`. Confidences are within 0..1;
    ``min_confidence``, when given, sets all three.

    Default ``num_poses=3``: finding several people makes MediaPipe run its
    detector on every frame (about half the frames/s of ``num_poses=1``, still
    faster than real time on 2 cores, see ``bench/bench_pose_backend.py``), and
    in exchange ``people`` is counted and the followed person is chosen by us,
    not by whichever pose MediaPipe happened to track.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        mode: Literal["video", "image"] = "video",
        num_poses: int = 3,
        min_detection_confidence: float = 0.5,
        min_presence: float = 0.5,
        min_tracking: float = 0.5,
        min_confidence: float | None = None,
        selector: PersonSelector | None = None,
        follow_small: bool = True,
        search_every_s: float = 1.0,
    ) -> None:
        if not search_every_s >= 0:
            raise ValueError(f"search_every_s must be >= 0 seconds, got {search_every_s!r}")
        if min_confidence is not None:
            min_detection_confidence = min_presence = min_tracking = min_confidence
        _check_options(mode, num_poses, min_detection_confidence, min_presence, min_tracking)
        if model_path is None:
            from formcheck.pose.model_file import ensure_model

            model_path = ensure_model("full")
        self.mode = mode
        self.num_poses = num_poses
        self.selector = selector if selector is not None else PersonSelector()
        self._last_t = -math.inf
        self._last_ms = -1
        self._base_ms = 0  # added to frame times: moved on by restart()
        self._first = True
        self.follow_small = follow_small
        self.search_every_s = search_every_s
        self._roi: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 pixels
        self._searched_at = -math.inf
        self._settings = (
            Path(model_path), num_poses, min_detection_confidence, min_presence, min_tracking
        )
        self._landmarker = _create_landmarker(
            Path(model_path), mode, num_poses, min_detection_confidence, min_presence, min_tracking
        )
        self._finalizer = _finalizer(self, self._landmarker)
        self._cropper: Any = None  # IMAGE-mode landmarker for crops, made when first needed
        self._crop_finalizer: weakref.finalize | None = None

    def estimate(self, rgb: NDArray[np.uint8], t: float) -> FramePose:
        """Pose of the followed person in ``rgb`` ((H, W, 3) uint8 RGB) at ``t`` seconds.

        Raises ``ValueError`` for a wrong image, a non-finite ``t``, or (video
        mode) a ``t`` not after the previous one.
        """
        if self._landmarker is None:
            raise ValueError("this MediaPipePose is closed")
        image = _mp_image(rgb)
        if self.mode == "video":
            call = partial(self._landmarker.detect_for_video, image, self._timestamp_ms(t))
        else:
            _check_time(t)
            call = partial(self._landmarker.detect, image)
        if t < self._searched_at:  # time went back (a new clip in image mode): start over
            self._searched_at, self._roi = -math.inf, None
        if self.follow_small and self._roi is not None:
            found = self._in_crop(rgb, self._roi)
            if found.count:
                return self._choose(found, t, rgb.shape)
            self._roi = None  # lost in the crop: look at the whole frame
        found = _Found.of(self._run(call))
        if self.follow_small and not found.count and t - self._searched_at >= self.search_every_s:
            self._searched_at = t
            if self._cropper is None:  # the crop landmarker's first calls log natively
                with _native_stderr_silenced():
                    found = self._search(rgb)
            else:
                found = self._search(rgb)
        return self._choose(found, t, rgb.shape)

    def _run(self, call: Callable[[], Any]) -> Any:
        if self._first:  # the first inference logs a few native warnings
            with _native_stderr_silenced():
                result = call()
            self._first = False
            return result
        return call()

    def _in_crop(self, rgb: NDArray[np.uint8], box: tuple[int, int, int, int]) -> _Found:
        """People found in ``rgb[box]`` (IMAGE mode), landmarks mapped to the whole frame."""
        if self._cropper is None:
            path, num_poses, detection, presence, tracking = self._settings
            self._cropper = _create_landmarker(
                path, "image", num_poses, detection, presence, tracking
            )
            self._crop_finalizer = _finalizer(self, self._cropper)
            with _native_stderr_silenced():  # its first inference logs native warnings too
                return self._crop_once(rgb, box)
        return self._crop_once(rgb, box)

    def _crop_once(self, rgb: NDArray[np.uint8], box: tuple[int, int, int, int]) -> _Found:
        x0, y0, x1, y1 = box
        crop = _mp_image(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
        return _Found.of(self._cropper.detect(crop)).mapped(box, rgb.shape)

    def _search(self, rgb: NDArray[np.uint8]) -> _Found:
        """People in overlapping tiles (largest tiles first, stopping at the first find)."""
        for level in search_tiles(rgb.shape[1], rgb.shape[0]):
            for box in level:
                found = self._in_crop(rgb, box)
                if found.count:
                    return found
        return _Found.of(None)

    def _choose(self, found: _Found, t: float, shape: tuple[int, ...]) -> FramePose:
        """The followed person among ``found``; sets the region of interest for the next frame."""
        if self.num_poses == 1:  # nothing to choose from
            index: int | None = 0 if found.count else None
        else:
            index = self.selector.select(found.images, t)
        if index is None:
            return FramePose.nobody(found.count)
        if self.follow_small:
            self._roi = region_of_interest(found.images[index], shape[1], shape[0])
        return FramePose(
            image=found.images[index],
            world=found.worlds[index],
            people=found.count,
            presence=found.presences[index],
        )

    def _timestamp_ms(self, t: float) -> int:
        """Integer milliseconds for MediaPipe, strictly increasing even for sub-ms spacing."""
        _check_time(t)
        if not t > self._last_t:
            raise ValueError(
                f"video mode needs strictly increasing times: got t={t!r} s "
                f"after t={self._last_t!r} s"
            )
        ms = max(self._base_ms + int(round(t * 1000.0)), self._last_ms + 1)
        self._last_t, self._last_ms = t, ms
        return ms

    def restart(self) -> None:
        """Forget the clip, keep the landmarkers: the next frame may have any time (a new clip).

        Loading a landmarker costs 0.3-0.4 s of CPU (``bench/extract.py``), so a
        process that analyses clip after clip keeps its estimators and restarts
        them. The followed person, the crop and the search clock are forgotten;
        MediaPipe's VIDEO-mode clock moves on by ``_RESTART_GAP_MS`` (its
        timestamps must keep increasing), a gap after which a tracker, if the
        model had one, would have lost the person and detect afresh.
        """
        if self._landmarker is None:
            raise ValueError("this MediaPipePose is closed")
        self.selector.reset()
        self._roi, self._searched_at = None, -math.inf
        self._last_t = -math.inf
        self._base_ms = self._last_ms + _RESTART_GAP_MS

    def close(self) -> None:
        """Release the landmarker (idempotent)."""
        self._finalizer()
        self._landmarker = None
        if self._crop_finalizer is not None:
            self._crop_finalizer()
        self._cropper = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _Found:
    """The people of one landmarker result: ``images`` (P, 33, 4) normalised to the frame,
    ``worlds`` and ``presences`` one entry (or None) per person."""

    images: NDArray[np.float32]
    worlds: list[NDArray[np.float32] | None]
    presences: list[NDArray[np.float32] | None]

    @property
    def count(self) -> int:
        return len(self.images)

    @classmethod
    def of(cls, result: Any) -> _Found:
        people = [] if result is None else result.pose_landmarks
        world = [] if result is None else result.pose_world_landmarks
        images = [_as_array(p, _IMAGE_FIELDS, 4) for p in people]
        return cls(
            images=np.stack(images) if images else np.empty((0, N_LANDMARKS, 4), np.float32),
            worlds=[_as_array(w, _WORLD_FIELDS, 3) for w in world[: len(people)]]
            + [None] * (len(people) - len(world)),
            presences=[_presence(p) for p in people],
        )

    def mapped(self, box: tuple[int, int, int, int], shape: tuple[int, ...]) -> _Found:
        """Landmarks found in crop ``box`` (x0, y0, x1, y1 pixels) of a frame of ``shape``
        (H, W, ...), in the whole frame's normalised units (z scales like x)."""
        x0, y0, x1, y1 = box
        height, width = shape[0], shape[1]
        images = self.images.copy()
        images[..., 0] = (images[..., 0] * (x1 - x0) + x0) / width
        images[..., 1] = (images[..., 1] * (y1 - y0) + y0) / height
        images[..., 2] *= (x1 - x0) / width
        return _Found(images, self.worlds, self.presences)


def region_of_interest(
    pose: NDArray[np.floating], width: int, height: int
) -> tuple[int, int, int, int] | None:
    """The crop (x0, y0, x1, y1 pixels) to find ``pose`` ((33, 4), normalised) in next,
    or None when the person is not small (box side >= ``SMALL_PERSON`` of the longer side).

    A square of ``_ROI_SCALE`` times the box's longer side about its centre (at most
    the frame's shorter side), moved (not shrunk) to lie inside the frame: always square,
    as MediaPipe's landmark projection expects of a region.
    """
    box = _bboxes(np.asarray(pose)[None], 0.5)[0] * [width, height, width, height]
    side = float(max(box[2] - box[0], box[3] - box[1]))
    if not np.isfinite(side) or side >= SMALL_PERSON * max(width, height):
        return None
    side = min(max(side * _ROI_SCALE, _MIN_TILE), min(width, height))
    centre = (box[:2] + box[2:]) / 2
    x0, y0 = (_place(c, side, n) for c, n in zip(centre, (width, height), strict=True))
    whole = int(round(side))
    return x0, y0, x0 + whole, y0 + whole


def _place(centre: float, side: float, size: int) -> int:
    """Start of a span of ``side`` about ``centre`` kept within 0..``size``."""
    return int(min(max(round(centre - side / 2), 0), max(size - round(side), 0)))


def search_tiles(width: int, height: int) -> list[list[tuple[int, int, int, int]]]:
    """Overlapping square tiles (x0, y0, x1, y1) of a ``width`` x ``height`` frame, by level:
    side = the shorter side, then half of it (half-side overlap), never under ``_MIN_TILE``."""
    levels = []
    for side in (min(width, height), min(width, height) // 2):
        if side < _MIN_TILE:
            break
        xs, ys = _starts(width, side), _starts(height, side)
        levels.append([(x, y, x + side, y + side) for y in ys for x in xs])
    return levels


def _starts(size: int, side: int) -> list[int]:
    """Starts of tiles of ``side`` covering 0..``size`` with about half a tile's overlap."""
    if size <= side:
        return [0]
    count = int(math.ceil((size - side) / (side / 2))) + 1
    return [int(round(i * (size - side) / (count - 1))) for i in range(count)]


def _finalizer(owner: object, landmarker: Any) -> weakref.finalize:
    """Closes ``landmarker`` when ``owner`` is collected or closed, and at the latest at
    interpreter exit *before* thread pools shut down: mediapipe runs its C calls on a
    thread pool, and a landmarker left open until module teardown prints a traceback.
    """
    finalizer = weakref.finalize(owner, _close_landmarker, landmarker)
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        try:
            register(finalizer)  # runs before concurrent.futures' own exit hook
            finalizer.atexit = False
        except RuntimeError:  # already shutting down: keep the plain atexit hook
            pass
    return finalizer


def _close_landmarker(landmarker: Any) -> None:
    try:
        with _native_stderr_silenced():
            landmarker.close()
    except RuntimeError:  # mediapipe's thread pool is already gone (interpreter exit)
        pass


def _presence(landmarks: list[Any]) -> NDArray[np.float32] | None:
    values = list(map(_PRESENCE, landmarks))
    if any(v is None for v in values):
        return None
    return np.array(values, dtype=np.float32)


def _check_options(
    mode: str, num_poses: int, detection: float, presence: float, tracking: float
) -> None:
    if mode not in ("video", "image"):
        raise ValueError(f"mode must be 'video' or 'image', got {mode!r}")
    if not isinstance(num_poses, int) or num_poses < 1:
        raise ValueError(f"num_poses must be an integer >= 1, got {num_poses!r}")
    for name, value in (
        ("min_detection_confidence", detection),
        ("min_presence", presence),
        ("min_tracking", tracking),
    ):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be within 0..1, got {value!r}")


def _check_time(t: float) -> None:
    if not math.isfinite(t):
        raise ValueError(f"the frame time must be a finite number of seconds, got {t!r}")


def _mp_image(rgb: NDArray[np.uint8]) -> Any:
    """A MediaPipe SRGB image of ``rgb`` ((H, W, 3) uint8)."""
    import mediapipe as mp

    if (
        not isinstance(rgb, np.ndarray)
        or rgb.dtype != np.uint8
        or rgb.ndim != 3
        or rgb.shape[2] != 3
    ):
        shape = getattr(rgb, "shape", None)
        dtype = getattr(rgb, "dtype", type(rgb).__name__)
        raise ValueError(f"expected an RGB image of shape (H, W, 3) uint8, got {shape} {dtype}")
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise ValueError(f"the image is too small: {rgb.shape[1]}x{rgb.shape[0]} pixels")
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))


def _create_landmarker(
    path: Path, mode: str, num_poses: int, detection: float, presence: float, tracking: float
) -> Any:
    """A MediaPipe ``PoseLandmarker`` for the CPU; raises ``ModelUnavailable`` if it won't load."""
    from mediapipe.tasks.python import BaseOptions, vision

    from formcheck.errors import ModelUnavailable

    _refuse_usage_logging()
    running = vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=running,
        num_poses=num_poses,
        min_pose_detection_confidence=detection,
        min_pose_presence_confidence=presence,
        min_tracking_confidence=tracking,
        output_segmentation_masks=False,
    )
    try:
        with _native_stderr_silenced():
            return vision.PoseLandmarker.create_from_options(options)
    except (RuntimeError, ValueError, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelUnavailable(f"cannot load the pose model {path}: {first}") from err


# MediaPipe's PyPI library reports task usage to play.googleapis.com/log through libcurl, with
# no switch to turn it off. libcurl honours https_proxy: pointing it at a closed loopback port
# (discard, 9) makes the report fail on this machine, without even a DNS lookup. It is set in
# the C environment only (libc setenv), which native code reads; Python's os.environ, and so
# urllib and the programs formcheck starts with it (pip in model.py), keep the user's settings.
# tests/browser/test_privacy_network.py and tests/test_cli_analyze.py check it under strace.
_NO_NETWORK_PROXY = b"http://127.0.0.1:9"
_REFUSED = False


def _refuse_usage_logging() -> None:
    """Send MediaPipe's usage report to a closed loopback port (process-wide, once)."""
    global _REFUSED
    if _REFUSED:
        return
    import ctypes

    try:
        setenv = ctypes.CDLL(None).setenv
    except (OSError, AttributeError):  # no C setenv (Windows): the Python environment then
        for key in ("https_proxy", "HTTPS_PROXY"):
            os.environ[key] = _NO_NETWORK_PROXY.decode()
    else:
        setenv.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        for raw in (b"https_proxy", b"HTTPS_PROXY"):
            setenv(raw, _NO_NETWORK_PROXY, 1)
    _REFUSED = True


_STDERR_LOCK = threading.RLock()  # re-entrant: a search silences the crop landmarker it creates


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null meanwhile: MediaPipe's C++ code prints dozens
    of INFO/WARNING lines when a model loads. ``FORMCHECK_NATIVE_LOGS=1`` keeps them.
    Python exceptions are unaffected; a lock keeps concurrent threads from interleaving.
    """
    if os.environ.get("FORMCHECK_NATIVE_LOGS"):
        yield
        return
    with _STDERR_LOCK:
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no usable stderr: nothing to silence
            yield
            return
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
