"""The annotated export is browser-playable H.264 yuv420p and keeps the frames' own times."""

from __future__ import annotations

import io

import av
import numpy as np

from formcheck.render.annotated_clip import write_mp4


def _frames(times: list[float], h: int = 121, w: int = 161):
    for i, t in enumerate(times):
        rgb = np.zeros((h, w, 3), np.uint8)
        rgb[:, : (i * 7) % w] = 200
        yield t, rgb


def test_write_mp4_is_h264_yuv420p_even_sized_with_variable_times_kept() -> None:
    times = [0.0, 0.033, 0.1, 0.5, 0.52, 1.0]  # variable frame rate
    buffer = io.BytesIO()
    written = write_mp4(_frames(times), buffer, fps=30)
    assert written == len(times)
    with av.open(io.BytesIO(buffer.getvalue())) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (160, 120)
        decoded = [float(f.time) for f in container.decode(stream)]
    assert np.allclose(decoded, np.array(times) - times[0], atol=0.002)


def test_write_mp4_skips_frames_whose_time_does_not_increase() -> None:
    buffer = io.BytesIO()
    assert write_mp4(_frames([0.0, 0.1, 0.1, 0.05, 0.2]), buffer) == 3
