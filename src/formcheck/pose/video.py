"""Decode a video file into upright RGB frames with timestamps, using PyAV.

``open_video(path)`` checks the file and returns a :class:`VideoReader`
(a context manager). Iterating it yields ``(t, rgb)``:

- ``t``: float seconds from the container's presentation times
  (``pts * time_base``), re-based so the first frame is at 0. Variable frame
  rate clips keep their true times; nothing is computed as ``index / fps``.
  A frame whose time is not later than the previous one (duplicate or
  backwards PTS) is dropped and counted in ``dropped_frames``; a frame with
  no PTS gets the previous time plus one nominal frame step. So ``t`` is
  strictly increasing, deterministically.
- ``rgb``: ``(H, W, 3)`` uint8, C-contiguous, turned upright using the
  display matrix (phone clips recorded in portrait), at the display shape:
  a file whose pixels are not square (a sample aspect ratio, SAR, other than
  1:1, as anamorphic HDV or some phone re-encodes store) has its width scaled
  by the SAR, as a player does, so a body keeps its proportions and pixel
  angles are true; ``pixel_aspect=`` overrides the file's SAR (a clip whose
  picture was squashed by a re-encode that left no SAR, see
  :mod:`formcheck.pose.extract`). Optionally downscaled so its longer side is at
  most ``max_side`` pixels. Scaling and the RGB conversion happen in one
  swscale pass (PyAV ``reformat``); the quarter turns are a NumPy ``rot90``
  copy afterwards.

Why PyAV rather than ``cv2.VideoCapture``: OpenCV 5.x decoded the same
clips 6-15 times slower here, and PyAV exposes PTS and the display matrix.
Decoding uses FFmpeg's own threads (``thread_type = "AUTO"``) and releases
the GIL, so a decode thread overlaps with pose inference.

Every failure to read the file raises :class:`~formcheck.errors.VideoUnreadable`
with a one-line message that says what the file is (missing, empty, a still
image, text, audio only, an MP4 whose index was never written, ...). A file
that stops early (a cut-off download or recording) yields what decodes, then
sets ``truncated`` and, unless ``frames(warn=False)`` was used, warns with a
:class:`~formcheck.errors.FormcheckWarning` naming how much was read.
"""

from __future__ import annotations

import os
import struct
import warnings
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckWarning, VideoUnreadable

