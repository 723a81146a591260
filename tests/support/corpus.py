"""The tester's corpus of awkward inputs (issue #15), made small inside the test run.

Each :class:`Case` is one file a user might choose, named as the user named
it, with what formcheck must say about it: ``expect`` is a fragment of the
visible message (besides the file's own name, which every message carries).
``outcome`` is ``"refused"`` (an error, nothing analysed), ``"warned"`` (a
review with a warning) or ``"reviewed"`` (a review). ``page`` is False for
cases a browser cannot upload (a missing file, a folder): the CLI gets them.
``inference`` marks cases that run real MediaPipe (slow).

Real-person clips are cut from a bundled sample (a rendered person,
sit-to-stand seen from the side): two seconds, composited side by side for
"two people", cropped above the knees for "legs out of frame". The
10-minute 1080p case is not built here (minutes of inference); the README
gives what it got when measured by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from support.videos import (
    pattern_frame,
    real_frames,
    rewrite_clip,
    truncate,
    write_audio_only,
    write_clip,
    write_gif,
    write_still,
)

__all__ = ["CASES", "Case", "PERSON_SOURCE", "build"]

PERSON_SOURCE = Path(__file__).resolve().parents[2] / "sample_videos" / "sit_to_stand_side.mp4"
_SECONDS = 2.0  # of the person clip; long enough for a pose, short enough for the suite

Builder = Callable[[Path, str], Path]


@dataclass(frozen=True)
class Case:
    """One file of the corpus (see the module docstring)."""

    label: str
    file_name: str
    make: Builder
    outcome: str
    expect: str
    page: bool = True
    inference: bool = False
    limit_mb: float | None = None  # FORMCHECK_MAX_UPLOAD_MB for this case


def build(case: Case, folder: Path) -> Path:
    """Write ``case``'s file into ``folder`` (a missing file is not written); its path."""
    return case.make(folder, case.file_name)


def _person(stop_s: float = _SECONDS) -> tuple[list[float], list[NDArray[np.uint8]]]:
    return real_frames(PERSON_SOURCE, 0.0, stop_s)


def _person_clip(folder: Path, name: str) -> Path:
    times, frames = _person()
    return write_clip(folder / name, frames, times)


def _in_container(codec: str) -> Builder:
    def make(folder: Path, name: str) -> Path:
        _, frames = _person()
        return _write_plain(folder / name, frames, codec, fps=25)

    return make


