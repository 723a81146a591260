"""The angle table and the vectorised kernel."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.kinematics.angles import (
    ANGLE_SPECS,
    JOINTS,
    angles,
    compute_angles,
    facing_sign,
    specs_for,
)
from formcheck.pose.landmarks import INDEX, mirror_name
from support.builders import build_sequence, flexion_curves, sit_to_stand_curves, uniform_times


def test_every_left_row_mirrors_its_right_row() -> None:
    left = [s for s in ANGLE_SPECS if s.side == "left"]
    right = {s.name: s for s in ANGLE_SPECS if s.side == "right"}
    assert len(left) == len(right) == len(JOINTS)
    for spec in left:
        twin = right[f"{spec.joint}_right"]
        assert (twin.a, twin.b) == (mirror_name(spec.a), mirror_name(spec.b))
        assert twin.c == (None if spec.c is None else mirror_name(spec.c))
        assert twin.supplement == spec.supplement
        assert spec.a.startswith("left_") and twin.a.startswith("right_")


def _pose(points: dict[str, tuple[float, float]]) -> np.ndarray:
    pts = np.full((1, 33, 2), np.nan)
    for name, xy in points.items():
        for side in ("left", "right"):
            pts[0, INDEX[f"{side}_{name}"]] = xy
    return pts


STANDING = {"shoulder": (0, -100), "hip": (0, 0), "knee": (0, 50), "ankle": (0, 100)}
SEATED = {"shoulder": (0, -100), "hip": (0, 0), "knee": (50, 0), "ankle": (50, 50)}


@pytest.mark.parametrize(
    ("pose", "expected"),
    [(STANDING, (0.0, 0.0, 0.0)), (SEATED, (0.0, 90.0, 90.0))],
    ids=["standing straight reads 0", "seated upright reads 90"],
)
def test_conventions(pose: dict, expected: tuple[float, float, float]) -> None:
    for side in ("left", "right"):
        values = angles(_pose(pose), specs_for(side), np.array([1.0, 0.0]))[0]
        np.testing.assert_allclose(values, expected, atol=1e-9)


@pytest.mark.parametrize(("dx", "facing", "sign"), [(50, 1, 1), (-50, 1, -1), (-50, -1, 1)])
def test_trunk_sign_follows_facing(dx: float, facing: int, sign: int) -> None:
    pose = dict(STANDING, shoulder=(dx, -50))
    trunk = angles(_pose(pose), specs_for("left"), np.array([facing, 0.0]))[0, 0]
    assert trunk == pytest.approx(sign * 45.0)


EXTENDED = {"shoulder": (-30, -95), "hip": (0, 0), "knee": (0, 50), "ankle": (0, 100)}


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("dim", [2, 3])
def test_hip_extension_reads_negative(facing: int, dim: int) -> None:
    """Trunk behind the thigh line (a backward bend at the hip) is hip extension:
    negative, the goniometry convention; the same pose bent forward is flexion."""
    for pose, sign in ((EXTENDED, -1.0), (dict(EXTENDED, shoulder=(30, -95)), 1.0)):
        pts = _pose({k: (facing * x, y) for k, (x, y) in pose.items()})
        if dim == 3:
            pts = np.concatenate([pts, np.full((1, 33, 1), 0.4)], axis=-1)
        fwd = np.array([facing, 0.0, 0.0][:dim])
        trunk, hip, knee = angles(pts, specs_for("left"), fwd)[0]
        expected = np.degrees(np.arctan2(30, 95))
        assert trunk == pytest.approx(sign * expected)
        assert hip == pytest.approx(sign * expected) and knee == pytest.approx(0.0)


def test_kernel_in_3d_matches_2d_for_a_planar_pose() -> None:
    pts2 = _pose(SEATED)
    pts3 = np.concatenate([pts2, np.zeros((1, 33, 1))], axis=-1)
    np.testing.assert_allclose(angles(pts3), angles(pts2), atol=1e-9)


def test_nan_landmark_gives_nan_angle_only_where_used() -> None:
    pts = _pose(STANDING)
    pts[0, INDEX["left_ankle"]] = np.nan
    values = angles(pts, specs_for("left"))[0]
    assert np.isnan(values[2]) and np.isfinite(values[:2]).all()


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize(("width", "height"), [(640, 480), (264, 470)])
def test_builder_angles_recovered_exactly(facing: int, width: int, height: int) -> None:
    t = uniform_times(6.0, 30.0)
    trunk, hip, knee = sit_to_stand_curves(t, [(1.0, 2.0, 3.5, 4.5)])
    seq = build_sequence(t, trunk, hip, knee, facing=facing, width=width, height=height)
    assert facing_sign(seq.pixels()) == facing
    got = compute_angles(seq, "left", centres=None)  # the built hip is the joint centre
    for name, truth in zip(JOINTS, (trunk, hip, knee), strict=True):
        np.testing.assert_allclose(got[name], truth, atol=1e-3)


def test_world_source_matches_in_side_view() -> None:
    t = uniform_times(4.0, 30.0)
    trunk, hip, knee = flexion_curves(t, [(0.5, 1.5, 2.5, 3.5)], peak=-25.0)
    seq = build_sequence(t, trunk, hip, knee, facing=-1)
    got = compute_angles(seq, "right", source="world")
    np.testing.assert_allclose(got["trunk_inclination"], trunk, atol=1e-3)


def test_compute_angles_rejects_bad_side() -> None:
    t = uniform_times(1.0, 10.0)
    seq = build_sequence(t, *flexion_curves(t, []))
    with pytest.raises(ValueError, match="side must be"):
        compute_angles(seq, "middle")  # type: ignore[arg-type]


def test_landmarks_placed_outside_the_frame_are_missing_not_measured() -> None:
    """Legs out of the frame: MediaPipe still places knees and ankles (below the image,
    sometimes 'visible'); they must give NaN angles, never numbers from a guess."""
    import numpy as np

    from formcheck.kinematics.signals import COL, frame_features, masked_points

    image = np.full((1, 33, 4), 0.5)
    image[..., 3] = 0.9
    image[0, [25, 26, 27, 28], 1] = 1.3  # knees and ankles 30 % of the frame below it
    pts = masked_points(image, None, 640, 480, 0.5)
    assert np.isnan(pts[0, [25, 26, 27, 28]]).all() and np.isfinite(pts[0, 11, :2]).all()
    feats = frame_features(pts, "left", 1)
    assert np.isnan(feats[0, [COL["hip_flexion"], COL["knee_flexion"], COL["hip_height"]]]).all()
