"""The synthetic-clip generator: pure parts without torch; a tiny real render with the extra."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from formcheck_synth.accuracy import angle_figures
from formcheck_synth.camera import Camera, look_at, place_camera
from formcheck_synth.motion import Track, WalkIn, min_jerk, sample_tracks
from formcheck_synth.sample_sets import ROBUSTNESS, SAMPLES, robustness_specs
from formcheck_synth.script import (
    FAULTS,
    SCRIPTED,
    CameraSpec,
    ClipSpec,
    RepSpec,
    SquashSpec,
    choreograph,
    random_clip,
)
from formcheck_synth.truth import camera_side, image_angles, joint_angles, world_angles

from gate.measure import compare

# --- minimum-jerk motion ------------------------------------------------------------------


def test_min_jerk_profile_ends_still_and_is_symmetric() -> None:
    s = np.linspace(0.0, 1.0, 1001)
    p = min_jerk(s)
    assert p[0] == 0.0 and p[-1] == 1.0
    assert min_jerk(0.5) == pytest.approx(0.5)
    v = np.gradient(p, s)
    assert abs(v[0]) < 1e-3 and abs(v[-1]) < 1e-3
    assert np.max(v) == pytest.approx(1.875, abs=1e-3)  # peak speed of minimum jerk
    assert np.all(np.diff(p) >= 0)
    np.testing.assert_allclose(p, 1.0 - min_jerk(1.0 - s), atol=1e-12)


def test_track_passes_through_keys_and_holds_outside() -> None:
    track = Track((1.0, 2.0, 4.0), (0.0, 60.0, 10.0))
    np.testing.assert_allclose(track([0.0, 1.0, 2.0, 4.0, 9.0]), [0.0, 0.0, 60.0, 10.0, 10.0])
    assert track(1.5) == pytest.approx(30.0)
    assert sample_tracks({"a": track}, [3.0])["a"][0] == pytest.approx(35.0)


@pytest.mark.parametrize(("times", "values"), [((1.0, 1.0), (0.0, 1.0)), ((0.0,), (1.0, 2.0))])
def test_track_rejects_bad_keys(times: tuple, values: tuple) -> None:
    with pytest.raises(ValueError, match="Track"):
        Track(times, values)


# --- key-pose schedule --------------------------------------------------------------------


def _spec(exercise: str, faults: dict[int, str] | None = None) -> ClipSpec:
    return random_clip("t", exercise, seed=5, n_reps=3, faults=faults)


@pytest.mark.parametrize("exercise", SCRIPTED)
def test_rep_times_follow_the_reps_in_order(exercise: str) -> None:
    spec = _spec(exercise)
    reps = choreograph(spec).reps
    assert len(reps) == 3
    t = spec.lead_in_s
    for rep, planned in zip(reps, spec.reps, strict=True):
        assert rep.start == pytest.approx(t)
        assert rep.extreme == pytest.approx(t + planned.out_s)
        assert rep.end == pytest.approx(t + planned.out_s + planned.hold_s + planned.back_s)
        t += planned.duration_s
    assert reps[-1].end < spec.duration_s


def _at(spec: ClipSpec, when: float) -> dict[str, float]:
    values = sample_tracks(choreograph(spec).tracks, [when])
    return {k: float(v[0]) for k, v in values.items()}


@pytest.mark.parametrize("exercise", ["trunk_flexion", "back_extension"])
def test_knee_bend_only_on_the_faulty_rep(exercise: str) -> None:
    spec = _spec(exercise, {1: "knees_bending"})
    reps = choreograph(spec).reps
    knees = [(lambda p: p["shank"] - p["thigh"])(_at(spec, r.extreme)) for r in reps]
    assert knees[1] > 25.0
    assert abs(knees[0]) < 5.0 and abs(knees[2]) < 5.0
    assert [r.fault for r in reps] == [None, "knees_bending", None]


def test_trunk_reaches_the_planned_depth_and_returns() -> None:
    spec = _spec("trunk_flexion")
    for rep, planned in zip(choreograph(spec).reps, spec.reps, strict=True):
        assert _at(spec, rep.extreme)["thorax"] == pytest.approx(planned.depth)
        assert _at(spec, rep.end)["thorax"] == pytest.approx(0.0, abs=1e-9)


def test_too_fast_rep_is_shorter_and_faster() -> None:
    spec = _spec("back_extension", {2: "too_fast"})
    normal, fast = spec.reps[0], spec.reps[2]
    assert fast.out_s < normal.out_s / 3 and fast.hold_s == 0.0
    assert 1.875 * fast.depth / fast.out_s > 90.0  # above the core's default speed limit


def test_sit_to_stand_faults_show_in_the_pose() -> None:
    spec = _spec("sit_to_stand", {1: "incomplete_stand", 2: "arms_used"})
    reps = choreograph(spec).reps
    top = [_at(spec, r.extreme) for r in reps]
    assert abs(top[0]["thigh"]) < 1.0 and top[1]["thigh"] < -20.0
    rise = [_at(spec, r.start + 0.5 * (r.extreme - r.start))["push"] for r in reps]
    assert rise == [0.0, 0.0, 1.0]
    assert _at(spec, 0.0)["thigh"] < -80.0  # starts seated


def test_random_clip_is_deterministic_for_a_seed() -> None:
    a = random_clip("x", "sit_to_stand", seed=3, faults={0: "arms_used"})
    assert a == random_clip("x", "sit_to_stand", seed=3, faults={0: "arms_used"})
    assert a != random_clip("x", "sit_to_stand", seed=4, faults={0: "arms_used"})
    tracks = choreograph(a).tracks
    again = choreograph(random_clip("x", "sit_to_stand", seed=3, faults={0: "arms_used"}))
    assert tracks == again.tracks


def test_bad_specs_are_refused_with_the_valid_names() -> None:
    with pytest.raises(ValueError, match="sit_to_stand"):
        random_clip("x", "lunge", seed=1)
    with pytest.raises(ValueError, match="incomplete_stand"):
        random_clip("x", "sit_to_stand", seed=1, faults={0: "knees_bending"})
    with pytest.raises(ValueError, match="even"):
        replace(_spec("trunk_flexion"), width=641)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--exercise", "sit_to_stand", "--reps", "0"], "at least one rep"),
        (["--exercise", "sit_to_stand", "--fault", "1"], "--fault needs REP:KIND"),
        (["--exercise", "sit_to_stand", "--fault", "7:arms_used"], "fault rep indices"),
        (["--exercise", "back_extension", "--fault", "0:arms_used"], "not one of"),
    ],
)
def test_synth_command_refuses_bad_clips_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture
) -> None:
    from formcheck_synth.cli import main

    assert main(["clip", "x", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_portrait_and_oblique_choices() -> None:
    spec = random_clip("p", "trunk_flexion", seed=2, portrait=True, view="oblique")
    assert spec.height > spec.width
    assert spec.camera.view == "oblique"
    assert CameraSpec(azimuth_deg=-90.0).view == "side"
    assert set(FAULTS) == set(SCRIPTED)


# --- the robustness set: motion without the renderer -------------------------------------

ROBUST_DIR = Path(__file__).resolve().parents[2] / "sample_videos" / "robustness"


def _robust(name: str) -> ClipSpec:
    spec = {s.name: s for s in robustness_specs()}[name]
    assert isinstance(spec, ClipSpec)
    return spec


def _knee(pose: dict[str, float]) -> float:
    return pose["shank"] - pose["thigh"]


def test_squat_goes_down_to_its_depth_and_back_up_every_rep() -> None:
    spec = _robust("squat_frontal")
    reps = choreograph(spec).reps
    assert len(reps) == 5 and spec.exercise == "squat"
    assert abs(_knee(_at(spec, 0.5 * reps[0].start))) < 1e-9  # standing still first
    for rep, planned in zip(reps, spec.reps, strict=True):
        bottom = _at(spec, rep.extreme + rep.hold_s / 2)
        assert _knee(bottom) == pytest.approx(planned.depth) and planned.depth == 90.0
        assert bottom["thorax"] > 20.0  # leaning forward over the feet
        assert abs(_knee(_at(spec, rep.end))) < 1e-9
    # the commanded pitches, as joint centres, read as a 90 deg knee and a deep hip
    world = world_angles(_chain(bottom["thorax"], -bottom["thigh"], -bottom["shank"]), "left")
    assert world["knee_flexion"][0] == pytest.approx(90.0)
    assert 80.0 < world["hip_flexion"][0] < 100.0


def test_sts_no_still_start_moves_from_the_first_frame() -> None:
    spec = _robust("sts_no_still_start")
    reps = choreograph(spec).reps
    assert reps[0].start == 0.0 and len(reps) == 5 and spec.test == "5xsts"
    assert _at(spec, 0.1)["thorax"] - _at(spec, 0.0)["thorax"] > 1.0
    assert _at(spec, 0.0)["thigh"] < -85.0  # seated at frame 0, already on the way up


def test_sts_starts_mid_rep_with_one_partial_rep_then_complete_ones() -> None:
    spec = _robust("sts_starts_mid_rep")
    chor = choreograph(spec)
    assert len(chor.partial) == 1 and len(chor.complete) == 4
    first = chor.partial[0]
    assert first.start < 0.0 < first.extreme  # under way at frame 0, standing later
    thigh = sample_tracks(chor.tracks, [0.0, 1.0 / spec.fps])["thigh"]
    assert -60.0 < thigh[0] < -30.0  # hips about halfway up
    assert thigh[1] > thigh[0]  # and rising
    assert all(r.start >= first.end for r in chor.complete)


def test_walk_in_slows_to_a_stop_with_the_legs_together() -> None:
    walk = WalkIn(stop_s=2.0, speed_m_s=1.3, slow_s=0.8, stride_m=1.3)
    t = np.linspace(0.0, 3.0, 3001)
    d = walk.displacement(t)
    assert d[0] == pytest.approx(-(1.3 * 1.2 + 1.3 * 0.4))
    np.testing.assert_allclose(np.gradient(d, t)[t < 1.1], 1.3, atol=1e-6)  # steady walk
    np.testing.assert_allclose(np.gradient(d, t), walk.speed(t), atol=2e-3)  # consistent
    assert np.all(np.diff(d) >= 0) and np.all(d[t >= 2.0] == 0.0)
    legs = walk.legs(t)
    np.testing.assert_allclose(legs["thigh_l"], -legs["thigh_r"], atol=1e-9)  # alternate
    assert np.max(np.abs(legs["thigh_l"])) == pytest.approx(20.0, abs=0.1)
    assert all(np.all(v[t >= 2.0] == 0.0) for v in legs.values())
    assert np.max(legs["shank_l"] - legs["thigh_l"]) > 45.0  # knee flexes in the swing


def test_walk_in_clip_walks_first_then_flexes() -> None:
    spec = _robust("walk_in_then_flexion")
    chor = choreograph(spec)
    assert chor.walk is not None and chor.walk.stop_s == spec.walk_in_s == 2.0
    assert chor.reps[0].start == pytest.approx(spec.walk_in_s + spec.lead_in_s)
    assert _at(spec, 0.0)["walk"] < -1.8 and _at(spec, chor.reps[0].start)["walk"] == 0.0
    with pytest.raises(ValueError, match="walking in"):
        replace(_robust("sts_no_still_start"), walk_in_s=1.0)
    with pytest.raises(ValueError, match="start_at_s"):
        replace(spec, start_at_s=spec.choreography_s + 1.0)


def test_place_camera_puts_the_person_off_centre_when_asked() -> None:
    pts = np.array([[0.0, 0.0, -0.3], [0.0, 1.8, 0.6], [0.2, 1.0, 0.0], [-0.2, 0.5, 0.1]])
    for height in (0.5, 1.1, 1.9):  # level, tilted up and down: no roll, still on target
        spec = CameraSpec(azimuth_deg=-90.0, distance_m=4.0, height_m=height, yfov_deg=64.0,
                          aim_x=0.78)  # fmt: skip
        cam = place_camera(spec, pts, 360, 640)
        middle = cam.project((pts.min(axis=0) + pts.max(axis=0)) / 2)
        assert middle[0] == pytest.approx(0.78 * 360, abs=0.5)
        px = cam.project(pts)
        assert np.all((px >= 0) & (px <= [360, 640]))
        assert abs(cam.pose[1, 0]) < 1e-9  # the camera's x axis stays level
    centred = place_camera(replace(spec, aim_x=0.5), pts, 360, 640)
    assert centred.project((pts.min(axis=0) + pts.max(axis=0)) / 2)[0] == pytest.approx(180.0)


def test_robustness_set_names_are_new_and_the_squash_follows_its_source() -> None:
    specs = robustness_specs()
    assert not set(ROBUSTNESS) & set(SAMPLES) and len(set(ROBUSTNESS)) == len(ROBUSTNESS)
    names = [s.name for s in specs]
    for i, spec in enumerate(specs):
        if isinstance(spec, SquashSpec):
            assert spec.source in names[:i]
    assert {s.camera.view for s in specs if isinstance(s, ClipSpec)} == {"side", "oblique",
                                                                          "front"}  # fmt: skip


# --- the committed robustness truth files (written by the renderer, read here) ----------


def _truth_file(name: str) -> dict:
    path = ROBUST_DIR / f"{name}.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing: ./dev synth samples --set robustness")
    return json.loads(path.read_text())


@pytest.mark.parametrize("name", [n for n in ROBUSTNESS if not n.endswith("_squashed")])
def test_robustness_truth_files_match_their_specs(name: str) -> None:
    spec, truth = _robust(name), _truth_file(name)
    chor = choreograph(spec)
    assert (truth["fps"], truth["width"], truth["height"]) == (spec.fps, spec.width, spec.height)
    assert truth["frames"] == len(spec.frame_times())
    assert truth["rep_count"] == len(chor.complete) == len(truth["reps"])
    for got, rep in zip(truth["reps"], chor.complete, strict=True):
        assert (got["start_s"], got["extreme_s"], got["end_s"]) == (
            round(rep.start, 3), round(rep.extreme, 3), round(rep.end, 3))  # fmt: skip
    assert truth["note"] == spec.note and truth["view"] == spec.camera.view
    assert (ROBUST_DIR / f"{name}.mp4").stat().st_size < 400_000


def test_squat_truth_knee_reaches_ninety_at_every_bottom() -> None:
    truth = _truth_file("squat_frontal")
    knee = np.asarray(truth["angles"]["world"]["knee_flexion"])
    for rep in truth["reps"]:
        bottom = int(round((rep["extreme_s"] + rep["hold_s"] / 2) * truth["fps"]))
        assert 85.0 < knee[bottom] < 95.0
        assert abs(knee[int(round(rep["end_s"] * truth["fps"]))]) < 5.0
    assert truth["start"]["posture"] == "standing" and truth["start"]["still_s"] == 1.0


def test_no_still_start_truth_moves_in_the_first_tenth_of_a_second() -> None:
    truth = _truth_file("sts_no_still_start")
    trunk = np.asarray(truth["angles"]["world"]["trunk_inclination"])
    hip = np.asarray(truth["angles"]["world"]["hip_flexion"])
    first = int(round(0.1 * truth["fps"]))
    assert trunk[first] - trunk[0] > 1.0 and hip[0] > 70.0
    assert truth["start"] == {"posture": "seated", "still_s": 0.0, "in_view_from_s": 0.0}
    assert truth["reps"][0]["start_s"] == 0.0 and truth["rep_count"] == 5


def test_mid_rep_truth_starts_halfway_up_and_counts_only_complete_reps() -> None:
    truth = _truth_file("sts_starts_mid_rep")
    knee = np.asarray(truth["angles"]["world"]["knee_flexion"])
    assert 30.0 < knee[0] < 70.0 and knee[1] < knee[0]  # halfway up, straightening
    (partial,) = truth["partial_reps"]
    assert partial["start_s"] < 0.0 < partial["extreme_s"] and partial["complete"] is False
    assert truth["rep_count"] == truth["complete_reps_after_partial"] == 4
    assert truth["start"]["posture"] == "rising (mid-rep)"
    assert truth["reps"][0]["start_s"] >= partial["end_s"]


def test_walk_in_truth_enters_the_frame_after_the_first_frame() -> None:
    truth = _truth_file("walk_in_then_flexion")
    assert truth["start"]["posture"] == "walking in"
    assert 0.3 < truth["start"]["in_view_from_s"] < truth["walk_in"]["stop_s"]
    hip_x = np.asarray(truth["joints_px"][f"{truth['side']}_hip"])[:, 0]
    assert not 0.0 <= hip_x[0] <= truth["width"]  # out of frame at first
    assert truth["reps"][0]["start_s"] > truth["walk_in"]["stop_s"]


def test_squashed_truth_keeps_times_and_reads_angles_off_both_images() -> None:
    src, sq = _truth_file("sts_no_still_start"), _truth_file("sts_no_still_start_squashed")
    assert (sq["width"], sq["height"]) == (640, 360) and (src["width"], src["height"]) == (640, 480)
    assert sq["reps"] == src["reps"] and sq["frames"] == src["frames"]
    assert sq["angles"]["image"] == src["angles"]["image"]  # of the unsquashed image
    scale = sq["squashed"]["scale_y"]
    np.testing.assert_allclose(np.asarray(sq["joints_px"]["left_hip"])[:, 1],
                               np.asarray(src["joints_px"]["left_hip"])[:, 1] * scale,
                               atol=0.11)  # fmt: skip
    trunk = np.asarray(src["angles"]["image"]["trunk_inclination"])
    squashed = np.asarray(sq["angles"]["image_as_encoded"]["trunk_inclination"])
    lean = trunk > 20.0
    assert np.all(squashed[lean] > trunk[lean])  # squashing exaggerates a lean
    assert (ROBUST_DIR / sq["clip"]).stat().st_size < 400_000


# --- truth labelling ----------------------------------------------------------------------


def _chain(trunk: float, thigh: float, shank: float) -> dict[str, np.ndarray]:
    """Joint centres (1, 3) of a sagittal pose (world Y up, facing +Z), from pitches in degrees:
    trunk from up towards forward; thigh (hip->knee) and shank (knee->ankle) from down towards
    forward."""

    def down(deg: float) -> np.ndarray:
        a = np.radians(deg)
        return np.array([0.0, -np.cos(a), np.sin(a)])

    hip = np.array([0.0, 0.9, 0.0])
    knee = hip + 0.45 * down(thigh)
    ankle = knee + 0.45 * down(shank)
    shoulder = hip - 0.5 * down(-trunk)
    out = {}
    for side, dx in (("left", 0.1), ("right", -0.1)):
        for name, p in (("hip", hip), ("knee", knee), ("ankle", ankle), ("shoulder", shoulder)):
            out[f"{side}_{name}"] = (p + [dx, 0.0, 0.0])[None, :]
    return out


@pytest.mark.parametrize(
    ("trunk", "thigh", "shank", "expected"),
    [
        (0.0, 0.0, 0.0, (0.0, 0.0, 0.0)),  # standing straight
        (0.0, 90.0, 0.0, (0.0, 90.0, 90.0)),  # seated upright
        (30.0, 90.0, 0.0, (30.0, 120.0, 90.0)),  # seated, leaning forward
        (-20.0, 0.0, 0.0, (-20.0, -20.0, 0.0)),  # back extension: hip extension is negative
        (60.0, 20.0, -10.0, (60.0, 80.0, 30.0)),  # forward bend with knees bent
    ],
)
def test_world_angles_of_known_poses(trunk: float, thigh: float, shank: float,
                                     expected: tuple[float, float, float]) -> None:  # fmt: skip
    got = world_angles(_chain(trunk, thigh, shank), "left")
    for name, value in zip(("trunk_inclination", "hip_flexion", "knee_flexion"), expected,
                           strict=True):  # fmt: skip
        assert got[name][0] == pytest.approx(value, abs=1e-6), name


def _side_camera(size: tuple[int, int] = (640, 480)) -> Camera:
    eye = np.array([8.0, 0.9, 0.0])
    return Camera(look_at(eye, np.array([0.0, 0.9, 0.0])), 20.0, *size)


def test_projected_angles_of_a_known_pose_match_in_side_view() -> None:
    joints = _chain(40.0, 70.0, -5.0)
    cam = _side_camera()
    assert camera_side(cam.position) == "left"
    pixels = {k: cam.project(v) for k, v in joints.items()}
    # camera on the person's left: a person facing +Z faces image left
    assert pixels["left_knee"][0, 0] < pixels["left_hip"][0, 0]
    image = image_angles(pixels, "left", facing=-1)
    world = world_angles(joints, "left")
    for name in image:
        assert image[name][0] == pytest.approx(world[name][0], abs=1.0), name


def test_projection_puts_the_target_at_the_centre_and_up_above() -> None:
    cam = _side_camera((320, 240))
    centre, above = cam.project(np.array([[0.0, 0.9, 0.0], [0.0, 1.5, 0.0]]))
    np.testing.assert_allclose(centre, [160.0, 120.0], atol=1e-9)
    assert above[1] < centre[1]


def test_place_camera_fits_every_point() -> None:
    pts = np.array([[0.0, 0.0, -0.3], [0.0, 1.8, 0.6], [0.2, 1.0, 0.0]])
    cam = place_camera(CameraSpec(azimuth_deg=90.0, distance_m=0.5), pts, 360, 640)
    px = cam.project(pts)
    assert np.all((px >= 0) & (px <= [360, 640]))


def test_angles_2d_and_3d_share_one_kernel() -> None:
    joints = {k: v[:, [2, 1]] * [1, -1] for k, v in _chain(25.0, 80.0, 5.0).items()}
    got = joint_angles(joints, "left", np.array([1.0, 0.0]), np.array([0.0, -1.0]))
    assert got["trunk_inclination"][0] == pytest.approx(25.0)
    assert got["knee_flexion"][0] == pytest.approx(75.0)


# --- gate comparison (pure) ---------------------------------------------------------------


def _truth(n: int = 50) -> dict:
    t = np.arange(n) / 25.0
    return {"fps": 25.0, "frames": n, "angles": {"image": {
        "trunk_inclination": list(30 * np.sin(t)), "hip_flexion": list(-10 + 0 * t),
        "knee_flexion": list(5 + 0 * t)}}}  # fmt: skip


def test_angle_figures_keep_trunk_and_hip_signs_and_compare_the_knee_as_a_magnitude() -> None:
    truth = _truth()
    t = np.arange(50) / 25.0
    measured = {"trunk_inclination": 30 * np.sin(t) + 2.0, "hip_flexion": np.full(50, 10.0),
                "knee_flexion": np.where(t < 1.0, 5.0, np.nan)}  # fmt: skip
    figs = angle_figures(measured, t, truth)
    assert figs["trunk_inclination"] == {"mean": 2.0, "max": 2.0}
    assert figs["hip_flexion"] == {"mean": 20.0, "max": 20.0}  # +10 flexion vs -10 extension
    measured["hip_flexion"] = np.full(50, -10.0)
    assert angle_figures(measured, t, truth)["hip_flexion"] == {"mean": 0.0, "max": 0.0}
    assert figs["knee_flexion"]["mean"] == 0.0


def test_angle_figures_compare_each_angle_with_the_truth_of_its_source() -> None:
    truth = _truth()
    truth["angles"]["world"] = {k: [v + 7.0 for v in vals]
                                for k, vals in truth["angles"]["image"].items()}  # fmt: skip
    t = np.arange(50) / 25.0
    image = {k: np.asarray(v) for k, v in truth["angles"]["image"].items()}
    figs = angle_figures(image, t, truth, {"trunk_inclination": "world"})
    assert figs["trunk_inclination"] == {"mean": 7.0, "max": 7.0}  # against the 3-D truth
    assert figs["hip_flexion"] == {"mean": 0.0, "max": 0.0}  # image, as by default


def test_compare_flags_an_angle_ten_degrees_off() -> None:
    truth = _truth()
    t = np.arange(50) / 25.0
    good = {k: np.abs(np.asarray(v)) if k == "knee_flexion" else np.asarray(v)
            for k, v in truth["angles"]["image"].items()}  # fmt: skip
    recorded = {"clip": {"detection_rate": 1.0, "angles": angle_figures(good, t, truth)}}
    assert compare({"clip": {"detection_rate": 1.0, "angles": angle_figures(good, t, truth)}},
                   recorded) == []  # fmt: skip
    bad = dict(good, knee_flexion=good["knee_flexion"] + 10.0)
    fails = compare({"clip": {"detection_rate": 0.9, "angles": angle_figures(bad, t, truth)}},
                    recorded)  # fmt: skip
    assert any("knee_flexion mean" in f for f in fails)
    assert any("detection" in f for f in fails)


# --- a tiny real render (needs the synth extra) -------------------------------------------


def test_tiny_real_render_writes_h264_and_truth(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("anny")
    # only look pyrender up: importing it here would fix PyOpenGL's platform before the
    # renderer selects OSMesa
    if importlib.util.find_spec("pyrender") is None:
        pytest.skip("pyrender is not installed (the synth extra)")
    import av
    from formcheck_synth.generate import render_clip

    spec = replace(
        random_clip("tiny", "sit_to_stand", seed=1, body="small_older_woman"),
        reps=(RepSpec(35.0, 0.2, 0.0, 0.2, 0.0),), width=160, height=120, fps=10.0,
        lead_in_s=0.1, lead_out_s=0.1,
    )  # fmt: skip
    video, truth_path = render_clip(spec, tmp_path)
    truth = json.loads(truth_path.read_text())
    with av.open(str(video)) as box:
        stream = box.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = [f.to_ndarray(format="rgb24") for f in box.decode(video=0)]
    assert len(frames) == truth["frames"] == 6
    assert frames[0].shape == (120, 160, 3)
    assert frames[0].std() > 10  # a person and a chair, not a flat background
    hip = truth["angles"]["world"]["hip_flexion"]
    assert hip[0] > 70.0 and truth["rep_count"] == 1  # seated at the start
    again, _ = render_clip(replace(spec, name="tiny2"), tmp_path)
    assert video.read_bytes() == again.read_bytes()


# --- the Timed Up and Go ------------------------------------------------------------------


def _tug_spec() -> ClipSpec:
    from formcheck_synth.sample_sets import sample_specs

    return next(s for s in sample_specs() if s.tug is not None)


def test_tug_walk_goes_out_turns_comes_back_and_turns_again() -> None:
    from formcheck_synth.motion import TugWalk

    walk = TugWalk(2.0, distance_m=3.0, speed_m_s=1.2, ramp_s=0.5, turn_s=1.0)
    start, turn, turned, back, done = walk.events
    t = np.arange(0.0, done + 1.0, 0.01)
    z, heading = walk.position(t), walk.heading(t)
    assert z[t <= start].max() == 0.0 and z.max() == pytest.approx(3.0)
    assert np.all(np.abs(np.diff(z)) / 0.01 <= 1.2 + 1e-6)  # never faster than its speed
    at = {k: int(np.argmin(np.abs(t - v))) for k, v in
          {"turn": turn, "turned": turned, "back": back, "done": done}.items()}  # fmt: skip
    assert z[at["turn"]] == pytest.approx(3.0) and z[at["turned"]] == pytest.approx(3.0)
    assert z[at["back"]] == pytest.approx(0.0, abs=1e-9) and z[-1] == pytest.approx(0.0)
    assert heading[t <= turn].max() == 0.0 and heading[at["turned"]] == pytest.approx(180.0)
    assert heading[at["back"]] == pytest.approx(180.0) and heading[-1] == pytest.approx(360.0)
    legs = walk.legs(t)
    walking = (t > start + 0.6) & (t < turn - 0.6)
    assert np.ptp(legs["thigh_l"][walking]) > 30.0  # the legs swing while walking ...
    turning = (t > turn) & (t < turned)
    assert np.ptp(legs["thigh_l"][turning]) == 0.0  # ... and stand still in the turns


def test_tug_clip_is_one_rise_whose_standing_time_is_the_walk() -> None:
    spec = _tug_spec()
    chor = choreograph(spec)
    (rep,) = chor.reps
    assert chor.tug is not None and chor.tug.start_s == rep.extreme
    assert chor.tug.events[-1] == pytest.approx(rep.extreme + rep.hold_s)
    assert rep.start < rep.extreme < rep.seat < rep.end  # hips on the seat before upright
    with pytest.raises(ValueError, match="a TUG's rep holds its walk"):
        replace(spec, reps=(replace(spec.reps[0], hold_s=1.0),))
    with pytest.raises(ValueError, match="a TUG is one sit-to-stand rep"):
        replace(spec, reps=spec.reps * 2)


def test_tug_truth_matches_the_generator() -> None:
    from formcheck_synth.generate import tug_fields

    spec = _tug_spec()
    chor = choreograph(spec)
    assert chor.tug is not None
    planned = tug_fields(chor.reps[0], chor.tug)
    truth = json.loads((Path(__file__).resolve().parents[2] / "sample_videos"
                        / f"{spec.name}.json").read_text())["tug"]  # fmt: skip
    assert truth == json.loads(json.dumps(planned))
    bounds = [p["start_s"] for p in truth["phases"]] + [truth["phases"][-1]["end_s"]]
    assert bounds == sorted(bounds) and truth["total_s"] == pytest.approx(bounds[-1] - bounds[0])


def test_gate_flags_a_tug_no_longer_timed_or_timed_worse() -> None:
    from formcheck.exercise.clinical import TestPhase, TestResult
    from gate.measure import tug_figures

    truth = json.loads((Path(__file__).resolve().parents[2] / "sample_videos"
                        / f"{_tug_spec().name}.json").read_text())["tug"]  # fmt: skip

    def timed(shift_s: float) -> TestResult:
        phases = tuple(TestPhase(p["name"], p["start_s"], p["end_s"] + shift_s * (i == 4))
                       for i, p in enumerate(truth["phases"]))  # fmt: skip
        total = truth["total_s"] + shift_s
        return TestResult("tug", True, time_s=total, phases=phases)

    exact = tug_figures(timed(0.0), truth)
    assert exact["timed"] and exact["total_err_s"] == 0.0 and exact["bound_err_max_s"] == 0.0
    base = {"detection_rate": 1.0, "angles": {}}
    recorded = {"tug": {**base, "tug": exact}}
    assert compare({"tug": {**base, "tug": tug_figures(timed(0.05), truth)}}, recorded) == []
    late = compare({"tug": {**base, "tug": tug_figures(timed(0.4), truth)}}, recorded)
    assert any("TUG total_err_s 0.4" in f for f in late) and any("bound_err_max_s" in f
                                                                 for f in late)  # fmt: skip
    untimed = tug_figures(TestResult("tug", False, notes=("no walk",)), truth)
    assert compare({"tug": {**base, "tug": untimed}}, recorded) == ["tug: TUG not timed "
                                                                    "(recorded: timed)"]
