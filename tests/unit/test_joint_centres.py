"""The joint-centre estimate: geometry of the thigh and shank frames, live = offline, the fit."""

from __future__ import annotations

import numpy as np
import pytest
from formcheck_synth.calibrate import fit_hip_offsets

from formcheck.config import AnglesConfig, load_config
from formcheck.kinematics.angles import angles, specs_for
from formcheck.kinematics.joint_centres import JointCentreModel, estimate_centres, hip_offset_frame
from formcheck.kinematics.signals import frame_features
from formcheck.pose.landmarks import INDEX

LH, LK, LS, LA = (INDEX[f"left_{j}"] for j in ("hip", "knee", "shoulder", "ankle"))
RH, RK, RS, RA = (INDEX[f"right_{j}"] for j in ("hip", "knee", "shoulder", "ankle"))


def _posture(hip_deg: float, facing: int = 1, thigh_px: float = 100.0) -> np.ndarray:
    """(1, 33, 2) pixels of a side view: trunk vertical, thigh ``hip_deg`` forward
    of vertical (towards ``facing``), both sides on top of each other; others NaN."""
    pix = np.full((1, 33, 2), np.nan)
    hip = np.array([300.0, 300.0])
    a = np.radians(hip_deg)
    knee = hip + thigh_px * np.array([facing * np.sin(a), np.cos(a)])
    for h, k, s in ((LH, LK, LS), (RH, RK, RS)):
        pix[0, h], pix[0, k], pix[0, s] = hip, knee, hip + np.array([0.0, -150.0])
    return pix


def _displace(pix: np.ndarray, along: float, anterior: float, facing: int) -> np.ndarray:
    """Move both hips by (along, anterior) thigh lengths in their thigh frame."""
    out = pix.copy()
    for h, k in ((LH, LK), (RH, RK)):
        u, n, length, _s = hip_offset_frame(pix, h, k, facing)
        out[:, h] += length[:, None] * (along * u + anterior * n)
    return out


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("hip_deg", [0.0, 45.0, 90.0])
def test_a_constant_offset_is_removed_exactly(facing: int, hip_deg: float) -> None:
    model = JointCentreModel(0.04, 0.04, 0.07, 0.07)
    centre = _posture(hip_deg, facing)
    landmark = _displace(centre, 0.04, 0.07, facing)
    est = estimate_centres(landmark, facing, model)
    err = np.linalg.norm(est[0, LH] - centre[0, LH])
    # the thigh frame is measured on the landmark, which turns it by ~4 deg here:
    # what is left is under 1 % of the thigh (calibration measures in the same frame)
    assert err < 1.0
    assert np.linalg.norm(landmark[0, LH] - centre[0, LH]) > 7.0


def test_the_anterior_normal_points_the_way_the_person_faces() -> None:
    standing = _posture(0.0, facing=1)
    _u, n, _l, s = hip_offset_frame(standing, LH, LK, 1)
    np.testing.assert_allclose(n[0], [1.0, 0.0], atol=1e-12)  # forward = +x
    seated = _posture(90.0, facing=-1)
    _u, n, _l, s = hip_offset_frame(seated, LH, LK, -1)
    np.testing.assert_allclose(n[0], [0.0, -1.0], atol=1e-12)  # a level thigh: up (y down)
    assert s[0] == pytest.approx(1.0)


def test_offsets_interpolate_between_standing_and_seated() -> None:
    model = JointCentreModel(0.0, 0.1, 0.0, 0.0)
    half = _posture(45.0)
    est = estimate_centres(half, 1, model)
    moved = np.linalg.norm(est[0, LH] - half[0, LH])
    assert moved == pytest.approx(0.05 * 100.0, rel=1e-9)  # s = 0.5 of 0.1 thigh lengths


def test_hip_extension_uses_the_standing_offset() -> None:
    model = JointCentreModel(0.0, 0.1, 0.0, 0.0)
    extended = _posture(-15.0)
    est = estimate_centres(extended, 1, model)
    np.testing.assert_allclose(est, extended)


