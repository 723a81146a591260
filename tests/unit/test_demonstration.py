"""Learning an exercise from a demonstration, on built stick figures and synthetic features:
the signal that moved is proposed with its direction and thresholds; the other reps are then
counted exactly, live as offline; each reason to refuse is given."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.exercise.analysis import analyze
from formcheck.exercise.definition_file import dumps, loads
from formcheck.exercise.demonstration import (
    DemonstrationRefused,
    Movement,
    choose_primary,
    learn,
    movements,
)
from formcheck.exercise.session import Session
from formcheck.kinematics.signals import COL, FEATURES
from support.builders import JOINT_CENTRES, build_sequence, keyframes, uniform_times

FPS = 25.0
RAISES = [(1.0, 1.9, 2.3, 3.2), (3.8, 4.7, 5.1, 6.0), (6.6, 7.5, 7.9, 8.8), (9.4, 10.3, 10.7, 11.6)]


def _raises(t: np.ndarray, reps: list[tuple[float, float, float, float]], hip: float = 75.0,
            knee: float = 80.0, trunk: float = 0.0):  # fmt: skip
    """Knee raises: hip and knee flexion out and back (trunk still unless ``trunk``)."""
    def curve(peak: float) -> np.ndarray:
        pts = [(t[0] - 1.0, 0.0)]
        for a, b, c, d in reps:
            pts += [(a, 0.0), (b, peak), (c, peak), (d, 0.0)]
        return keyframes(t, pts + [(t[-1] + 1.0, 0.0)])
    return curve(trunk), curve(hip), curve(knee)


def _clip(duration: float = 13.0, **kwargs):  # noqa: ANN202
    t = uniform_times(duration, FPS)
    return build_sequence(t, *_raises(t, RAISES, **kwargs), noise=0.001, seed=2)


def test_the_moving_joint_is_proposed_with_its_direction_and_thresholds() -> None:
    seq = _clip()
    proposal = learn(seq, "knee_raise", start_s=0.0, end_s=6.4, config=JOINT_CENTRES)
    spec = proposal.spec
    assert spec.primary in ("hip_flexion", "knee_flexion")
    assert spec.direction == 1 and proposal.primary.excursion == pytest.approx(80, abs=8)
    c = spec.settings.counter
    assert c.enter == pytest.approx(0.4 * proposal.primary.excursion, abs=0.05)
    assert c.rest == pytest.approx(0.25 * proposal.primary.excursion, abs=0.05)
    assert len(proposal.reps) == 2
    for (start, end), truth in zip(proposal.reps, RAISES, strict=False):
        assert abs(start - truth[0]) < 0.35 and abs(end - truth[3]) < 0.35
    posture = spec.demonstration["start_posture"]
    assert abs(posture[spec.primary]) < 5.0  # standing straight at the start
    assert "trunk_inclination" in spec.template.joints
    assert loads(dumps(spec)) == spec  # file-ready


def test_the_learned_definition_counts_the_other_reps_exactly_live_and_offline() -> None:
    seq = _clip()
    spec = learn(seq, "knee_raise", start_s=0.0, end_s=6.4, config=JOINT_CENTRES).spec
    report = analyze(seq, spec, config=JOINT_CENTRES)
    assert report.rep_count == len(RAISES)
    assert [r for r in report.reps if r.start_s > 6.4].__len__() == 2  # the reps not shown
    live = Session(spec, config=JOINT_CENTRES)
    for k in range(len(seq)):
        live.update(float(seq.t[k]), seq.image[k], seq.world[k], seq.width, seq.height)
    assert [r.to_dict() for r in live.finish().reps] == [r.to_dict() for r in report.reps]
    assert all(r.template_score is not None and r.template_score >= 85 for r in report.reps)


def test_a_rep_unlike_the_demonstration_scores_low_and_names_the_joint() -> None:
    t = uniform_times(10.0, FPS)
    good = _raises(t, RAISES[:2])
    lean = _raises(t, RAISES[2:3], trunk=-20.0)  # the third raise leans back
    curves = tuple(np.where(t < 6.3, g, b) for g, b in zip(good, lean, strict=True))
    seq = build_sequence(t, *curves, noise=0.001, seed=2)
    spec = learn(seq, "knee_raise", start_s=0.0, end_s=6.3, config=JOINT_CENTRES).spec
    reps = analyze(seq, spec, config=JOINT_CENTRES).reps
    assert len(reps) == 3
    assert reps[2].template_worst_joint in ("trunk_inclination", "hip_flexion", "hip_flexion_other")
    assert reps[2].template_score < min(r.template_score for r in reps[:2]) - 15
    assert reps[2].template_score < spec.template.warn_score
    assert any(c.code == "off_template" for c in reps[2].cues)
    assert any(d.code == "off_template" for d in reps[2].deductions)


def _features(**columns: np.ndarray) -> np.ndarray:
    n = len(next(iter(columns.values())))
    sm = np.zeros((n, len(FEATURES)))
    for name, values in columns.items():
        sm[:, COL[name]] = values
    return sm


def test_signal_selection_on_synthetic_features() -> None:
    t = np.linspace(0.0, 4.0, 101)
    up = 50.0 * np.sin(np.pi * t / 4.0) ** 2
    sm = _features(knee_flexion=up, hip_flexion=0.3 * up, trunk_inclination=-0.1 * up,
                   hip_height_leg=100.0 - 0.1 * up)  # fmt: skip
    moved = movements(t, sm, {}, "side")
    assert [m.feature for m in moved[:2]] == ["knee_flexion", "hip_flexion"]
    best = choose_primary(moved)
    assert (best.feature, best.direction) == ("knee_flexion", 1)
    assert best.excursion == pytest.approx(50.0, abs=0.1)
    down = choose_primary(movements(t, _features(trunk_inclination=-up), {}, "side"))
    assert (down.feature, down.direction) == ("trunk_inclination", -1)
    frontal = movements(t, _features(shoulder_tilt=up), {}, "frontal")
    assert choose_primary(frontal).feature == "shoulder_tilt"  # offered from the front only
    assert "shoulder_tilt" not in {m.feature for m in movements(t, sm, {}, "side")}


def test_a_chosen_primary_must_be_offered() -> None:
    moved = (Movement("hip_flexion", "deg", 0.0, 40.0, 1, 40.0, 15.0, 1.0),)
    with pytest.raises(ValueError, match="'lateral_lean' is not offered in this view"):
        choose_primary(moved, "lateral_lean")


def test_refused_when_nothing_moved() -> None:
    t = uniform_times(4.0, FPS)
    still = build_sequence(t, *(np.zeros(len(t)),) * 3, noise=0.001)
    with pytest.raises(DemonstrationRefused, match=r"^nothing moved: no signal changed"):
        learn(still, "still", config=JOINT_CENTRES)


def test_refused_when_too_short() -> None:
    seq = _clip()
    with pytest.raises(DemonstrationRefused, match=r"^too few frames: the demonstration has 13"):
        learn(seq, "knee_raise", start_s=1.0, end_s=1.5)


def test_refused_when_the_movement_left_the_view() -> None:
    seq = _clip()
    image = seq.image.copy()
    raised = (seq.t % 2.8 > 0.8) & (seq.t % 2.8 < 2.4)  # the legs unseen while raised
    for name in ("knee", "ankle", "heel", "foot_index"):
        for side in ("left", "right"):
            from formcheck.pose.landmarks import INDEX

            image[raised, INDEX[f"{side}_{name}"], 3] = 0.1
    hidden = type(seq)(seq.t, image, seq.world, seq.width, seq.height)
    with pytest.raises(DemonstrationRefused, match=r"^the movement left the view: "):
        learn(hidden, "knee_raise", start_s=0.0, end_s=6.4, config=JOINT_CENTRES)


def test_refused_when_no_rep_came_back() -> None:
    t = uniform_times(4.0, FPS)
    hip = keyframes(t, [(0.0, 0.0), (1.0, 0.0), (2.0, 70.0), (4.0, 70.0)])
    seq = build_sequence(t, np.zeros(len(t)), hip, hip, noise=0.001)
    with pytest.raises(DemonstrationRefused, match=r"^no complete repetition: "):
        learn(seq, "knee_raise", config=JOINT_CENTRES)


@pytest.mark.parametrize("name", ["Knee", "squat", "x", "knee-raise"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="exercise name"):
        learn(_clip(), name)


def test_the_proposal_can_be_adjusted() -> None:
    seq = _clip()
    base = learn(seq, "knee_raise", start_s=0.0, end_s=6.4, config=JOINT_CENTRES)
    other = "knee_flexion" if base.spec.primary == "hip_flexion" else "hip_flexion"
    moved = learn(seq, "knee_raise", start_s=0.0, end_s=6.4, config=JOINT_CENTRES,
                  primary=other, enter=30.0, rest=12.0)  # fmt: skip
    assert moved.spec.primary == other
    c = moved.spec.settings.counter
    assert (c.enter, c.rest) == (30.0, 12.0) and c.onset <= 3.0
    with pytest.raises(ValueError, match="must be above 0 and below the rep threshold"):
        learn(seq, "knee_raise", end_s=6.4, config=JOINT_CENTRES, enter=10.0, rest=20.0)
    assert math.isfinite(moved.primary.excursion)