def _write_plain(path: Path, frames: Sequence[NDArray[np.uint8]], codec: str, fps: int) -> Path:
    """Constant-rate clip in the container ``path``'s suffix names (time base 1/fps)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _missing(folder: Path, name: str) -> Path:
    return folder / name


def _folder(folder: Path, name: str) -> Path:
    (folder / name).mkdir()
    return folder / name


def _bytes(data: bytes) -> Builder:
    def make(folder: Path, name: str) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    return make


def _png(folder: Path, name: str) -> Path:
    png = write_still(folder / "still.png", _person(0.1)[1][0])
    return png.rename(folder / name)


def _gif(folder: Path, name: str) -> Path:
    times, frames = _person()
    return write_gif(folder / name, frames[::2], fps=12.5)  # 12.5 fps, as GIFs often are


def _truncated(folder: Path, name: str) -> Path:
    whole = _person_clip(folder, "whole.mp4")  # index first: the cut-off part is just lost
    return truncate(whole, folder / name, 0.6)


def _unfinished(folder: Path, name: str) -> Path:
    times, frames = _person(1.0)
    whole = write_clip(folder / "whole.mp4", frames, times, faststart=False)
    return truncate(whole, folder / name, 0.8)  # the index, written last, is gone


def _audio(folder: Path, name: str) -> Path:
    return write_audio_only(folder / name)


def _one_frame(folder: Path, name: str) -> Path:
    return write_clip(folder / name, [_person(0.1)[1][0]])


def _no_person(folder: Path, name: str) -> Path:
    frames = [pattern_frame(240, 320, shade=40 + i) for i in range(25)]
    return write_clip(folder / name, frames, fps=12.5)


def _two_people(folder: Path, name: str) -> Path:
    times, frames = _person()
    pairs = [np.ascontiguousarray(np.hstack([f, f[:, ::-1]])) for f in frames]
    return write_clip(folder / name, pairs, times)


def _legs_out(folder: Path, name: str) -> Path:
    times, frames = _person()
    top = [np.ascontiguousarray(f[: int(f.shape[0] * 0.55) // 2 * 2]) for f in frames]
    return write_clip(folder / name, top, times)


def _oversize(folder: Path, name: str) -> Path:
    return _person_clip(folder, name)


def _rotated(folder: Path, name: str) -> Path:
    return rewrite_clip(PERSON_SOURCE, folder / name, stop_s=_SECONDS, rotation=90)


def _vfr(folder: Path, name: str) -> Path:
    times, frames = _person()
    keep = [i for i in range(len(frames)) if i % 5 not in (1, 3)]  # 40 ms and 80 ms steps
    return write_clip(folder / name, [frames[i] for i in keep], [times[i] for i in keep])


CASES: tuple[Case, ...] = (
    Case("missing", "not_there.mp4", _missing, "refused", "no such file", page=False),
    Case("folder", "clips.mp4", _folder, "refused", "is a folder", page=False),
    Case("empty", "empty.mp4", _bytes(b""), "refused", "the file is empty"),
    Case("random bytes", "holiday.mp4", _bytes(np.random.default_rng(0).bytes(20_000)),
         "refused", "not a video file"),
    Case("text", "notes.txt", _bytes(b"Sit-to-stand, 5 reps, knees ok\n" * 40),
         "refused", "text file"),
    Case("PNG", "photo.png", _png, "refused", "still image"),
    Case("PNG named .mp4", "photo.mp4", _png, "refused", "still image"),
    Case("GIF", "sit_to_stand.gif", _gif, "reviewed", "Pose found in", inference=True),
    Case("truncated (cut-off download)", "cut_off.mp4", _truncated, "warned", "truncated",
         inference=True),
    Case("truncated (recording never finished)", "unfinished.mp4", _unfinished, "refused",
         "index"),
    Case("audio only", "voice_memo.m4a", _audio, "refused", "no video"),
    Case("one frame", "one_frame.mp4", _one_frame, "refused", "still image"),
    Case("no person", "empty_room.mp4", _no_person, "refused", "no person", inference=True),
    # a mirrored twin confuses MediaPipe's detector: it finds one of the two in a fifth of
    # the frames, and rarely both; the page must still name the file in what it says
    Case("two people", "two_people.mp4", _two_people, "warned", "", inference=True),
    Case("legs out of frame", "legs_cut.mp4", _legs_out, "warned", "", inference=True),
    Case("oversize", "long_session.mp4", _oversize, "refused", "the limit is", limit_mb=0.05),
    Case("rotated (phone portrait)", "portrait.mp4", _rotated, "reviewed", "Pose found in",
         inference=True),
    Case("variable frame rate", "vfr.mp4", _vfr, "reviewed", "Pose found in", inference=True),
    Case("non-ASCII name", "Übung – Frau Müller 椅子.mp4", _person_clip, "reviewed",
         "Pose found in", inference=True),
    Case("mkv", "clip.mkv", _in_container("libx264"), "reviewed", "Pose found in",
         inference=True),
    Case("webm", "clip.webm", _in_container("libvpx"), "reviewed", "Pose found in",
         inference=True),
    Case("avi", "clip.avi", _in_container("mpeg4"), "reviewed", "Pose found in",
         inference=True),
    Case("mov", "clip.mov", _in_container("libx264"), "reviewed", "Pose found in",
         inference=True),
)  # fmt: skip
