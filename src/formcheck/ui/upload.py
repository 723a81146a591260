"""Checking an uploaded clip by its content, and holding it on disk only while it is analysed.

The name of an upload says nothing: its bytes are opened with PyAV from
memory (no file written) and must hold a video stream with at least two
decodable frames (an animated GIF is a video; a PNG, a JPEG or a one-frame
file is a still image, whatever its name). Every message names the file as
the user chose it.
Analysis needs a path, so :func:`temporary_clip` writes the bytes to a private
temporary file that is deleted in ``finally``, whatever happens. The files live
in one private directory per server process (mode 0700), removed when the
process exits (``atexit``); directories left by a process that died without
exiting (killed) are removed, once untouched for an hour, the next time a
server writes an upload.
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import av

from formcheck.errors import VideoUnreadable

__all__ = [
    "ACCEPTED_TYPES",
    "DEFAULT_MAX_UPLOAD_MB",
    "ENV_MAX_UPLOAD_MB",
    "Clip",
    "UploadInfo",
    "check_upload",
    "max_upload_mb",
    "temporary_clip",
    "upload_dir",
]

ACCEPTED_TYPES = ("mp4", "mov", "webm", "avi", "m4v", "mkv", "gif")
"""Names the page mentions (and temporary files keep); the check itself reads the content."""
ENV_MAX_UPLOAD_MB = "FORMCHECK_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 200.0
_DIR_PREFIX = "formcheck-uploads-"
_STALE_S = 3600.0  # seconds
_upload_dir: Path | None = None
_dir_lock = threading.Lock()


@dataclass(frozen=True)
class UploadInfo:
    """What the probe found: container format name, codec, upright-agnostic size in pixels."""

    container: str
    codec: str
    width: int
    height: int


@dataclass(frozen=True)
class Clip:
    """The clip the review is about: a bundled sample (``path``) or an upload (``data``).

    ``name`` is the file name the user sees and chose; ``digest`` the SHA-256 of
    the content (the key of every cache); ``file_id`` the upload widget's id.
    """

    name: str
    digest: str
    path: Path | None = None
    data: bytes = field(default=b"", repr=False, compare=False)
    file_id: str = ""

    @contextmanager
    def on_disk(self) -> Iterator[Path]:
        """A path to the clip: the sample itself, or the upload as a temporary file."""
        if self.path is not None:
            yield self.path
            return
        with temporary_clip(self.data, self.name) as path:
            yield path


def max_upload_mb(streamlit_limit_mb: float | None = None) -> float:
    """formcheck's own size limit in MB: ``FORMCHECK_MAX_UPLOAD_MB`` if set, else
    ``DEFAULT_MAX_UPLOAD_MB``, never above Streamlit's ``server.maxUploadSize`` (what the
    browser sends at all; a file over ours but under it gets formcheck's message)."""
    raw = os.environ.get(ENV_MAX_UPLOAD_MB, "").strip()
    value = DEFAULT_MAX_UPLOAD_MB
    if raw:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{ENV_MAX_UPLOAD_MB} must be a number of MB, got {raw!r}") from None
        if value <= 0:
            raise ValueError(f"{ENV_MAX_UPLOAD_MB} must be > 0, got {value}")
    return min(value, float(streamlit_limit_mb)) if streamlit_limit_mb else value


def check_upload(data: bytes, name: str, limit_mb: float) -> UploadInfo:
    """Raise ``VideoUnreadable`` (one line) unless ``data`` is a video with a decodable frame."""
    if not data:
        raise VideoUnreadable(f"{name}: the file is empty")
    size_mb = len(data) / 1e6
    if size_mb > limit_mb:
        raise VideoUnreadable(
            f"{name}: the file is {_mb(size_mb)} MB; the limit is {_mb(limit_mb)} MB "
            "(trim the clip or lower its resolution)"
        )
    if _is_text(data[:4096]):
        raise VideoUnreadable(f"{name}: this is a text file, not a video")
    if _mp4_without_index(data):
        raise VideoUnreadable(
            f"{name}: the MP4 is incomplete: its index (the 'moov' atom, written when a "
            "recording is finished) is missing, so nothing in it can be decoded"
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
            "use a video clip (mp4, mov, webm, avi, mkv or an animated GIF)"
        ) from None


