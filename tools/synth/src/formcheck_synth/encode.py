"""H.264 MP4 writing for synthetic clips (PyAV / libx264).

yuv420p and ``+faststart`` so browsers (Chromium) play the file; constant
frame rate with time base 1/fps; one encoder thread so the same frames give
the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

__all__ = ["write_h264"]


def write_h264(
    frames: Iterable[NDArray[np.uint8]], path: Path, fps: float, *, crf: int = 26
) -> int:
    """Encode RGB frames (H, W, 3) uint8 (even H and W) to ``path``; returns frames written.

    Frame ``i`` is stamped ``i / fps`` seconds.
    """
    rate = Fraction(fps).limit_denominator(1001)
    written = 0
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.codec_context.thread_count = 1
        stream.options = {"preset": "medium", "crf": str(crf), "tune": "animation",
                          "x264-params": "threads=1"}  # fmt: skip
        for rgb in frames:
            if written == 0:
                stream.width, stream.height = rgb.shape[1], rgb.shape[0]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = written
            frame.time_base = 1 / rate
            out.mux(stream.encode(frame.reformat(format="yuv420p")))
            written += 1
        out.mux(stream.encode(None))
    return written
