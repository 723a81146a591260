"""PoseSequence: shapes checked when built, NaN for missing, .npz round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.pose.sequence import PoseSequence, SourceMeta


def _sequence(n: int = 4, *, missing: tuple[int, ...] = ()) -> PoseSequence:
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 1, (n, 33, 4)).astype(np.float32)
    world = rng.normal(0, 0.3, (n, 33, 3)).astype(np.float32)
    image[list(missing)] = np.nan
    world[list(missing)] = np.nan
    t = np.cumsum(rng.uniform(0.02, 0.05, n))  # variable frame rate
    meta = SourceMeta(source="clip.mp4", fps=30.0, rotation=90, duration_s=float(t[-1]))
    return PoseSequence(t=t, image=image, world=world, width=640, height=480, meta=meta)


@pytest.mark.parametrize(
    ("field", "bad", "expected"),
    [
        ("image", np.zeros((4, 33, 3)), r"image must have shape \(4, 33, 4\), got \(4, 33, 3\)"),
        ("world", np.zeros((4, 17, 3)), r"world must have shape \(4, 33, 3\), got \(4, 17, 3\)"),
        ("t", np.zeros((4, 1)), r"t must have shape \(T,\)"),
        ("people", np.zeros(3), r"people must have shape \(4,\), got \(3,\)"),
    ],
)
def test_a_wrong_shape_is_named(field: str, bad: np.ndarray, expected: str) -> None:
    good = _sequence()
    args = {"t": good.t, "image": good.image, "world": good.world, "width": 640, "height": 480}
    args[field] = bad
    with pytest.raises(ValueError, match=expected):
        PoseSequence(**args)


def test_times_must_increase_and_size_be_positive() -> None:
    good = _sequence()
    with pytest.raises(ValueError, match="strictly increasing"):
        PoseSequence(t=good.t[::-1], image=good.image, world=good.world, width=640, height=480)
    with pytest.raises(ValueError, match="frame size must be positive"):
        PoseSequence(t=good.t, image=good.image, world=good.world, width=0, height=480)


def test_frames_without_a_person_are_nan_and_counted_as_missing() -> None:
    seq = _sequence(5, missing=(1, 3))
    assert seq.detected.tolist() == [True, False, True, False, True]
    assert seq.people.tolist() == [1, 0, 1, 0, 1]
    assert seq.detection_rate == pytest.approx(0.6)
    assert np.isnan(seq.pixels()[1]).all()


def test_pixels_scale_by_width_and_height() -> None:
    seq = _sequence()
    px = seq.pixels()
    assert px.shape == (4, 33, 2)
    np.testing.assert_allclose(px[..., 0], seq.image[..., 0] * 640, rtol=1e-6)
    np.testing.assert_allclose(px[..., 1], seq.image[..., 1] * 480, rtol=1e-6)


def test_save_load_round_trip_keeps_arrays_nan_and_metadata(tmp_path: Path) -> None:
    seq = _sequence(6, missing=(2,))
    seq.save(tmp_path / "pose.npz")
    back = PoseSequence.load(tmp_path / "pose.npz")
    np.testing.assert_array_equal(back.t, seq.t)
    np.testing.assert_array_equal(back.image, seq.image)  # NaN compare equal here
    np.testing.assert_array_equal(back.world, seq.world)
    np.testing.assert_array_equal(back.people, seq.people)
    assert (back.width, back.height, back.meta) == (640, 480, seq.meta)


def test_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "pose.npz"
    bogus.write_bytes(b"not a numpy file")
    with pytest.raises(FormcheckError, match="not a formcheck pose file"):
        PoseSequence.load(bogus)


def test_slice_and_empty() -> None:
    seq = _sequence(6)
    part = seq.slice(2, 5)
    assert len(part) == 3
    np.testing.assert_array_equal(part.t, seq.t[2:5])
    empty = PoseSequence.empty(640, 480)
    assert len(empty) == 0 and empty.detection_rate == 0.0


def _broken_files(tmp_path: Path) -> list[Path]:
    good = tmp_path / "good.npz"
    _sequence().save(good)
    cut = tmp_path / "cut.npz"  # a zip whose end was lost
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    no_width = tmp_path / "no_width.npz"
    np.savez(no_width, t=np.zeros(1), image=np.zeros((1, 33, 4)), world=np.zeros((1, 33, 3)),
             people=np.zeros(1), header=np.array('{"format": 1, "meta": {}}'))  # fmt: skip
    odd_meta = tmp_path / "odd_meta.npz"
    header = '{"format": 1, "width": 1, "height": 1, "meta": {"colour": "red"}}'
    np.savez(odd_meta, t=np.zeros(1), image=np.zeros((1, 33, 4)), world=np.zeros((1, 33, 3)),
             people=np.zeros(1), header=np.array(header))  # fmt: skip
    return [cut, no_width, odd_meta, tmp_path / "missing.npz"]


def test_damaged_pose_files_are_one_line_errors(tmp_path: Path) -> None:
    for path in _broken_files(tmp_path):
        with pytest.raises(FormcheckError, match=path.name) as err:
            PoseSequence.load(path)
        assert "\n" not in str(err.value)


def test_save_returns_the_path_numpy_wrote(tmp_path: Path) -> None:
    written = _sequence().save(tmp_path / "out")
    assert written == tmp_path / "out.npz" and written.is_file()
    assert len(PoseSequence.load(written)) == 4
