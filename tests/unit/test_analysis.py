"""Offline analysis of synthetic clips with known angles: counts, robustness, cues, tests."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.errors import NoPersonFound
from formcheck.exercise.analysis import analyze, detect_exercise
from formcheck.pose.sequence import PoseSequence
from support.builders import (
    JOINT_CENTRES,
    build_sequence,
    flexion_curves,
    keyframes,
    sit_to_stand_curves,
    squat_curves,
    uniform_times,
    vfr_times,
)

STS_REPS = [(2.0, 3.0, 4.5, 5.9), (7.0, 8.0, 9.5, 10.9), (12.0, 13.0, 14.0, 15.3)]
FLEX_REPS = [(1.5, 3.0, 4.0, 5.5), (7.0, 8.0, 9.0, 10.5), (11.5, 12.5, 13.9, 15.0)]


def _flex(peak: float = 70.0, **kw: object) -> PoseSequence:
    t = uniform_times(16.0, 30.0)
    return build_sequence(t, *flexion_curves(t, FLEX_REPS, peak=peak), **kw)  # type: ignore[arg-type]


def _sts(**kw: object) -> PoseSequence:
    t = uniform_times(16.5, 30.0)
    return build_sequence(t, *sit_to_stand_curves(t, STS_REPS), **kw)  # type: ignore[arg-type]


CASES = [
    ("trunk_flexion", lambda **kw: _flex(70.0, **kw), 3),
    ("back_extension", lambda **kw: _flex(-25.0, **kw), 3),
    ("sit_to_stand", _sts, 3),
]


@pytest.mark.parametrize(("exercise", "clip", "count"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("facing", [1, -1])
def test_counts_and_times(exercise: str, clip, count: int, facing: int) -> None:
    report = analyze(clip(facing=facing), exercise)
    assert report.rep_count == count
    assert report.view == "side"
    truth = STS_REPS if exercise == "sit_to_stand" else FLEX_REPS
    for rep, (start, _, _, end) in zip(report.reps, truth, strict=True):
        assert abs(rep.start_s - start) < 0.6 and abs(rep.end_s - end) < 0.8
        assert rep.start_s < rep.extreme_s < rep.end_s


def _worst_time_error(report, truth) -> float:  # type: ignore[no-untyped-def]
    pairs = zip(report.reps, truth, strict=True)
    return max(max(abs(r.start_s - s), abs(r.end_s - e)) for r, (s, _, _, e) in pairs)


@pytest.mark.parametrize(("exercise", "peak"), [("trunk_flexion", 70.0), ("back_extension", -25.0)])
@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_rep_starts_when_the_movement_begins(exercise: str, peak: float, fps: float) -> None:
    """A smooth (eased) movement leaves rest slowly: the rep starts and ends where the
    body starts / stops moving, not where the angle has crept past a share of the
    excursion (0.14 s late / early here), and landmark jitter does not drag it away."""
    t = uniform_times(16.0, fps)
    curves = flexion_curves(t, FLEX_REPS, peak=peak)
    clean = analyze(build_sequence(t, *curves), exercise)
    assert _worst_time_error(clean, FLEX_REPS) < 0.08
    for seed in (1, 2, 3):
        noisy = analyze(build_sequence(t, *curves, noise=0.002, seed=seed), exercise)
        assert _worst_time_error(noisy, FLEX_REPS) < 0.3


@pytest.mark.parametrize("fps", [25.0, 30.0])
def test_standing_is_reached_when_the_rise_stops(fps: float) -> None:
    """Sit-to-stand "standing" is where the rise ends (hips up and trunk upright), not
    where the hips pass 90 % of their rise (0.1 s early here)."""
    t = uniform_times(16.5, fps)
    report = analyze(build_sequence(t, *sit_to_stand_curves(t, STS_REPS)), "sit_to_stand")
    for rep, (_, up, _, _) in zip(report.reps, STS_REPS, strict=True):
        assert abs(rep.extreme_s - up) < 0.06


@pytest.mark.parametrize(("exercise", "clip", "count"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_robust_to_noise_and_missing_frames(
    exercise: str, clip, count: int, seed: int
) -> None:
    report = analyze(clip(noise=0.02, missing=0.1, seed=seed), exercise)
    assert report.rep_count == count


def test_rom_matches_truth() -> None:
    flex = analyze(_flex(70.0), "trunk_flexion", config=JOINT_CENTRES)
    assert [r.rom_deg for r in flex.reps] == pytest.approx([70.0] * 3, abs=1.0)
    ext = analyze(_flex(-25.0), "back_extension", config=JOINT_CENTRES)
    assert [r.rom_deg for r in ext.reps] == pytest.approx([25.0] * 3, abs=1.0)


def test_variable_frame_rate_gives_same_reps() -> None:
    t = vfr_times(16.0, 30.0, jitter=0.45, seed=9)
    seq = build_sequence(t, *flexion_curves(t, FLEX_REPS, peak=70.0))
    vfr = analyze(seq, "trunk_flexion")
    cfr = analyze(_flex(70.0), "trunk_flexion")
    assert vfr.rep_count == 3
    for a, b in zip(vfr.reps, cfr.reps, strict=True):
        assert (
            abs(a.measurements["peak_velocity_deg_s"] - b.measurements["peak_velocity_deg_s"]) < 8
        )


def test_knee_bend_flagged_on_that_rep_only() -> None:
    t = uniform_times(16.0, 30.0)
    trunk, hip, knee = flexion_curves(t, FLEX_REPS, peak=70.0)
    knee = knee + keyframes(t, [(0, 0), (7.0, 0), (8.0, 30), (9.0, 30), (10.5, 0), (16, 0)])
    report = analyze(build_sequence(t, trunk, hip, knee), "trunk_flexion")
    flagged = [[c.code for c in r.cues] for r in report.reps]
    assert flagged == [[], ["knees_bending"], []]
    cue = report.reps[1].cues[0]
    assert cue.value == pytest.approx(30.0, abs=2.0) and cue.threshold == 15.0
    assert report.reps[1].score == 100 - report.reps[1].deductions[0].points


def test_fold_and_hold_is_no_rep_with_not_returning_cue() -> None:
    t = uniform_times(8.0, 30.0)
    trunk, hip, knee = flexion_curves(t, [(1.0, 2.0, 20.0, 21.0)], peak=80.0)
    report = analyze(build_sequence(t, trunk, hip, knee), "trunk_flexion")
    assert report.rep_count == 0
    assert report.incomplete is not None
    assert report.incomplete.cues[0].code == "not_returning_upright"


def test_fast_extension_without_hold_is_flagged() -> None:
    t = uniform_times(10.0, 30.0)
    reps = [(1.0, 3.0, 5.0, 7.0), (7.5, 7.8, 7.8, 8.1)]
    report = analyze(build_sequence(t, *flexion_curves(t, reps, peak=-25.0)), "back_extension")
    codes = [{c.code for c in r.cues} for r in report.reps]
    assert codes[0] == set() and {"too_fast", "no_hold"} <= codes[1]


def test_arms_and_incomplete_stand_flagged() -> None:
    t = uniform_times(16.5, 30.0)
    arms = analyze(
        build_sequence(t, *sit_to_stand_curves(t, STS_REPS), arms="thighs"), "sit_to_stand"
    )
    assert all("arms_used" in {c.code for c in r.cues} for r in arms.reps)
    part = analyze(
        build_sequence(t, *sit_to_stand_curves(t, STS_REPS, top_hip=35.0, top_knee=30.0)),
        "sit_to_stand",
    )
    assert part.rep_count == 3
    assert all(r.cues and r.cues[0].code == "incomplete_stand" for r in part.reps)
    clean = analyze(_sts(), "sit_to_stand")
    assert all(r.cues == [] and r.score == 100 for r in clean.reps)


def test_dropping_into_the_chair_flagged() -> None:
    t = uniform_times(12.0, 30.0)
    reps = [(2.0, 3.0, 4.5, 5.9), (7.0, 8.0, 9.5, 10.05)]
    report = analyze(build_sequence(t, *sit_to_stand_curves(t, reps)), "sit_to_stand")
    assert [[c.code for c in r.cues] for r in report.reps] == [[], ["dropping"]]


def test_squats_from_standing_count_standing_cycles() -> None:
    t = uniform_times(12.0, 30.0)
    report = analyze(build_sequence(t, *squat_curves(t, [3.0, 6.0, 9.0])), "sit_to_stand")
    assert report.start_posture == "standing" and report.rep_count == 3


def test_frontal_view_is_reported_with_guidance() -> None:
    report = analyze(_flex(70.0, yaw_deg=90.0), "trunk_flexion")
    assert report.view == "frontal"
    assert any("Turn side-on to the camera" in w for w in report.warnings)
    # the image trunk angle cannot see a bend towards the camera; the world one can
    assert report.to_dict()["trunk_source"] == "world"
    assert report.to_dict()["joint_points"] == "landmarks"  # the estimate is for side views
    assert report.rep_count == 3
    assert [r.rom_deg for r in report.reps] == pytest.approx([70.0] * 3, abs=2.0)


def test_five_times_sit_to_stand() -> None:
    t = uniform_times(20.0, 30.0)
    reps = [(1.0 + 3.2 * i, 2.0 + 3.2 * i, 2.6 + 3.2 * i, 3.9 + 3.2 * i) for i in range(5)]
    seq = build_sequence(t, *sit_to_stand_curves(t, reps))
    report = analyze(seq, "sit_to_stand", test="5xsts", age=72, sex="f")
    test = report.to_dict()["test"]
    assert report.rep_count == 5 and test["valid"]
    assert test["time_s"] == pytest.approx(reps[4][3] - 0.4 - reps[0][0], abs=0.5)
    assert test["norm"]["threshold_s"] == 12.6
    stand = analyze(seq, "sit_to_stand", test="5xsts", age=72, config=_five_stop("stand"))
    assert stand.test is not None and stand.test.time_s < test["time_s"]


def _five_stop(rule: str):
    from formcheck.config import load_config

    return load_config(None, [f"tests.five_stop={rule}"])


def test_thirty_second_chair_stand_counts_halfway_stand() -> None:
    t = uniform_times(33.0, 30.0)
    reps = [(1.0 + 3.0 * i, 2.0 + 3.0 * i, 2.5 + 3.0 * i, 3.8 + 3.0 * i) for i in range(10)]
    seq = build_sequence(t, *sit_to_stand_curves(t, reps))
    report = analyze(seq, "sit_to_stand", test="30s_cst", age=67, sex="m")
    assert report.test is not None
    # stands reached by 30.6 s after rise onset at ~0.9 s: 10 (the 10th rise ends at 29 s)
    assert report.test.stands == 10
    assert report.test.norm["below_average_if_fewer_than"] == 12
    assert report.test.norm["below_average"] is True
    arms = build_sequence(t, *sit_to_stand_curves(t, reps), arms="thighs")
    invalid = analyze(arms, "sit_to_stand", test="30s_cst", age=67, sex="m")
    assert invalid.test is not None and invalid.test.stands == 0 and not invalid.test.valid


def test_auto_detects_the_exercise() -> None:
    assert detect_exercise(_flex(70.0)) == "trunk_flexion"
    assert detect_exercise(_flex(-25.0)) == "back_extension"
    assert detect_exercise(_sts()) == "sit_to_stand"


def test_no_person_raises() -> None:
    seq = _sts()
    empty = PoseSequence(
        t=seq.t,
        image=np.full_like(seq.image, np.nan),
        world=np.full_like(seq.world, np.nan),
        width=640,
        height=480,
    )
    with pytest.raises(NoPersonFound):
        analyze(empty, "sit_to_stand")


def test_stop_and_go_bend_is_jerky_on_that_rep_only() -> None:
    t = uniform_times(16.0, 30.0)
    smooth = flexion_curves(t, [(1.5, 3.0, 4.0, 5.5)], peak=70.0)[0]
    steps = keyframes(t, [(0, 0), (7.0, 0), (7.5, 25), (8.0, 25), (8.5, 50), (9.0, 50),
                          (9.5, 72), (10.5, 72), (12.0, 0), (16, 0)])  # fmt: skip
    trunk = np.where(t < 6.5, smooth, steps)
    report = analyze(build_sequence(t, trunk, np.maximum(trunk, 0) * 0.6, 0 * t), "trunk_flexion")
    codes = [{c.code for c in r.cues} for r in report.reps]
    assert report.rep_count == 2 and "jerky" not in codes[0] and "jerky" in codes[1]
    smooth_rep, jerky_rep = (r.measurements for r in report.reps)
    assert jerky_rep["sparc_out"] < smooth_rep["sparc_out"] - 0.3  # the stop-and-go bend


@pytest.mark.parametrize(("yaw", "view"), [(0.0, "side"), (20.0, "side"), (45.0, "oblique"),
                                           (80.0, "frontal")])  # fmt: skip
def test_view_from_body_yaw(yaw: float, view: str) -> None:
    report = analyze(_flex(70.0, yaw_deg=yaw), "trunk_flexion")
    assert report.view == view
    assert report.to_dict()["view_yaw_deg"] == pytest.approx(90.0 - yaw, abs=2.0)
    assert report.rep_count == 3


def test_chair_stand_clip_shorter_than_30s_is_not_scored() -> None:
    t = uniform_times(12.0, 30.0)
    reps = [(1.0 + 3.0 * i, 2.0 + 3.0 * i, 2.5 + 3.0 * i, 3.8 + 3.0 * i) for i in range(3)]
    report = analyze(build_sequence(t, *sit_to_stand_curves(t, reps)), "sit_to_stand",
                     test="30s_cst", age=67, sex="m")  # fmt: skip
    assert report.rep_count == 3 and report.test is not None
    assert not report.test.valid and "below_average" not in report.test.norm
    notes = report.test.notes
    assert any(n.startswith("clip ended 1") and "into the 30 s test" in n for n in notes)


def test_arm_use_after_the_test_does_not_invalidate_it() -> None:
    t = uniform_times(24.0, 30.0)
    reps = [(1.0 + 3.2 * i, 2.0 + 3.2 * i, 2.6 + 3.2 * i, 3.9 + 3.2 * i) for i in range(7)]
    clean = build_sequence(t, *sit_to_stand_curves(t, reps))
    arms = build_sequence(t, *sit_to_stand_curves(t, reps), arms="thighs")
    mixed = PoseSequence(t=t, image=clean.image.copy(), world=clean.world.copy(),
                         width=clean.width, height=clean.height)  # fmt: skip
    late = t > 17.5  # the 6th and 7th stands, after the 5th
    mixed.image[late], mixed.world[late] = arms.image[late], arms.world[late]
    report = analyze(mixed, "sit_to_stand", test="5xsts", age=72)
    assert report.rep_count == 7
    assert "arms_used" in {c.code for c in report.reps[-1].cues}
    assert report.test is not None and report.test.valid and report.test.time_s is not None
    early = analyze(arms, "sit_to_stand", test="5xsts", age=72)
    assert early.test is not None and not early.test.valid


def test_chair_stand_arm_use_after_30s_does_not_invalidate() -> None:
    t = uniform_times(40.0, 30.0)
    reps = [(1.0 + 3.0 * i, 2.0 + 3.0 * i, 2.5 + 3.0 * i, 3.8 + 3.0 * i) for i in range(12)]
    clean = build_sequence(t, *sit_to_stand_curves(t, reps))
    arms = build_sequence(t, *sit_to_stand_curves(t, reps), arms="thighs")
    late = t > 32.6  # the 12th stand (rises 34-35 s), after the 30 s window
    clean.image[late], clean.world[late] = arms.image[late], arms.world[late]
    report = analyze(clean, "sit_to_stand", test="30s_cst", age=67, sex="m")
    assert "arms_used" in {c.code for c in report.reps[-1].cues}
    assert report.test is not None and report.test.valid and report.test.stands == 10


@pytest.mark.parametrize("test", ["5xsts", "30s_cst"])
def test_clinical_test_from_a_standing_start_is_invalid(test: str) -> None:
    t = uniform_times(33.0, 30.0)
    seq = build_sequence(t, *squat_curves(t, [3.0 + 3.0 * i for i in range(9)]))
    report = analyze(seq, "sit_to_stand", test=test, age=72, sex="f")
    assert report.start_posture == "standing" and report.test is not None
    assert not report.test.valid and report.test.notes == ("the test must start seated",)
    assert report.test.time_s is None and report.test.stands is None and report.test.norm == {}


def test_feet_hidden_at_setup_is_warned_not_silent() -> None:
    seq = _sts()
    seq.image[:, 27:33, 3] = 0.1  # ankles, heels and toes not visible
    report = analyze(seq, "sit_to_stand", test="5xsts", age=72)
    feet = "Feet not visible: cannot count reps"
    assert report.rep_count == 0 and any(w.startswith(feet) for w in report.warnings)
    assert report.test is not None and not report.test.valid
    assert report.test.notes[0].startswith(feet)
    assert not any(w.startswith(feet) for w in analyze(_sts(), "sit_to_stand").warnings)


def test_the_report_says_which_points_the_angles_use() -> None:
    seq = _flex(70.0)
    assert analyze(seq, "trunk_flexion").to_dict()["joint_points"] == "estimated_centres"
    raw = analyze(seq, "trunk_flexion", config=JOINT_CENTRES)
    assert raw.to_dict()["joint_points"] == "landmarks"
