"""Writers for synthetic and odd video files, made with PyAV (test helpers, importable by any test).

- ``write_clip``: frames with explicit presentation times (constant or
  variable frame rate) and optional display rotation, H.264 in MP4 by default.
- ``pattern_frame``: an asymmetric test card whose orientation can be checked.
- ``write_gif``: an animated GIF.
- ``write_audio_only``, ``write_still``: files with no usable video.
- ``truncate``: keep the first part of a file's bytes (a cut-off download).
- ``real_frames``/``rewrite_clip``: re-encode a real clip's frames (trimmed,
  rotated, with blank frames spliced in) keeping its timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "corrupt",
    "pattern_frame",
    "real_frames",
    "rewrite_clip",
    "truncate",
    "write_audio_only",
    "write_clip",
    "write_gif",
    "write_still",
]

_TIME_BASE = Fraction(1, 90_000)


def pattern_frame(height: int = 64, width: int = 96, shade: int = 0) -> NDArray[np.uint8]:
    """(H, W, 3) uint8 test card: white block in the top-left quarter, red block bottom-right.

    Its orientation is recoverable after any quarter turn or flip.
    """
    img = np.full((height, width, 3), shade, np.uint8)
    img[: height // 2, : width // 4] = 255
    img[height * 3 // 4 :, width // 2 :] = (255, 0, 0)
    return img


def write_clip(
    path: Path,
    frames: Sequence[NDArray[np.uint8]],
    times_s: Sequence[float] | None = None,
    *,
    codec: str = "libx264",
    rotation: int | None = None,
    fps: float = 30.0,
    faststart: bool = True,
    encoder_options: dict[str, str] | None = None,
) -> Path:
    """Write RGB ``frames`` (H, W, 3) uint8 at the given presentation times (seconds).

    ``times_s`` defaults to ``i / fps``; they are written as PTS in a 1/90000
    time base, so variable frame rates come through exactly. ``rotation`` is the
    clockwise angle a player must turn the frames by to show them upright (a
    phone's "rotate" tag: 90 for portrait); it is stored as a display matrix.
    ``faststart=False`` leaves the MP4 index (moov) at the end of the file.
    ``encoder_options`` replace libx264's defaults here (ultrafast: no B-frames).
    """
    times = [i / fps for i in range(len(frames))] if times_s is None else list(times_s)
    options = {} if not faststart else {"movflags": "faststart"}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream(codec, rate=round(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.time_base = _TIME_BASE
        stream.codec_context.time_base = _TIME_BASE
        if codec == "libx264":
            stream.options = encoder_options or {"preset": "ultrafast", "crf": "18"}
        if rotation:
            stream.set_display_rotation(-rotation)  # FFmpeg's angle is counter-clockwise
        for rgb, t in zip(frames, times, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = round(t / _TIME_BASE)
            frame.time_base = _TIME_BASE
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_gif(path: Path, frames: Sequence[NDArray[np.uint8]], fps: float = 10.0) -> Path:
    """Write an animated GIF of RGB ``frames``."""
    with av.open(str(path), "w", format="gif") as out:
        stream = out.add_stream("gif", rate=round(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "rgb8"
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            out.mux(stream.encode(frame.reformat(format="rgb8")))
        out.mux(stream.encode(None))
    return path


def write_audio_only(path: Path, seconds: float = 0.5) -> Path:
    """An AAC-in-MP4 file with one second of silence and no video stream."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44_100)
        n = int(seconds * 44_100 / 1024) + 1
        for i in range(n):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate = 44_100
            frame.pts = i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_still(path: Path, image: NDArray[np.uint8] | None = None) -> Path:
    """A PNG or JPEG (by ``path``'s suffix) of ``image`` (default: the test card)."""
    rgb = pattern_frame() if image is None else image
    av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").save(str(path))
    return path


def truncate(source: Path, dest: Path, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``source``'s bytes to ``dest``."""
    data = source.read_bytes()
    dest.write_bytes(data[: int(len(data) * fraction)])
    return dest


def corrupt(source: Path, dest: Path, at: float = 0.5, size: int = 4000, seed: int = 0) -> Path:
    """Copy ``source`` to ``dest`` with ``size`` random bytes written over the
    middle of the file (from ``at`` of its length): damaged packets inside an
    otherwise whole file."""
    data = bytearray(source.read_bytes())
    start = int(len(data) * at)
    noise = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    data[start : start + size] = noise[: len(data) - start]
    dest.write_bytes(bytes(data))
    return dest


def real_frames(
    path: Path, start_s: float = 0.0, stop_s: float = float("inf")
) -> tuple[list[float], list[NDArray[np.uint8]]]:
    """Decoded RGB frames of ``path`` with ``start_s <= t < stop_s`` (t from PTS, first frame 0)."""
    from formcheck.pose.video import open_video

    times, frames = [], []
    with open_video(path) as reader:
        for t, rgb in reader:
            if t >= stop_s:
                break
            if t >= start_s:
                times.append(t - start_s)
                frames.append(rgb)
    return times, frames


def rewrite_clip(
    source: Path,
    dest: Path,
    *,
    start_s: float = 0.0,
    stop_s: float = float("inf"),
    edit: Callable[[float, NDArray[np.uint8]], NDArray[np.uint8]] | None = None,
    rotation: int | None = None,
) -> Path:
    """Re-encode part of a real clip, keeping its timestamps.

    ``edit(t, rgb) -> rgb`` may change frames (e.g. blank a stretch). With
    ``rotation`` the frames are stored turned the other way with a display
    matrix saying to turn them back, like a phone clip: a correct reader
    gives the original upright frames.
    """
    times, frames = real_frames(source, start_s, stop_s)
    if edit is not None:
        frames = [edit(t, f) for t, f in zip(times, frames, strict=True)]
    frames = [_even(f) for f in frames]
    if rotation:
        frames = [np.ascontiguousarray(np.rot90(f, k=rotation // 90)) for f in frames]
    return write_clip(dest, frames, times, rotation=rotation)


def _even(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Crop to even width and height (yuv420p needs them)."""
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]
