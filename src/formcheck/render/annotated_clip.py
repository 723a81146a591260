"""Annotated MP4 export: frames with the pose and overlays burned in, H.264 yuv420p via PyAV.

The output plays in every browser (``st.video``) and media player: H.264
(libx264) in yuv420p, even frame size (and ``+faststart`` when written to a
path, so playback starts before the whole file has arrived). Frame times are kept as given (in
milliseconds), so variable-frame-rate clips stay in sync.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError
from formcheck.pose.sequence import PoseSequence
from formcheck.pose.video import open_video
from formcheck.render.overlay import Overlay, PoseAnnotator

__all__ = ["render_annotated", "write_mp4"]

_TIME_BASE = Fraction(1, 1000)


def write_mp4(
    frames: Iterable[tuple[float, NDArray[np.uint8]]],
    dest: str | os.PathLike[str] | BinaryIO,
    *,
    fps: float = 30.0,
    crf: int = 23,
) -> int:
    """Encode ``(t seconds, rgb (H, W, 3) uint8)`` frames to an H.264 MP4; returns frames written.

    Times must increase; a frame not later than the previous one (after
    rounding to 1 ms) is skipped. ``fps`` is the nominal rate written in the
    header. Odd sizes are cropped by one pixel (yuv420p needs even sizes).
    """
    is_path = isinstance(dest, str | os.PathLike)
    target = str(dest) if is_path else dest
    # faststart rewrites the file by name, so it is only possible for a path.
    options = {"movflags": "+faststart"} if is_path else {}
    with av.open(target, mode="w", format="mp4", options=options) as out:
        stream = None
        written, last_pts = 0, -1
        for t, rgb in frames:
            pts = round(float(t) * 1000)
            if pts <= last_pts:
                continue
            rgb = rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2]
            if stream is None:
                stream = _add_stream(out, rgb.shape[1], rgb.shape[0], fps, crf)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts, frame.time_base = pts, _TIME_BASE
            out.mux(stream.encode(frame.reformat(format="yuv420p")))
            written, last_pts = written + 1, pts
        if stream is not None:
            out.mux(stream.encode(None))
    return written


def _add_stream(
    out: av.container.OutputContainer, width: int, height: int, fps: float, crf: int
) -> av.video.stream.VideoStream:
    rate = Fraction(round(fps * 1000), 1000) if np.isfinite(fps) and fps > 0 else Fraction(30)
    stream = out.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.time_base = _TIME_BASE
    stream.codec_context.time_base = _TIME_BASE
    stream.options = {"preset": "veryfast", "crf": str(crf), "tune": "film"}
    return stream


def render_annotated(
    video_path: str | os.PathLike[str],
    seq: PoseSequence,
    overlay_at: Callable[[int], Overlay | None] | Sequence[Overlay | None],
    dest: str | os.PathLike[str] | BinaryIO | None = None,
    *,
    annotator: PoseAnnotator | None = None,
    max_side: int | None = 720,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> bytes | None:
    """Decode ``video_path`` again and burn in ``seq``'s pose and each frame's overlay.

    Frames are matched to ``seq`` rows by time (nearest ``seq.t``, within half
    a frame); ``overlay_at(i)`` (or ``overlay_at[i]``) gives the overlay of row
    ``i``. Frames are shrunk so the longer side is at most ``max_side``
    pixels. Returns the MP4 bytes when ``dest`` is None, else writes ``dest``.
    Setting ``cancel`` stops at the next frame with ``FormcheckError("analysis cancelled")``.
    """
    annotator = annotator or PoseAnnotator()
    get = overlay_at if callable(overlay_at) else overlay_at.__getitem__
    buffer = io.BytesIO() if dest is None else None
    with open_video(video_path, max_side=max_side) as reader:
        frames = _annotated_frames(reader.frames(warn=False), seq, get, annotator,
                                   reader.duration_s, progress, cancel)
        fps = seq.meta.fps if np.isfinite(seq.meta.fps) else 30.0
        write_mp4(frames, buffer if buffer is not None else _as_target(dest), fps=fps)
    return buffer.getvalue() if buffer is not None else None


def _as_target(dest: str | os.PathLike[str] | BinaryIO | None) -> str | BinaryIO:
    if dest is None:
        raise ValueError("dest must be a path or a binary file")
    return str(Path(dest)) if isinstance(dest, str | os.PathLike) else dest


def _annotated_frames(
    reader: Iterable[tuple[float, NDArray[np.uint8]]],
    seq: PoseSequence,
    get: Callable[[int], Overlay | None],
    annotator: PoseAnnotator,
    duration: float,
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None = None,
) -> Iterable[tuple[float, NDArray[np.uint8]]]:
    tol = float(np.median(np.diff(seq.t))) / 2 if len(seq) > 1 else 0.05
    for t, rgb in reader:
        if cancel is not None and cancel.is_set():
            raise FormcheckError("analysis cancelled")
        i = _nearest(seq.t, t)
        if i is None or abs(seq.t[i] - t) > tol:
            yield t, rgb
            continue
        yield t, annotator.annotate(rgb, seq.image[i], get(i), copy=False)
        if progress is not None and np.isfinite(duration) and duration > 0:
            progress(min(1.0, t / duration))


def _nearest(times: NDArray[np.float64], t: float) -> int | None:
    """Index of the time in sorted ``times`` closest to ``t`` (None if empty)."""
    if len(times) == 0:
        return None
    j = int(np.searchsorted(times, t))
    if j == 0:
        return 0
    if j == len(times):
        return len(times) - 1
    return j if times[j] - t < t - times[j - 1] else j - 1