def test_live_rows_equal_the_whole_clip() -> None:
    rng = np.random.default_rng(3)
    clip = np.concatenate([_posture(a) for a in np.linspace(0, 95, 40)])
    clip = clip + rng.normal(0.0, 2.0, clip.shape)
    model = AnglesConfig().centre_model()
    assert model is not None
    whole = estimate_centres(clip, 1, model)
    rows = np.concatenate([estimate_centres(clip[i : i + 1], 1, model) for i in range(len(clip))])
    np.testing.assert_array_equal(whole, rows)


def test_unseen_knee_keeps_the_landmark_and_the_shoulder_is_not_needed() -> None:
    model = JointCentreModel(0.0, 0.2, 0.05, 0.3)
    pix = _posture(90.0)
    no_knee = pix.copy()
    no_knee[0, LK] = np.nan
    np.testing.assert_array_equal(estimate_centres(no_knee, 1, model)[0, LH], pix[0, LH])
    no_shoulder = pix.copy()
    no_shoulder[0, LS] = np.nan
    est = estimate_centres(no_shoulder, 1, model)[0, LH]
    # seated offsets: along 0.2 * 100 px (towards the knee, +x), anterior 0.3 * 100 px
    # (the front of a level thigh is up, -y): the centre is behind and below
    np.testing.assert_allclose(est, pix[0, LH] - np.array([20.0, -30.0]))


def test_a_standing_forward_bend_keeps_the_standing_offsets() -> None:
    """What the offsets follow is the thigh, not the hip angle: bending the trunk
    forward over straight legs is not sitting (hip flexion ~90 deg either way)."""
    model = JointCentreModel(0.0, 0.2, 0.05, 0.3)
    bend = _posture(0.0)
    for s in (LS, RS):
        bend[0, s] = bend[0, LH] + np.array([150.0, 0.0])  # trunk level, legs vertical
    est = estimate_centres(bend, 1, model)[0, LH]
    np.testing.assert_allclose(est, bend[0, LH] - np.array([5.0, 0.0]))  # standing: 0.05 back


def test_the_estimate_makes_a_seated_hip_read_more_flexed() -> None:
    """The landmark sits in front of and above the centre: the estimate moves it
    back and down, so the seated hip reads more flexed and the trunk more upright."""
    pix = _displace(_posture(90.0), 0.08, 0.07, 1)
    raw = angles(pix, specs_for("left"))
    est = angles(estimate_centres(pix, 1, AnglesConfig().centre_model()), specs_for("left"))  # type: ignore[arg-type]
    assert est[0, 1] > raw[0, 1] + 2.0


def test_features_follow_the_configured_hip_point() -> None:
    pix = _displace(_posture(80.0), 0.08, 0.07, 1)
    pts = np.concatenate([pix, np.full(pix.shape[:-1] + (3,), np.nan)], axis=-1)
    raw = frame_features(pts, "left", 1, None, None)
    est = frame_features(pts, "left", 1, None, load_config().angles.centre_model())
    landmark = load_config(overrides=["angles.joint_centres=landmark"]).angles.centre_model()
    off = frame_features(pts, "left", 1, None, landmark)
    np.testing.assert_array_equal(raw, off)
    assert not np.allclose(raw[:, :3], est[:, :3])
    np.testing.assert_array_equal(raw[:, 6:8], est[:, 6:8])  # hip height, wrist-thigh: landmarks


def test_a_bad_joint_centres_setting_names_the_key() -> None:
    with pytest.raises(ValueError, match="angles.joint_centres"):
        load_config(overrides=["angles.joint_centres=middle"])


def _residuals(rng: np.random.Generator, n: int, model: JointCentreModel, noise: float):
    s = rng.uniform(0.0, 1.0, n)
    a = model.along_standing + s * (model.along_seated - model.along_standing)
    b = model.anterior_standing + s * (model.anterior_seated - model.anterior_standing)
    return s, a + rng.normal(0, noise, n), b + rng.normal(0, noise, n)


def test_the_fit_recovers_known_offsets() -> None:
    rng = np.random.default_rng(0)
    true = JointCentreModel(-0.02, 0.09, 0.05, 0.07)
    fitted = fit_hip_offsets(_residuals(rng, 300, true, 0.01) for _ in range(5))
    expected = (true.along_standing, true.along_seated,
                true.anterior_standing, true.anterior_seated)  # fmt: skip
    assert fitted == pytest.approx(expected, abs=0.005)


