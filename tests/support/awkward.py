"""Awkward versions of a clip, made on the fly (a test and bench helper, never committed).

Each variant re-encodes every frame of a source clip (same presentation
times, so frame ``i`` of a variant shows frame ``i`` of the source) after a
change a real recording or re-encode can bring:

- ``squashed``: the pixels rescaled to the other orientation's 16:9 shape with
  no metadata (portrait 9:16 -> 16:9, landscape -> 9:16): the body looks
  3.2x too wide (portrait source) or 2.4x too narrow (landscape source);
- ``squashed_mild``: rescaled by 4:3 in width (9:16 -> 3:4, 4:3 -> 16:9);
- ``anamorphic``: the ``squashed_mild`` pixels stored with a sample aspect
  ratio (SAR) that restores the display shape, as HDV and some phones do;
- ``boxed``: the frame centred in a frame of the other orientation, with
  black bars (a portrait clip pillarboxed into 16:9, a landscape one
  letterboxed into 9:16);
- ``small``: the frame shrunk so the person is about an eighth of the height
  of a 1080x1920 portrait frame, placed off-centre (lower left) on a grey
  background;
- ``upside_down``: the pixels stored turned 180 degrees with display-rotation
  metadata saying to turn them back (a phone held upside down).

``make_variant(source, name, dest)`` writes one; ``VARIANTS`` lists the names.
Frames are streamed (decoded, changed, encoded one at a time), so a 1080x1920
variant of a long clip needs no more memory than a frame.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

__all__ = ["VARIANTS", "make_variant", "resize", "variant_size"]

_TIME_BASE = Fraction(1, 90_000)
VARIANTS = ("original", "squashed", "squashed_mild", "anamorphic", "boxed", "small", "upside_down")
_BIG = (1080, 1920)  # the portrait frame the small person is placed in (w, h)
_SMALL_HEIGHT = 0.18  # the source frame's height in the big frame (person about 1/8 of it)


def resize(rgb: NDArray[np.uint8], width: int, height: int) -> NDArray[np.uint8]:
    """``rgb`` (H, W, 3) uint8 resampled to (height, width, 3) (swscale, area averaging)."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")


def _even(n: float) -> int:
    return max(2, int(round(n / 2)) * 2)


def variant_size(name: str, width: int, height: int) -> tuple[int, int]:
    """Stored (width, height) in pixels of variant ``name`` of a ``width`` x ``height`` clip."""
    portrait = height > width
    if name in ("original", "upside_down"):
        return _even(width), _even(height)
    if name == "squashed":
        return (_even(height * 16 / 9), _even(height)) if portrait else (
            _even(width * 9 / 16), _even(width))
    if name in ("squashed_mild", "anamorphic"):
        return (_even(width * 4 / 3), _even(height)) if portrait else (
            _even(width * 4 / 3), _even(height))
    if name == "boxed":
        return (_even(height * 16 / 9), _even(height)) if portrait else (
            _even(width), _even(width * 16 / 9))
    if name == "small":
        return _BIG
    raise ValueError(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}")


def _editor(name: str, width: int, height: int) -> Callable[[NDArray[np.uint8]], NDArray[np.uint8]]:
    """The per-frame change of variant ``name`` (upright source frame -> stored frame)."""
    out_w, out_h = variant_size(name, width, height)
    if name in ("original",):
        return lambda rgb: np.ascontiguousarray(rgb[:out_h, :out_w])
    if name == "upside_down":
        return lambda rgb: np.ascontiguousarray(rgb[:out_h, :out_w][::-1, ::-1])
    if name in ("squashed", "squashed_mild", "anamorphic"):
        return lambda rgb: resize(rgb, out_w, out_h)
    if name == "boxed":
        return lambda rgb: _paste(np.zeros((out_h, out_w, 3), np.uint8), rgb, centre=True)
    scale = _SMALL_HEIGHT * out_h / height
    inner = (_even(width * scale), _even(height * scale))

    def small(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        canvas = np.full((out_h, out_w, 3), 110, np.uint8)
        part = resize(rgb, *inner)
        y0, x0 = int(out_h * 0.62), int(out_w * 0.06)
        canvas[y0 : y0 + inner[1], x0 : x0 + inner[0]] = part
        return canvas

    return small


def _paste(canvas: NDArray[np.uint8], rgb: NDArray[np.uint8], *, centre: bool) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    y0, x0 = (canvas.shape[0] - h) // 2, (canvas.shape[1] - w) // 2
    canvas[y0 : y0 + h, x0 : x0 + w] = rgb
    return canvas


def make_variant(source: Path, name: str, dest: Path, *, stop_s: float = float("inf")) -> Path:
    """Write variant ``name`` of ``source`` (frames with t < ``stop_s``) to ``dest`` (H.264 MP4)."""
    from formcheck.pose.video import open_video

    with open_video(source) as reader:
        edit = _editor(name, reader.width, reader.height)
        out_w, out_h = variant_size(name, reader.width, reader.height)
        with av.open(str(dest), "w", options={"movflags": "faststart"}) as out:
            stream = _video_stream(out, out_w, out_h, reader.fps)
            if name == "anamorphic":
                stream.codec_context.sample_aspect_ratio = Fraction(3, 4)
            if name == "upside_down":
                stream.set_display_rotation(180)
            for t, rgb in reader.frames(warn=False):
                if t >= stop_s:
                    break
                frame = av.VideoFrame.from_ndarray(edit(rgb), format="rgb24")
                frame.pts = round(t / _TIME_BASE)
                frame.time_base = _TIME_BASE
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
    return dest


def _video_stream(out: Any, width: int, height: int, fps: float) -> Any:
    rate = round(fps) if np.isfinite(fps) and fps > 0 else 30
    stream = out.add_stream("libx264", rate=rate)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.time_base = _TIME_BASE
    stream.codec_context.time_base = _TIME_BASE
    stream.options = {"preset": "ultrafast", "crf": "18"}
    return stream
