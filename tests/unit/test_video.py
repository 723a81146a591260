"""formcheck.pose.video: timestamps from PTS, upright frames, GIFs, one-line errors on bad files"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.errors import FormcheckWarning, VideoUnreadable
from formcheck.pose.video import _Clock, open_video, output_size
from support.videos import (
    corrupt,
    pattern_frame,
    truncate,
    write_audio_only,
    write_clip,
    write_gif,
    write_still,
)


def _read(path: Path, **kw: object) -> tuple[list[float], list[np.ndarray]]:
    with open_video(path, **kw) as reader:  # type: ignore[arg-type]
        pairs = list(reader)
    return [t for t, _ in pairs], [f for _, f in pairs]


def _shaded(n: int) -> list[np.ndarray]:
    return [pattern_frame(shade=(10 * i) % 250) for i in range(n)]


def _noisy(n: int) -> list[np.ndarray]:
    """Frames of noise: every frame costs about the same bytes, so a byte cut is a time cut."""
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (64, 96, 3), np.uint8) for _ in range(n)]


def test_constant_rate_times_and_metadata(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "cfr.mp4", _shaded(15), fps=30)
    with open_video(path) as reader:
        info = reader.info
        times = [t for t, _ in reader]
    assert (info.width, info.height, info.rotation, info.codec) == (96, 64, 0, "h264")
    assert info.fps == pytest.approx(30, rel=1e-3)
    assert info.duration_s == pytest.approx(0.5, abs=1e-3)
    assert info.frame_count == 15
    np.testing.assert_allclose(times, np.arange(15) / 30, atol=1e-9)


def test_variable_frame_rate_times_match_written_pts(tmp_path: Path) -> None:
    written = [0.0, 0.033, 0.05, 0.2, 0.21, 0.5, 1.25, 1.26]
    times, frames = _read(write_clip(tmp_path / "vfr.mp4", _shaded(8), written))
    np.testing.assert_allclose(times, written, atol=1e-6)
    # frames stay with their times: shade i was written at written[i]
    shades = [int(f[-1, 0, 0]) for f in frames]
    assert shades == pytest.approx([10 * i for i in range(8)], abs=3)


def test_times_rebased_to_first_frame(tmp_path: Path) -> None:
    written = [2.0, 2.1, 2.25, 2.4]
    times, _ = _read(write_clip(tmp_path / "late_start.mp4", _shaded(4), written))
    np.testing.assert_allclose(times, np.array(written) - 2.0, atol=1e-6)


def test_clock_drops_duplicate_and_backward_pts_and_fills_missing() -> None:
    stream = SimpleNamespace(time_base=Fraction(1, 1000))
    clock = _Clock(stream, fps=25.0)

    def frame(pts: int | None) -> SimpleNamespace:
        return SimpleNamespace(pts=pts, time_base=Fraction(1, 1000))

    got = [clock.time(frame(p)) for p in (1000, 1040, 1040, 1020, None, 1200)]
    assert got == [0.0, 0.04, None, None, pytest.approx(0.08), 0.2]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, rotation: int) -> None:
    card = pattern_frame()
    stored = np.ascontiguousarray(np.rot90(card, k=rotation // 90))  # as a phone stores it
    path = write_clip(tmp_path / f"rot{rotation}.mp4", [stored] * 3, rotation=rotation)
    with open_video(path) as reader:
        assert reader.rotation == rotation
        assert (reader.width, reader.height) == (96, 64)
        frames = [f for _, f in reader]
    assert frames[0].shape == card.shape
    assert frames[0].flags.c_contiguous
    assert np.abs(frames[0].astype(int) - card).mean() < 3  # white top-left, red bottom-right


def test_max_side_downscales_keeping_aspect_and_rotation(tmp_path: Path) -> None:
    stored = np.ascontiguousarray(np.rot90(pattern_frame(128, 192), k=1))
    path = write_clip(tmp_path / "big.mp4", [stored] * 2, rotation=90)
    with open_video(path, max_side=96) as reader:
        assert (reader.width, reader.height) == (192, 128)  # source size, upright
        frame = next(iter(reader))[1]
    assert frame.shape == (64, 96, 3)
    assert np.abs(frame.astype(int) - pattern_frame(64, 96)).mean() < 8


def test_output_size_never_enlarges() -> None:
    assert output_size(1920, 1080, 640) == (640, 360)
    assert output_size(1080, 1920, 640) == (360, 640)
    assert output_size(320, 240, 640) == (320, 240)
    assert output_size(320, 240, None) == (320, 240)


def test_animated_gif_decodes_with_times(tmp_path: Path) -> None:
    path = write_gif(tmp_path / "anim.gif", _shaded(5), fps=10)
    times, frames = _read(path)
    np.testing.assert_allclose(times, np.arange(5) / 10, atol=1e-9)
    assert frames[0].shape == (64, 96, 3)
    assert np.abs(frames[0].astype(int) - pattern_frame()).mean() < 3


def test_real_gif_decodes(shared_data: Path) -> None:
    with open_video(shared_data / "squat_4reps_front_153x272.gif") as reader:
        times = [t for t, f in reader]
    assert reader.info.codec == "gif"
    assert len(times) == 72
    assert times[-1] == pytest.approx(7.1, abs=0.05)


def _bad_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / {"text": "notes.txt", "png": "still.png", "jpeg": "still.jpg"}.get(
        kind, f"{kind}.mp4"
    )
    if kind == "missing":
        return path
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "random":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 100_000, np.uint8).tobytes())
    elif kind == "text":
        path.write_text("squat: 3 reps\nnot a video at all\n")
    elif kind == "text_named_mp4":
        path.write_text("this file only pretends to be a video\n")
    elif kind in ("png", "jpeg"):
        write_still(path)
    elif kind == "audio":
        write_audio_only(path)
    elif kind == "one_frame":
        write_clip(path, [pattern_frame()])
    return path


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("missing", "no such file"),
        ("folder", "folder"),
        ("empty", "empty"),
        ("random", "not a video"),
        ("text", "text file"),
        ("text_named_mp4", "text file"),
        ("png", "still image (PNG)"),
        ("jpeg", "still image (JPEG)"),
        ("audio", "no video stream (audio only)"),
        ("one_frame", "still image"),
    ],
)
def test_bad_input_gives_one_line_specific_message(tmp_path: Path, kind: str, words: str) -> None:
    path = _bad_file(tmp_path, kind)
    with pytest.raises(VideoUnreadable) as info:
        open_video(path)
    message = str(info.value)
    assert words in message
    assert "\n" not in message
    assert path.name in message


def test_truncated_mp4_yields_what_decodes_and_warns(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", _noisy(60), fps=30)  # index at the start
    cut = truncate(whole, tmp_path / "cut.mp4", 0.5)
    with open_video(cut) as reader, pytest.warns(FormcheckWarning, match="truncated") as rec:
        times = [t for t, _ in reader]
    assert reader.truncated
    assert 20 <= len(times) <= 40
    assert reader.decoded_s == pytest.approx(times[-1] + 1 / 30, abs=1e-6)
    assert f"{reader.decoded_s:.1f} s of 2.0 s" in str(rec[0].message)


def test_truncated_mp4_quiet_mode_only_flags(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", _noisy(60), fps=30)
    cut = truncate(whole, tmp_path / "cut.mp4", 0.5)
    with open_video(cut) as reader, warnings.catch_warnings():
        warnings.simplefilter("error")
        n = sum(1 for _ in reader.frames(warn=False))
    assert n > 0 and reader.truncated


def test_complete_file_is_not_truncated(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "whole.mp4", _shaded(30), fps=30)
    with open_video(path) as reader, warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sum(1 for _ in reader) == 30
    assert not reader.truncated


def test_truncated_mp4_with_index_at_end_is_unreadable(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", _noisy(60), fps=30, faststart=False)
    cut = truncate(whole, tmp_path / "cut.mp4", 0.5)
    with pytest.raises(VideoUnreadable, match="incomplete.*moov.*nothing in it can be decoded"):
        open_video(cut)


def _one_keyframe_b_frame_clip(path: Path) -> Path:
    """3 s at 30 frames/s, one keyframe, many non-reference B-frames (checked)."""
    import av

    yy, xx = np.mgrid[0:64, 0:96]
    frames = []
    for i in range(90):  # smooth motion: x264 makes B-frames of it (noise it would not)
        rgb = np.zeros((64, 96, 3), np.uint8)
        rgb[..., 0], rgb[..., 1] = (xx * 2 + i) % 256, (yy * 3) % 256
        rgb[20:40, i % 70 : i % 70 + 20, 2] = 255
        frames.append(rgb)
    write_clip(path, frames, encoder_options={
        "preset": "medium", "bframes": "3", "b-pyramid": "none", "g": "90", "crf": "30"})
    with av.open(str(path)) as probe:
        kinds = [(f.key_frame, str(f.pict_type)) for f in probe.decode(video=0)]
    assert sum(key for key, _ in kinds) == 1  # one keyframe: a seek to 2 s has a 2 s lead-in
    assert sum(kind in ("B", "3") for _, kind in kinds) >= 20  # non-reference (no B-pyramid)
    return path


def test_seek_skipping_the_lead_in_yields_the_frames_of_a_full_decode(tmp_path: Path) -> None:
    """A seek decodes from the keyframe before the start; the lead-in's non-reference
    frames are skipped, and every frame from the start on is bit for bit a full decode's."""
    path = _one_keyframe_b_frame_clip(tmp_path / "b.mp4")
    times, rgbs = _read(path)
    with open_video(path) as reader:
        later = list(reader.frames(start_s=2.0))
        assert str(reader._stream.codec_context.skip_frame).endswith("DEFAULT")
    first = next(i for i, t in enumerate(times) if t >= 2.0)
    assert [t for t, _ in later] == times[first:]
    for (_, got), want in zip(later, rgbs[first:], strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_start_decided_while_decoding_yields_the_frames_of_a_full_decode(
    tmp_path: Path,
) -> None:
    """``start_when`` is offered each packet's time from the keyframe on; from the start it
    takes, every frame comes, bit for bit a full decode's, though packets arrive in decoding
    order (a P-frame before the B-frames shown ahead of it) and the lead-in skipped some."""
    path = _one_keyframe_b_frame_clip(tmp_path / "b.mp4")
    times, rgbs = _read(path)
    offered: list[float] = []

    def start_when(s: float) -> bool:
        offered.append(s)
        return s >= 1.5

    with open_video(path) as reader:
        later = list(reader.frames(start_s=0.5, start_when=start_when))
        started = reader.started_s
    assert offered[0] < 0.5 and 1.5 <= started == offered[-1] < 1.5 + 0.2
    assert sorted(offered) == offered  # one offer a packet, never going back
    first = next(i for i, t in enumerate(times) if t >= started)
    assert [t for t, _ in later] == times[first:]
    for (_, got), want in zip(later, rgbs[first:], strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_start_never_taken_yields_nothing(tmp_path: Path) -> None:
    path = _one_keyframe_b_frame_clip(tmp_path / "b.mp4")
    with open_video(path) as reader:
        assert list(reader.frames(start_s=1.0, start_when=lambda s: False)) == []
        assert reader.started_s == float("inf") and not reader.truncated


def test_reader_iterates_once(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "c.mp4", _shaded(3))
    with open_video(path) as reader:
        list(reader)
        with pytest.raises(RuntimeError, match="only once"):
            list(reader)


def test_damaged_packets_mid_file_are_warned_with_their_times(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", _noisy(90), fps=30)
    bad = corrupt(whole, tmp_path / "bad.mp4", at=0.5, size=len(whole.read_bytes()) // 20)
    with open_video(bad) as reader, pytest.warns(FormcheckWarning, match="damaged") as rec:
        times = [t for t, _ in reader]
    assert reader.decode_errors > 0 and not reader.truncated
    assert len(times) < 90 and times[-1] > 2.5  # frames after the damage still come
    message = str(rec[0].message)
    assert message.startswith("bad.mp4: ") and "\n" not in message
    lo = min(reader.damaged_s)
    assert 0.5 < lo < 2.5 and f"near {lo:.1f}" in message


def test_a_whole_file_has_no_damage_warning(tmp_path: Path) -> None:
    whole = write_clip(tmp_path / "whole.mp4", _noisy(30), fps=30)
    with open_video(whole) as reader, warnings.catch_warnings():
        warnings.simplefilter("error")
        list(reader)
    assert reader.decode_errors == 0 and reader.damage_message == ""


def test_non_square_pixels_decode_at_the_display_shape(tmp_path: Path) -> None:
    """A file whose SAR is 3:4 (pixels narrower than tall) decodes at width x 3/4, as a
    player shows it; ``pixel_aspect=`` overrides the file's SAR."""
    from support.awkward import make_variant

    source = write_clip(tmp_path / "src.mp4", [pattern_frame(128, 96)] * 4)
    stored = make_variant(source, "anamorphic", tmp_path / "sar.mp4")  # 128x128, SAR 3:4
    with open_video(stored) as reader:
        assert (reader.info.stored_width, reader.info.stored_height) == (128, 128)
        assert reader.info.pixel_aspect == pytest.approx(0.75)
        assert (reader.width, reader.height) == (96, 128)
        rgb = next(iter(reader))[1]
    assert rgb.shape == (128, 96, 3)
    np.testing.assert_allclose(rgb[:64, :24].mean(), 255, atol=8)  # the card's white block
    with open_video(stored, pixel_aspect=1.0) as reader:
        assert (reader.width, reader.height) == (128, 128)
    with open_video(source) as reader:
        assert reader.info.pixel_aspect == 1.0 and (reader.width, reader.height) == (96, 128)
    with pytest.raises(ValueError, match="pixel_aspect"):
        open_video(stored, pixel_aspect=0.0)