def test_every_clip_weighs_the_same_in_the_fit() -> None:
    rng = np.random.default_rng(1)
    short = JointCentreModel(0.0, 0.0, 0.0, 0.0)
    long = JointCentreModel(0.1, 0.1, 0.1, 0.1)
    fitted = fit_hip_offsets([_residuals(rng, 50, short, 0.0), _residuals(rng, 5000, long, 0.0)])
    assert fitted[2] == pytest.approx(0.05, abs=0.01)


def test_the_fit_refuses_empty_input() -> None:
    nan = np.full(10, np.nan)
    with pytest.raises(ValueError, match="no frame"):
        fit_hip_offsets([(nan, nan, nan)])


def test_the_knee_moves_back_across_the_shank() -> None:
    model = JointCentreModel(0.0, 0.0, 0.0, 0.0, knee_anterior=0.02)
    pix = _posture(90.0, facing=-1)
    pix[0, LA] = pix[0, LK] + np.array([0.0, 120.0])  # shank straight down
    est = estimate_centres(pix, -1, model)
    # facing image left, the front of a vertical shank is -x: the centre is 2.4 px to +x
    np.testing.assert_allclose(est[0, LK], pix[0, LK] + np.array([2.4, 0.0]))
    np.testing.assert_array_equal(est[0, LH], pix[0, LH])


def test_an_unseen_ankle_keeps_the_knee() -> None:
    model = JointCentreModel(0.0, 0.0, 0.0, 0.0, knee_anterior=0.02)
    pix = _posture(90.0)
    np.testing.assert_array_equal(estimate_centres(pix, 1, model), pix)


def _displaced_clip(offsets: JointCentreModel):
    """A built sit-to-stand whose hip landmarks sit ``offsets`` away from the
    joint centres (the built figure's hips), with the truth object a rendered
    clip would carry: (truth, PoseSequence)."""
    from support.builders import build_sequence, sit_to_stand_curves, uniform_times

    fps = 30.0
    t = uniform_times(8.0, fps)
    trunk, hip, knee = sit_to_stand_curves(t, [(1.0, 2.0, 3.5, 4.5), (5.0, 5.8, 6.5, 7.5)])
    seq = build_sequence(t, trunk, hip, knee, facing=1, near="left")
    pix = seq.pixels()
    centres = {name: pix[:, INDEX[name]].tolist() for name in ("left_hip", "left_knee")}
    for h, k in ((LH, LK), (RH, RK)):
        u, n, length, s = hip_offset_frame(pix, h, k, 1)
        along = offsets.along_standing + s * (offsets.along_seated - offsets.along_standing)
        ant = offsets.anterior_standing + s * (offsets.anterior_seated - offsets.anterior_standing)
        pix[:, h] += length[:, None] * (along[:, None] * u + ant[:, None] * n)
    seq.image[..., 0] = pix[..., 0] / seq.width
    seq.image[..., 1] = pix[..., 1] / seq.height
    truth = {"exercise": "sit_to_stand", "side": "left", "fps": fps, "frames": len(t),
             "joints_px": centres,
             "angles": {"image": {"trunk_inclination": trunk.tolist(),
                                  "hip_flexion": hip.tolist(), "knee_flexion": knee.tolist()}}}
    return truth, seq


def test_calibration_recovers_offsets_and_removes_the_angle_error() -> None:
    from formcheck_synth.calibrate import angle_cost, fit_centres, point_fit

    true = JointCentreModel(-0.03, 0.12, 0.06, 0.09)
    clips = [_displaced_clip(true)]
    assert angle_cost(None, clips) > 3.0  # the displaced landmarks read the angles wrong
    start = point_fit(clips)
    # measured in the displaced landmark's own frame, which the offset tilts: near, not equal
    assert start.anterior_standing == pytest.approx(0.06, abs=0.01)
    assert start.anterior_seated == pytest.approx(0.09, abs=0.035)
    fitted = fit_centres(clips)
    assert angle_cost(fitted, clips) <= angle_cost(start, clips) < 0.3