def _probe(container: av.container.InputContainer, name: str) -> UploadInfo:
    fmt = container.format.name
    if fmt.endswith("_pipe") or fmt == "image2":
        kind = fmt.removesuffix("_pipe").upper()
        raise VideoUnreadable(f"{name}: this is a still image ({kind}), not a video")
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        what = " (audio only)" if kinds == ["audio"] else ""
        raise VideoUnreadable(f"{name}: the file has no video track{what}")
    stream = container.streams.video[0]
    frames = 0
    for frame in container.decode(stream):
        frames += 1
        if frames == 2:
            codec = stream.codec_context.name
            return UploadInfo(fmt, codec, frame.width, frame.height)
    if frames == 1:
        raise VideoUnreadable(f"{name}: this is a still image (a single frame), not a video")
    raise VideoUnreadable(f"{name}: the video track has no frame that can be decoded")


def _mb(value: float) -> str:
    """Megabytes for a message: whole numbers from 10 MB, two significant digits below."""
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


def _mp4_without_index(data: bytes) -> bool:
    """An ISO-BMFF file (``ftyp`` first) with media data but no ``moov`` (or ``moof``) box."""
    if data[4:8] != b"ftyp":
        return False
    names: set[bytes] = set()
    offset = 0
    while offset + 8 <= len(data) and len(names) < 64:
        size, kind = int.from_bytes(data[offset:offset + 4], "big"), data[offset + 4:offset + 8]
        if size == 1:
            size = int.from_bytes(data[offset + 8:offset + 16], "big")
        names.add(kind)
        if size < 8:
            break
        offset += size
    return b"mdat" in names and not names & {b"moov", b"moof"}


def _is_text(head: bytes) -> bool:
    """True when the first bytes read as text (UTF-8, printable, no NUL)."""
    if not head or b"\0" in head:
        return False
    text = head.decode("utf-8", errors="ignore")
    if len(text) < 0.9 * len(head) / 2:  # mostly undecodable: binary
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * len(text)


@contextmanager
def temporary_clip(data: bytes, name: str) -> Iterator[Path]:
    """The upload as a private temporary file (mode 0600), deleted on exit whatever happens."""
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix.lstrip(".") in ACCEPTED_TYPES else ".video"
    fd, raw_path = tempfile.mkstemp(prefix="formcheck-upload-", suffix=suffix, dir=upload_dir())
    path = Path(raw_path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield path
    finally:
        path.unlink(missing_ok=True)


def upload_dir() -> Path:
    """This process's private directory for uploads (made on first use, removed at exit)."""
    global _upload_dir
    with _dir_lock:
        if _upload_dir is None or not _upload_dir.is_dir():
            _remove_stale_dirs()
            _upload_dir = Path(tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-"))
            atexit.register(shutil.rmtree, _upload_dir, ignore_errors=True)
        return _upload_dir


def _remove_stale_dirs() -> None:
    """Remove upload directories whose server process no longer runs (and untouched for
    ``_STALE_S``, in case that pid lives in another container sharing this /tmp)."""
    for path in Path(tempfile.gettempdir()).glob(f"{_DIR_PREFIX}*"):
        pid = path.name[len(_DIR_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and _ours(path):
            shutil.rmtree(path, ignore_errors=True)


def _ours(path: Path) -> bool:
    try:
        info = path.lstat()
        return (path.is_dir() and not path.is_symlink() and info.st_uid == os.getuid()
                and time.time() - info.st_mtime > _STALE_S)
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
