"""Checking an uploaded clip by its content, and holding it on disk only while it is analysed.

The name of an upload says nothing: its bytes are opened with PyAV from
memory (no file written) and must hold a video stream with a decodable frame.
Analysis needs a path, so :func:`temporary_clip` writes the bytes to a private
temporary file that is deleted in ``finally``, whatever happens.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av

from formcheck.errors import VideoUnreadable

__all__ = [
    "ACCEPTED_TYPES",
    "ENV_MAX_UPLOAD_MB",
    "UploadInfo",
    "check_upload",
    "max_upload_mb",
    "temporary_clip",
]

ACCEPTED_TYPES = ("mp4", "mov", "webm", "avi", "m4v", "mkv")
ENV_MAX_UPLOAD_MB = "FORMCHECK_MAX_UPLOAD_MB"


@dataclass(frozen=True)
class UploadInfo:
    """What the probe found: container format name, codec, upright-agnostic size in pixels."""

    container: str
    codec: str
    width: int
    height: int


def max_upload_mb(streamlit_limit_mb: float | None = None) -> float:
    """Our own size limit in MB: ``FORMCHECK_MAX_UPLOAD_MB`` if set, else Streamlit's
    ``server.maxUploadSize``, else 200."""
    raw = os.environ.get(ENV_MAX_UPLOAD_MB, "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{ENV_MAX_UPLOAD_MB} must be a number of MB, got {raw!r}") from None
        if value <= 0:
            raise ValueError(f"{ENV_MAX_UPLOAD_MB} must be > 0, got {value}")
        return value
    return float(streamlit_limit_mb) if streamlit_limit_mb else 200.0


def check_upload(data: bytes, name: str, limit_mb: float) -> UploadInfo:
    """Raise ``VideoUnreadable`` (one line) unless ``data`` is a video with a decodable frame."""
    if not data:
        raise VideoUnreadable(f"{name}: the file is empty")
    size_mb = len(data) / 1e6
    if size_mb > limit_mb:
        raise VideoUnreadable(
            f"{name}: the file is {size_mb:.0f} MB; the limit is {limit_mb:.0f} MB "
            "(trim the clip or lower its resolution)"
        )
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            return _probe(container, name)
    except VideoUnreadable:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError) as err:
        reason = (getattr(err, "strerror", None) or str(err) or type(err).__name__).lower()
        raise VideoUnreadable(
            f"{name}: not a video file formcheck can read ({reason}); "
            "use an mp4, mov, webm or avi clip"
        ) from None


def _probe(container: av.container.InputContainer, name: str) -> UploadInfo:
    if not container.streams.video:
        raise VideoUnreadable(f"{name}: the file has no video track")
    stream = container.streams.video[0]
    for frame in container.decode(stream):
        codec = stream.codec_context.name
        return UploadInfo(container.format.name, codec, frame.width, frame.height)
    raise VideoUnreadable(f"{name}: the video track has no frame that can be decoded")


@contextmanager
def temporary_clip(data: bytes, name: str) -> Iterator[Path]:
    """The upload as a private temporary file (mode 0600), deleted on exit whatever happens."""
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix.lstrip(".") in ACCEPTED_TYPES else ".video"
    fd, raw_path = tempfile.mkstemp(prefix="formcheck-upload-", suffix=suffix)
    path = Path(raw_path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield path
    finally:
        path.unlink(missing_ok=True)
