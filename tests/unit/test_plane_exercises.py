"""Side bending and seated rotation (issue #13): their signals on synthetic landmarks with
known geometry, the two-sided count, the per-side report, and the cue rules.

Landmarks are built here, not estimated: a person facing the camera (their left at image
right), trunk and shoulder lines placed at known angles. World landmarks use MediaPipe's
axes (x image right, y down, z away from the camera).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.config import Config
from formcheck.exercise.cues import rep_cues
from formcheck.exercise.definitions import EXERCISES, get_exercise
from formcheck.exercise.measures import width_twist
from formcheck.exercise.report import RepResult, side_rom
from formcheck.exercise.session import Session
from formcheck.kinematics.signals import COL, frame_features
from formcheck.kinematics.viewpoint import Calibration
from formcheck.pose.landmarks import INDEX, N_LANDMARKS

HIP_W, SH_W, TORSO = 0.3, 0.4, 0.5  # metres (world) and, x 400, pixels


def _pose(lean_deg: float = 0.0, twist_deg: float = 0.0, yaw_deg: float = 0.0) -> np.ndarray:
    """(33, 5) masked points (pixels x, y; world x, y, z) of a person facing the camera turned
    ``yaw_deg`` (+: their left further away), trunk leaning ``lean_deg`` to their left in
    their frontal plane, shoulders turned ``twist_deg`` to their left against the hips."""
    pts = np.full((N_LANDMARKS, 5), np.nan)
    lean, twist, yaw = (math.radians(a) for a in (lean_deg, twist_deg, yaw_deg))
    left = np.array([math.cos(yaw), 0.0, math.sin(yaw)])  # the person's left, world
    mid_hip = np.array([0.0, 0.0, 0.0])
    mid_sh = mid_hip + TORSO * (math.sin(lean) * left + np.array([0.0, -math.cos(lean), 0.0]))
    sh_left = np.array([math.cos(yaw + twist), 0.0, math.sin(yaw + twist)])
    world = {
        "left_hip": mid_hip + HIP_W / 2 * left, "right_hip": mid_hip - HIP_W / 2 * left,
        "left_shoulder": mid_sh + SH_W / 2 * sh_left, "right_shoulder": mid_sh - SH_W / 2 * sh_left,
        "left_knee": mid_hip + HIP_W / 2 * left + [0.0, 0.45, 0.0],
        "right_knee": mid_hip - HIP_W / 2 * left + [0.0, 0.45, 0.0],
        "left_ankle": mid_hip + HIP_W / 2 * left + [0.0, 0.9, 0.0],
        "right_ankle": mid_hip - HIP_W / 2 * left + [0.0, 0.9, 0.0],
    }  # fmt: skip
    for name, w in world.items():
        pts[INDEX[name], 2:] = w
        pts[INDEX[name], :2] = 320.0 + 400.0 * w[0], 200.0 + 400.0 * w[1]  # orthographic
    return pts


def _features(rows: list[np.ndarray], yaw_deg: float = 0.0) -> np.ndarray:
    forward = np.array([math.sin(math.radians(yaw_deg)), 0.0, -math.cos(math.radians(yaw_deg))])
    return frame_features(np.stack(rows), "left", 1, forward)


@pytest.mark.parametrize("lean", [-30.0, -10.0, 0.0, 15.0, 35.0])
def test_side_bend_reads_the_frontal_lean_with_its_side(lean: float) -> None:
    f = _features([_pose(lean_deg=lean)])[0]
    assert f[COL["side_bend"]] == pytest.approx(lean, abs=1e-6)
    assert f[COL["side_bend_world"]] == pytest.approx(lean, abs=1e-6)


@pytest.mark.parametrize("yaw", [-35.0, 30.0])
def test_side_bend_undoes_a_front_oblique_camera(yaw: float) -> None:
    f = _features([_pose(lean_deg=30.0, yaw_deg=yaw)], yaw_deg=yaw)[0]
    raw = math.degrees(math.atan(math.tan(math.radians(30.0)) * math.cos(math.radians(yaw))))
    assert raw < 27.0  # the image alone would read the lean this much short
    assert f[COL["side_bend"]] == pytest.approx(30.0, abs=1e-6)


@pytest.mark.parametrize("twist", [-40.0, -5.0, 20.0, 45.0])
def test_world_twist_and_width_ratio_read_the_rotation(twist: float) -> None:
    rest, turned = _features([_pose(), _pose(twist_deg=twist)])
    assert turned[COL["trunk_twist_world"]] == pytest.approx(twist, abs=1e-6)
    ratio = turned[COL["shoulder_hip_width"]] / rest[COL["shoulder_hip_width"]]
    assert ratio == pytest.approx(math.cos(math.radians(twist)), abs=1e-9)
    est = width_twist(np.array([turned[COL["shoulder_hip_width"]]]),
                      np.array([turned[COL["shoulder_yaw_world"]]]),
                      rest[COL["shoulder_hip_width"]], rest[COL["hip_yaw_world"]])  # fmt: skip
    assert est[0] == pytest.approx(twist, abs=1e-6)


def test_width_twist_with_an_oblique_start_turns_both_ways() -> None:
    yaw = 30.0
    rest = _features([_pose(yaw_deg=yaw)], yaw_deg=yaw)[0]
    for twist in (-35.0, 25.0):
        f = _features([_pose(twist_deg=twist, yaw_deg=yaw)], yaw_deg=yaw)[0]
        est = width_twist(np.array([f[COL["shoulder_hip_width"]]]),
                          np.array([f[COL["shoulder_yaw_world"]]]),
                          rest[COL["shoulder_hip_width"]], rest[COL["hip_yaw_world"]])  # fmt: skip
        assert est[0] == pytest.approx(twist, abs=1e-6)


def test_hip_shift_is_in_hip_widths_towards_the_left() -> None:
    pts = _pose()
    pts[[INDEX["left_hip"], INDEX["right_hip"]], 0] += 0.5 * HIP_W * 400.0  # hips half a width left
    assert _features([pts])[0][COL["hip_shift"]] == pytest.approx(0.5, abs=1e-9)


def _calibration(view: str, baseline: dict[str, float]) -> Calibration:
    base = {name: 0.0 for name in COL} | baseline
    return Calibration("left", 1, (0.0, 0.0, -1.0), view, 0.8, 2.0, base, 0.3, (0.0, 0.3))  # type: ignore[arg-type]


def test_side_bending_counts_either_side_away_from_the_start() -> None:
    plan = get_exercise("lateral_flexion").plan(_calibration("frontal", {"side_bend": 2.0}),
                                                Config())  # fmt: skip
    assert plan.primary == "side_bend" and plan.two_sided
    assert plan.relative(np.array([2.0, 32.0, -28.0])).tolist() == [0.0, 30.0, 30.0]
    assert plan.rom_measured


def test_rotation_is_counted_only_by_definition() -> None:
    spec = EXERCISES["trunk_rotation"]
    for view in ("frontal", "oblique", "side"):
        plan = spec.plan(_calibration(view, {"trunk_twist_world": 1.0}), Config())
        assert plan.two_sided and not plan.rom_measured


def _counted(exercise: str, signal: str, values: np.ndarray) -> Session:
    """A session fed the feature rows of ``values`` (n,) of one column (the others at rest),
    through its own counter (set-up skipped: the calibration is given)."""
    session = Session(exercise)
    session._lock(_calibration("frontal", {signal: 0.0}))
    feats = np.zeros((len(values), len(COL)))
    feats[:, COL["shoulder_hip_width"]] = 1.0
    feats[:, COL[signal]] = values
    session._run(np.arange(len(values)) / 25.0, feats, len(values))
    session._flush()
    return session


def _bends(sides: list[int], depth: float = 30.0) -> np.ndarray:
    """Minimum-jerk bends of ``depth`` deg to each side in turn, 2 s out and back, 1 s rest."""
    s = np.linspace(0.0, 1.0, 25)
    up = depth * (10 * s**3 - 15 * s**4 + 6 * s**5)
    one = np.concatenate([np.zeros(25), up, np.full(10, depth), up[::-1], np.zeros(15)])
    return np.concatenate([side * one for side in sides] + [np.zeros(25)])


def test_side_bends_left_and_right_each_count_with_their_side() -> None:
    session = _counted("lateral_flexion", "side_bend", _bends([1, -1, 1, -1]))
    assert [r.side for r in session.reps] == ["left", "right", "left", "right"]
    assert [round(r.rom_deg) for r in session.reps] == [30, 30, 30, 30]


def test_rotation_reps_have_a_side_and_no_angle() -> None:
    session = _counted("trunk_rotation", "trunk_twist_world", _bends([-1, 1, -1], 20.0))
    assert [r.side for r in session.reps] == ["right", "left", "right"]
    assert all(math.isnan(r.rom_deg) for r in session.reps)
    assert all(math.isnan(r.measurements["rotation_deg"]) for r in session.reps)


def _rep(side: str, rom: float) -> RepResult:
    return RepResult(1, 0.0, 1.0, 2.0, rom, {}, [], 100, [], side=side)


def test_side_rom_and_asymmetry() -> None:
    sides = side_rom([_rep("left", 30.0), _rep("right", 24.0), _rep("left", 32.0)])
    assert sides is not None
    assert (sides.rom_left_deg, sides.rom_right_deg) == (31.0, 24.0)
    assert (sides.reps_left, sides.reps_right, sides.asymmetry_deg) == (2, 1, 7.0)
    counted_only = side_rom([_rep("left", math.nan), _rep("right", math.nan)])
    assert counted_only is not None and counted_only.asymmetry_deg is None
    assert side_rom([RepResult(1, 0.0, 1.0, 2.0, 40.0, {}, [], 100, [])]) is None


GOOD = {"rotation_world_deg": 6.0, "forward_bend_deg": 5.0, "knee_bend_deg": 2.0,
        "hip_shift_pct": 6.0, "peak_velocity_deg_s": 40.0, "velocity_peaks_out": 1.0,
        "velocity_peaks_back": 1.0}  # fmt: skip
"""A clean side bend's measurements, as the frontal sample reads them (rotation 4-13, forward
6-9, knees 0-2, hips 5-6 % on its normal bends)."""


@pytest.mark.parametrize(("fault", "key", "value"), [
    ("trunk_rotating", "rotation_world_deg", 25.0),
    ("bending_forward", "forward_bend_deg", 28.0),
    ("knees_bending", "knee_bend_deg", 25.0),
    ("hips_shifting", "hip_shift_pct", 60.0),
])  # fmt: skip
def test_each_side_bend_fault_fires_only_its_cue(fault: str, key: str, value: float) -> None:
    spec = EXERCISES["lateral_flexion"]
    plan = spec.plan(_calibration("frontal", {}), Config())
    assert rep_cues(spec.cues, GOOD, Config(), plan, "frontal") == []
    cues = rep_cues(spec.cues, GOOD | {key: value}, Config(), plan, "frontal")
    assert [c.code for c in cues] == [fault]
    assert cues[0].value == value and cues[0].patient


def test_a_frame_with_left_and_right_swapped_keeps_its_side() -> None:
    """MediaPipe swaps the left and right labels for a frame or two (the oblique sample at
    5.9 s): the side bend, hip shift and twist must not flip with them."""
    pose = _pose(lean_deg=20.0)
    swapped = pose.copy()
    for a, b in (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")):
        swapped[[INDEX[a], INDEX[b]]] = swapped[[INDEX[b], INDEX[a]]]
    only_hips = pose.copy()
    hips = [INDEX["left_hip"], INDEX["right_hip"]]
    only_hips[hips] = pose[hips[::-1]]
    f, g, h = _features([pose, swapped, only_hips])
    for name in ("side_bend", "side_bend_world", "hip_shift"):
        assert g[COL[name]] == pytest.approx(f[COL[name]], abs=1e-6), name
    assert h[COL["trunk_twist_world"]] == pytest.approx(f[COL["trunk_twist_world"]], abs=1e-6)


@pytest.mark.parametrize("exercise", ["lateral_flexion", "trunk_rotation"])
def test_filmed_from_the_front_no_side_on_advice_but_side_on_asks_to_face(exercise: str) -> None:
    from dataclasses import replace

    from formcheck.kinematics.viewpoint import VIEW_GUIDANCE

    primary = EXERCISES[exercise].primary
    for view, guidance in (("frontal", None), ("side", "Face the camera")):
        session = Session(exercise)
        calib = replace(_calibration(view, {primary: 0.0}),
                        messages=tuple(m for v, m in VIEW_GUIDANCE.items() if v == view))
        session._lock(calib)
        session._run(np.array([0.0]), np.zeros((1, len(COL))), 1)
        state = session._live_state(0.0, False)
        assert state.guidance == guidance
        assert "Turn side-on to the camera" not in state.setup_messages