__all__ = [
    "VideoInfo",
    "VideoReader",
    "damage_message",
    "display_width",
    "frame_to_rgb",
    "open_video",
    "output_size",
]

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_TRUNCATION_SLACK_S = 0.25  # a clip ending this much (or 3 frames) early is "truncated"


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself.

    ``width``/``height``: upright display size of the source in pixels (after
    the pixel aspect and the display rotation, before any ``max_side``
    downscale). ``fps``: average frame rate (informative only). ``rotation``:
    clockwise degrees (0, 90, 180, 270) applied to make frames upright.
    ``duration_s``: the duration the container declares (NaN if unknown).
    ``frame_count``: frames the container declares, or None.
    ``pixel_aspect``: width / height of one stored pixel as displayed (the
    file's SAR, 1.0 when it has none, or the ``pixel_aspect`` asked for);
    ``stored_width``/``stored_height``: the coded frame size (not rotated).
    """

    path: str
    width: int
    height: int
    fps: float
    rotation: int
    duration_s: float
    frame_count: int | None
    codec: str
    container: str
    pixel_aspect: float = 1.0
    stored_width: int = 0
    stored_height: int = 0


def output_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Size ``(w, h)`` shrunk so the longer side is at most ``max_side`` (never enlarged)."""
    if max_side is None or max(width, height) <= max_side:
        return width, height
    if max_side < 16:
        raise ValueError(f"max_side must be at least 16 pixels, got {max_side}")
    scale = max_side / max(width, height)
    return max(2, round(width * scale)), max(2, round(height * scale))


def frame_to_rgb(
    frame: Any, *, size: tuple[int, int] | None = None, rotation: int = 0
) -> NDArray[np.uint8]:
    """A decoded ``av.VideoFrame`` as upright RGB ``(H, W, 3)`` uint8, C-contiguous.

    ``size`` is the wanted upright ``(width, height)`` (None: the frame's own),
    scaled in the same swscale pass as the RGB conversion (area averaging);
    ``rotation`` the clockwise degrees (0, 90, 180, 270) that make it upright.
    Files (:class:`VideoReader`) and live webcam frames both go through this,
    so the same frame gives the same pixels, hence the same landmarks.
    """
    if rotation not in (0, 90, 180, 270):
        raise ValueError(f"rotation must be 0, 90, 180 or 270 degrees, got {rotation}")
    if size is None:
        size = (frame.height, frame.width) if rotation in (90, 270) else (frame.width, frame.height)
    width, height = (size[1], size[0]) if rotation in (90, 270) else size
    if (width, height) == (frame.width, frame.height):
        rgb = frame.to_ndarray(format="rgb24")
    else:
        rgb = frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")
    if rotation:
        rgb = np.rot90(rgb, k=-rotation // 90)
    return np.ascontiguousarray(rgb)


def open_video(
    path: str | os.PathLike[str],
    *,
    max_side: int | None = None,
    threads: int | None = None,
    pixel_aspect: float | None = None,
) -> VideoReader:
    """Open ``path`` for decoding; raises ``VideoUnreadable`` (one-line reason) if it cannot.

    ``threads``: FFmpeg decoding threads (None: FFmpeg's automatic choice).
    ``pixel_aspect``: display width / height of a stored pixel (None: the file's SAR).
    """
    return VideoReader(path, max_side=max_side, threads=threads, pixel_aspect=pixel_aspect)


class VideoReader:
    """A checked, open video file; iterate it for ``(t seconds, rgb (H, W, 3) uint8)``.

    The first frame is decoded when the reader is built (so an undecodable
    file fails here, not half-way). Iterate once. After iteration,
    ``truncated``, ``decoded_s``, ``decode_errors`` and ``dropped_frames``
    describe what happened.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_side: int | None = None,
        threads: int | None = None,
        pixel_aspect: float | None = None,
    ) -> None:
        if pixel_aspect is not None and not 0.1 <= pixel_aspect <= 10:
            raise ValueError(f"pixel_aspect must be within 0.1..10, got {pixel_aspect!r}")
        self.path = _check_file(Path(path))
        self.name = self.path.name
        self.truncated = False
        self.decoded_s = 0.0
        self.decode_errors = 0
        self._damaged_pts: list[int] = []
        self.dropped_frames = 0
        self._read_error = False
        self._used = False
        self.started_s = 0.0
        self._container = _open_container(self.path)
        try:
            self._stream = _video_stream(self._container, self.name)
            self._stream.codec_context.thread_type = "AUTO"
            if threads is not None:
                self._stream.codec_context.thread_count = max(1, int(threads))
            self._frames = self._decoded_frames()
            self._pending = _first_frames(self._frames, self.name, self._container)
        except BaseException:
            self._container.close()
            raise
        self._pts0 = self._pending[0].pts
        self.info = _info(
            self.path, self._container, self._stream, self._pending[0], pixel_aspect
        )
        self.frame_width, self.frame_height = output_size(
            self.info.width, self.info.height, max_side
        )

    # -- context manager -------------------------------------------------
    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file (safe to call twice)."""
        self._container.close()

    # -- metadata shortcuts ----------------------------------------------
    @property
    def width(self) -> int:
        return self.info.width

    @property
    def height(self) -> int:
        return self.info.height

    @property
    def fps(self) -> float:
        return self.info.fps

    @property
    def rotation(self) -> int:
        return self.info.rotation

    @property
    def duration_s(self) -> float:
        return self.info.duration_s

    @property
    def truncation_message(self) -> str:
        """One line saying how much of a truncated file was read ('' if not truncated)."""
        if not self.truncated:
            return ""
        total = f"{self.duration_s:.1f} s" if np.isfinite(self.duration_s) else "an unknown length"
        return (
            f"{self.name}: the file is truncated (damaged or cut off): analysed the first "
            f"{self.decoded_s:.1f} s of {total}"
        )

    @property
    def damaged_s(self) -> list[float]:
        """Times (s, on the frames' clock) of packets that could not be decoded."""
        if not self._damaged_pts:
            return []
        base = float(self._stream.time_base or 1)
        return sorted((p - (self._pts0 or 0)) * base for p in self._damaged_pts)

    @property
    def damage_message(self) -> str:
        """One line on damaged packets inside the file ('' if none)."""
        return damage_message(self.name, self.decode_errors, self.damaged_s)

    # -- frames ----------------------------------------------------------
    def __iter__(self) -> Iterator[tuple[float, NDArray[np.uint8]]]:
        return self.frames()

    @property
    def seekable(self) -> bool:
        """True when the container has a seek index (MP4, MOV, MKV...; not GIF)."""
        return len(self._stream.index_entries) > 0

    def frames(
        self,
        *,
        start_s: float = 0.0,
        stop_s: float = float("inf"),
        warn: bool = True,
        start_when: Callable[[float], bool] | None = None,
    ) -> Iterator[tuple[float, NDArray[np.uint8]]]:
        """Yield ``(t, rgb)`` with ``start_s <= t < stop_s`` in presentation order.

        ``t`` is on the same clock whatever ``start_s`` is (0 = the file's first
        frame). ``start_s > 0`` seeks to the keyframe before it and decodes
        forward (frames before ``start_s`` are not converted). The truncation
        check happens only when the end of the file is reached. With
        ``warn=False`` a truncated file only sets ``truncated`` (the caller
        reports it), which suits callers iterating in another thread.

        ``start_when``: the start is decided while decoding. From the keyframe at or
        before ``start_s`` every packet is first offered: ``start_when(s)`` (seconds,
        just after every frame sent to the decoder so far) returns True to start at ``s``;
        until then the frames are a lead-in (non-reference ones skipped, none yielded).
        ``started_s`` is the start taken (infinite if none was).
        """
        if self._used:
            raise RuntimeError("a VideoReader can be iterated only once; open the file again")
        self._used = True
        clock = _Clock(self._stream, self.info.fps, self._pending[0].pts)
        self.started_s = start_s if start_when is None else float("inf")
        last_t = None
        for frame in self._all_frames(start_s, start_when):
            t = clock.time(frame)
            if t is None:
                self.dropped_frames += 1
                continue
            last_t = t
            if t >= stop_s:
                return
            if t >= self.started_s:
                yield t, frame_to_rgb(frame, size=self.frame_size, rotation=self.rotation)
        self._finish(start_s if last_t is None else last_t + clock.step)
        if warn and self.truncated:
            warnings.warn(self.truncation_message, FormcheckWarning, stacklevel=2)
        if warn and self.decode_errors:
            warnings.warn(self.damage_message, FormcheckWarning, stacklevel=2)

    @property
    def frame_size(self) -> tuple[int, int]:
        """Upright ``(width, height)`` of the frames yielded (after ``max_side``)."""
        return self.frame_width, self.frame_height

    def _all_frames(
        self, start_s: float, start_when: Callable[[float], bool] | None = None
    ) -> Iterator[Any]:
        if start_s > 0 or start_when is not None:
            self._seek(start_s, start_when)
        else:
            yield from self._pending
        self._pending = []
        yield from self._frames

    def _seek(self, start_s: float, start_when: Callable[[float], bool] | None = None) -> None:
        """Position the demuxer on the keyframe at or before ``start_s`` (file clock)."""
        self._frames.close()
        stream = self._stream
        pts0 = self._pending[0].pts or 0
        target = pts0 + int(start_s / float(stream.time_base))
        self._container.seek(target, stream=stream, backward=True)
        if start_when is None:
            self._frames = self._decoded_frames(lead_in_before=target - 1)
        else:
            self._frames = self._decoded_frames(start_when=_StartOffer(self, start_when))

    def _decoded_frames(
        self, lead_in_before: int | None = None, start_when: _StartOffer | None = None
    ) -> Generator[Any, None, None]:
        """Decode packet by packet so a damaged packet or a cut-off file ends cleanly.

        ``lead_in_before`` (PTS, after a seek): packets shown before it are only decoded
        for the frames that follow, so non-reference ones are skipped (:func:`_skip_lead_in`).
        ``start_when``: that PTS is decided packet by packet (:class:`_StartOffer`).
        """
        import av

        stream = self._stream
        try:
            for packet in self._container.demux(stream):
                if start_when is not None and (before := start_when.offer(packet)) is not None:
                    lead_in_before, start_when = before, None
                if lead_in_before is not None or start_when is not None:
                    lead_in_before = _skip_lead_in(stream, packet, lead_in_before)
                try:
                    yield from stream.decode(packet)
                except av.error.FFmpegError:
                    self.decode_errors += 1
                    if packet.pts is not None:
                        self._damaged_pts.append(int(packet.pts))
        except av.error.FFmpegError:
            self._read_error = True  # the demuxer's final flush packet was never sent
            try:
                yield from stream.decode(None)
            except av.error.FFmpegError:
                self.decode_errors += 1

    def _finish(self, end_s: float) -> None:
        self.decoded_s = end_s
        declared = self.info.duration_s
        slack = max(_TRUNCATION_SLACK_S, 3.0 / self.info.fps if self.info.fps > 0 else 0.0)
        short = bool(np.isfinite(declared)) and end_s < declared - slack
        self.truncated = short or (self._read_error and not np.isfinite(declared))


def damage_message(name: str, errors: int, times_s: list[float]) -> str:
    """``NAME: 3 damaged packets could not be decoded (near 7.5-8.8 s): ...`` or ''."""
    if errors <= 0:
        return ""
    near = ""
    if times_s:
        lo, hi = min(times_s), max(times_s)
        near = f" (near {lo:.1f} s)" if hi - lo < 0.05 else f" (near {lo:.1f}-{hi:.1f} s)"
    noun = "packet" if errors == 1 else "packets"
    return (f"{name}: {errors} damaged {noun} could not be decoded{near}; the frames there "
            "are missing from the analysis")  # fmt: skip


def _skip_lead_in(stream: Any, packet: Any, before: int | None) -> int | None:
    """Skip decoding ``packet`` if nothing needs it: a seek lands on the keyframe before the
    wanted start, and the frames up to it (the lead-in) are decoded only as references for
    the frames after. A non-reference frame shown before ``before`` (PTS; None: the start
    is not decided yet, so all of them) is never yielded and no other frame is decoded from
    it, so FFmpeg may drop it (``skip_frame = NONREF``); every yielded frame decodes bit for
    bit as without the skip. On 720p-1080p phone H.264 this drops 40 % of a lead-in's
    frames. Returns ``before``, or None once past it."""
    lead_in = before is None or (packet.pts is not None and packet.pts < before)
    stream.codec_context.skip_frame = "NONREF" if lead_in else "DEFAULT"
    return before if lead_in else None


class _StartOffer:
    """Offers each packet's time as a start to ``start_when`` until it accepts one.

    The time offered is half a frame after the latest PTS sent to the decoder so far
    (packets come in decoding order): a frame shown after it has not been sent yet, so
    it decodes in full, while the frames before it may have been skipped as lead-in.
    """

    def __init__(self, reader: VideoReader, start_when: Callable[[float], bool]) -> None:
        self.reader, self.start_when = reader, start_when
        self.pts0 = reader._pts0 or 0
        self.base = float(reader._stream.time_base)
        fps = reader.info.fps
        self.half_frame = 0.5 / fps if fps > 0 and np.isfinite(fps) else 1 / 60
        self.latest: int | None = None

    def offer(self, packet: Any) -> int | None:
        """The PTS from which frames are wanted, once ``start_when`` accepts; else None."""
        if packet.pts is None:
            return None
        self.latest = packet.pts if self.latest is None else max(self.latest, packet.pts)
        start_s = (self.latest - self.pts0) * self.base + self.half_frame
        if not self.start_when(start_s):
            return None
        self.reader.started_s = start_s
        return self.latest + 1


class _Clock:
    """Turns frame PTS into strictly increasing seconds from the first frame (see module doc)."""

    def __init__(self, stream: Any, fps: float, pts0: int | None = None) -> None:
        self.step = 1.0 / fps if fps > 0 and np.isfinite(fps) else 1.0 / 30.0
        self._base = stream.time_base or Fraction(1, 1)
        self._pts0: int | None = pts0
        self._offset = 0.0
        self._last: float | None = None

    def time(self, frame: Any) -> float | None:
        """Seconds for this frame, or None if it must be dropped (not after the previous one)."""
        if frame.pts is None:
            t = 0.0 if self._last is None else self._last + self.step
        else:
            if self._pts0 is None:
                self._pts0 = frame.pts
                self._offset = 0.0 if self._last is None else self._last + self.step
            base = frame.time_base or self._base
            t = self._offset + float((frame.pts - self._pts0) * base)
        if self._last is not None and t <= self._last:
            return None
        self._last = t
        return t


# -- opening and checking ------------------------------------------------


def _check_file(path: Path) -> Path:
    if not path.exists():
        raise VideoUnreadable(f"{path}: no such file")
    if path.is_dir():
        raise VideoUnreadable(f"{path}: is a folder, not a video file")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as err:
        raise VideoUnreadable(f"{path}: cannot be read ({err.strerror or err})") from err
    if size == 0:
        raise VideoUnreadable(f"{path.name}: the file is empty (0 bytes), not a video")
    return path


def _open_container(path: Path) -> Any:
    import av

    kind = _sniff(path)
    if kind is not None and kind.startswith("image:"):
        raise VideoUnreadable(f"{path.name}: this is a still image ({kind[6:]}), not a video")
    if kind == "text":
        raise VideoUnreadable(f"{path.name}: this is a text file, not a video")
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as err:
        raise VideoUnreadable(_open_failure(path, kind)) from err
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt == "image2":
        container.close()
        raise VideoUnreadable(f"{path.name}: this is a still image ({fmt[:-5]}), not a video")
    return container


def _open_failure(path: Path, kind: str | None) -> str:
    if kind == "mp4-no-index":
        return (
            f"{path.name}: the MP4 is incomplete: its index (the 'moov' atom, written when a "
            "recording is finished) is missing, so nothing in it can be decoded"
        )
    return f"{path.name}: not a video file that can be read (unrecognised or damaged data)"


def _sniff(path: Path) -> str | None:
    """Classify the first bytes: 'image:<type>', 'text', 'mp4-no-index', or None."""
    with path.open("rb") as f:
        head = f.read(4096)
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"image:{kind}"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and b"ANIM" not in head[:64]:
        return "image:WebP"
    if _is_text(head):
        return "text"
    if head[4:8] == b"ftyp":
        boxes = _top_level_boxes(path)
        if "mdat" in boxes and "moov" not in boxes and "moof" not in boxes:
            return "mp4-no-index"
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut at the 4 KiB boundary
            return False
        text = head[: err.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def _top_level_boxes(path: Path) -> set[str]:
    """Names of the top-level ISO-BMFF boxes (``ftyp``, ``moov``, ``mdat``...) in ``path``."""
    names: set[str] = set()
    size_total = path.stat().st_size
    with path.open("rb") as f:
        offset = 0
        while offset + 8 <= size_total and len(names) < 64:
            f.seek(offset)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
            names.add(kind.decode("latin-1"))
            if size < 8:
                break
            offset += size
    return names


def _video_stream(container: Any, name: str) -> Any:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        what = "audio only" if kinds == ["audio"] else f"streams: {', '.join(kinds) or 'none'}"
        raise VideoUnreadable(f"{name}: the file has no video stream ({what})")
    return container.streams.video[0]


def _first_frames(frames: Iterator[Any], name: str, container: Any) -> list[Any]:
    """Decode the first two frames: none → unreadable, one → a still image."""
    first: list[Any] = []
    for frame in frames:
        first.append(frame)
        if len(first) == 2:
            return first
    if not first:
        raise VideoUnreadable(f"{name}: the video stream has no decodable frame (damaged file?)")
    raise VideoUnreadable(
        f"{name}: this is a still image (a single frame of {container.format.name}), not a video"
    )


def _info(
    path: Path, container: Any, stream: Any, first: Any, pixel_aspect: float | None = None
) -> VideoInfo:
    rotation = (-int(round(first.rotation or 0))) % 360
    rotation = 90 * round(rotation / 90) % 360
    aspect = _sample_aspect(stream) if pixel_aspect is None else float(pixel_aspect)
    shown = display_width(first.width, aspect)
    quarter = rotation in (90, 270)
    width, height = (first.height, shown) if quarter else (shown, first.height)
    return VideoInfo(
        path=str(path),
        width=int(width),
        height=int(height),
        fps=_fps(stream),
        rotation=int(rotation),
        duration_s=_duration(container, stream),
        frame_count=int(stream.frames) or None,
        codec=stream.codec_context.name,
        container=container.format.name,
        pixel_aspect=aspect,
        stored_width=int(first.width),
        stored_height=int(first.height),
    )


def display_width(stored_width: int, pixel_aspect: float) -> int:
    """Width in pixels a player shows for ``stored_width`` pixels of aspect ``pixel_aspect``
    (FFmpeg's convention: the width is scaled, the height kept; even, at least 2)."""
    if abs(pixel_aspect - 1.0) < 1e-6:
        return int(stored_width)
    return max(2, 2 * round(stored_width * pixel_aspect / 2))


def _sample_aspect(stream: Any) -> float:
    """The stream's sample aspect ratio as a float (1.0 when unset or implausible)."""
    for owner in (stream, stream.codec_context):
        sar = getattr(owner, "sample_aspect_ratio", None)
        if sar and 0.1 <= float(sar) <= 10:
            return float(sar)
    return 1.0


def _fps(stream: Any) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return float(rate)
    return float("nan")


def _duration(container: Any, stream: Any) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return float("nan")
