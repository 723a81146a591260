"""Live replay (one frame at a time) equals offline analysis, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.exercise.analysis import analyze, replay
from formcheck.exercise.session import Session
from formcheck.pose.sequence import PoseSequence
from support.builders import build_sequence, flexion_curves, sit_to_stand_curves, vfr_times


def _sts_clip(**kw: object) -> PoseSequence:
    t = vfr_times(16.0, 30.0, seed=3)
    reps = [(2.0, 3.0, 4.5, 5.9), (7.0, 8.0, 9.5, 10.9), (12.0, 13.0, 14.0, 15.3)]
    return build_sequence(t, *sit_to_stand_curves(t, reps), **kw)  # type: ignore[arg-type]


def _flexion_clip(**kw: object) -> PoseSequence:
    t = vfr_times(14.0, 25.0, seed=4)
    reps = [(1.5, 3.0, 4.0, 5.5), (7.0, 8.0, 9.0, 10.5), (11.5, 12.5, 13.9, 15.0)]
    return build_sequence(t, *flexion_curves(t, reps, peak=70.0), **kw)  # type: ignore[arg-type]


def _live(seq: PoseSequence, exercise: str) -> tuple[Session, list]:
    session = Session(exercise)
    states = []
    for i in range(len(seq)):
        image = None if np.isnan(seq.image[i]).all() else seq.image[i]
        states.append(session.update(seq.t[i], image, seq.world[i], seq.width, seq.height))
    return session, states


@pytest.mark.parametrize(
    ("clip", "exercise"),
    [(_sts_clip, "sit_to_stand"), (_flexion_clip, "trunk_flexion")],
)
def test_live_replay_equals_offline(clip, exercise: str) -> None:
    seq = clip(noise=0.01, missing=0.1, seed=5)
    offline = analyze(seq, exercise)
    session, states = _live(seq, exercise)
    live = session.finish()
    assert live.rep_count == offline.rep_count >= 2
    assert [r.to_dict() for r in live.reps] == [r.to_dict() for r in offline.reps]
    np.testing.assert_array_equal(session._hist.feats, _offline_feats(seq, exercise))
    assert live.to_dict() == offline.to_dict()
    assert states[0].phase == "setup" and states[-1].phase != "setup"
    assert sum(s.last_rep is not None for s in states) == live.rep_count - (
        1 if live.reps and live.reps[-1].end_s > seq.t[-1] - 0.6 else 0
    )


def _offline_feats(seq: PoseSequence, exercise: str) -> np.ndarray:
    return replay(seq, Session(exercise))._hist.feats


def test_live_state_fields() -> None:
    seq = _sts_clip()
    _, states = _live(seq, "sit_to_stand")
    late = states[-1]
    assert late.view == "side" and late.side == "left"
    assert set(late.angles) >= {"trunk_inclination", "hip_flexion", "knee_flexion"}
    assert late.primary[0] == "hip_height_leg"
    assert {s.phase for s in states} >= {"setup", "seated", "rising", "standing", "sitting"}
    assert late.cue_level in ("good", "warn", "bad")


def test_setup_messages_ask_for_feet() -> None:
    seq = _sts_clip()
    image = seq.image.copy()
    image[:, 27:33, 3] = 0.1  # ankles, heels and toes not visible
    session = Session("sit_to_stand")
    state = session.update(seq.t[0], image[0], None, seq.width, seq.height)
    assert "Step back so your feet are in view" in state.setup_messages


def test_bad_arguments() -> None:
    valid = ("valid: back_extension, lateral_flexion, sit_to_stand, squat, trunk_flexion,"
             " trunk_rotation")
    with pytest.raises(ValueError, match=valid):
        Session("jumping_jacks")
    with pytest.raises(ValueError, match="needs exercise 'sit_to_stand'"):
        Session("trunk_flexion", test="5xsts")
    with pytest.raises(ValueError, match="image_lm must have shape"):
        Session("sit_to_stand").update(0.0, np.zeros((33, 3)), None, 640, 480)


def test_live_cues_arms_during_the_rise_and_knees_during_a_bend() -> None:
    _, states = _live(_sts_clip(arms="thighs"), "sit_to_stand")
    rising = [s for s in states if s.phase == "rising"]
    assert rising and any(s.cue == "Cross your arms, push through your legs" for s in rising)
    before_first_rise = [s for s in states if s.phase == "seated" and s.t < 1.5]
    assert before_first_rise and all(s.cue is None for s in before_first_rise)
    t = vfr_times(8.0, 25.0, seed=4)
    trunk, hip, knee = flexion_curves(t, [(1.5, 3.0, 4.0, 5.5)], peak=70.0, knee=30.0)
    _, states = _live(build_sequence(t, trunk, hip, knee), "trunk_flexion")
    assert any(s.cue == "Keep your knees straight" and s.cue_level == "warn" for s in states)


def test_repeated_or_backward_timestamps_are_ignored() -> None:
    seq = _sts_clip()
    session = Session("sit_to_stand")
    for i in range(len(seq)):
        session.update(seq.t[i], seq.image[i], seq.world[i], seq.width, seq.height)
        session.update(seq.t[i] - 0.01, seq.image[0], seq.world[0], seq.width, seq.height)
    assert session.finish().to_dict() == analyze(seq, "sit_to_stand").to_dict()


def test_live_chair_stand_on_a_short_clip_is_invalid_at_finish() -> None:
    t = vfr_times(12.0, 30.0, seed=6)
    reps = [(1.0 + 3.0 * i, 2.0 + 3.0 * i, 2.5 + 3.0 * i, 3.8 + 3.0 * i) for i in range(3)]
    seq = build_sequence(t, *sit_to_stand_curves(t, reps))
    session = Session("sit_to_stand", test="30s_cst", age=67, sex="m")
    for i in range(len(seq)):
        state = session.update(seq.t[i], seq.image[i], seq.world[i], seq.width, seq.height)
    assert state.test_remaining_s is not None and state.test_remaining_s > 15.0
    result = session.finish().test
    assert result is not None and not result.valid and result.norm == {}
    assert "into the 30 s test" in result.notes[0]
    assert result == analyze(seq, "sit_to_stand", test="30s_cst", age=67, sex="m").test


def test_live_setup_asks_to_step_back_while_the_feet_are_hidden() -> None:
    """Set-up waits for the joints the count needs and says so on every frame (during
    the session, not after STOP); once the feet come into view it locks and counts."""
    seq = _sts_clip()
    image = seq.image.copy()
    hidden = seq.t < 1.0
    image[hidden, 27:33, 3] = 0.1  # ankles, heels and toes not visible for the first second
    session = Session("sit_to_stand")
    states = [session.update(seq.t[i], image[i], seq.world[i], seq.width, seq.height)
              for i in range(len(seq))]  # fmt: skip
    early = [s for s, h in zip(states, hidden, strict=True) if h]
    assert early and all(s.phase == "setup" for s in early)
    assert all(s.setup_messages == ["Step back so your feet are in view"] for s in early)
    assert states[-1].phase != "setup" and states[-1].rep_count == 3


def test_detection_share_means_the_same_before_and_after_set_up() -> None:
    """A person whose shoulders leave the frame after set-up is still in view:
    the share of frames with the person does not drop because the trunk angle
    cannot be measured (it did, when "detected" meant two things)."""
    from formcheck.pose.landmarks import INDEX

    seq = _sts_clip()
    half = len(seq) // 2
    for name in ("left_shoulder", "right_shoulder"):
        seq.image[half:, INDEX[name], 3] = 0.0  # not visible
    live = _live(seq, "sit_to_stand")[0].finish()
    assert live.detection_rate == 1.0
    assert analyze(seq, "sit_to_stand").detection_rate == 1.0


def test_live_points_are_the_measured_ones_and_match_offline() -> None:
    """Each live frame carries the points its angles were measured through: the
    estimated hip in a side view (not the landmark), the same as the offline overlay."""
    from formcheck.pose.landmarks import INDEX
    from formcheck.ui.review_data import frame_overlays
    from support.builders import JOINT_CENTRES

    seq = _sts_clip()
    session, states = _live(seq, "sit_to_stand")
    later = [s for s in states if s.points]
    assert len(later) > 0.8 * len(states)
    last = states[-1].points
    assert set(last) == {"shoulder", "hip", "knee", "ankle"}
    side = states[-1].side
    landmark_hip = seq.image[-1, INDEX[f"{side}_hip"], :2]
    assert np.abs(np.array(last["hip"]) - landmark_hip).max() > 1e-3  # moved to the centre
    raw_session, raw_states = _live_with(seq, "sit_to_stand", JOINT_CENTRES)
    np.testing.assert_allclose(raw_states[-1].points["hip"], landmark_hip, atol=1e-6)
    offline = frame_overlays(seq, session.finish())[-1].angle_points
    np.testing.assert_allclose(offline, [last["hip"], last["knee"], last["ankle"]], atol=1e-9)


def _live_with(seq: PoseSequence, exercise: str, config) -> tuple[Session, list]:
    session = Session(exercise, config=config)
    states = [session.update(seq.t[i], seq.image[i], seq.world[i], seq.width, seq.height)
              for i in range(len(seq))]  # fmt: skip
    return session, states


def test_offline_overlay_uses_the_analysis_settings() -> None:
    """Configured offsets and visibility threshold reach the annotated clip too:
    the offline overlay points equal the live ones."""
    from formcheck.config import load_config
    from formcheck.ui.review_data import frame_overlays

    config = load_config(overrides=["angles.hip_anterior_standing=0.2",
                                    "angles.hip_anterior_seated=0.25",
                                    "cleaning.min_visibility=0.9"])  # fmt: skip
    seq = _sts_clip(noise=0.005, seed=2)
    session, states = _live_with(seq, "sit_to_stand", config)
    overlays = frame_overlays(seq, session.finish())
    compared = 0
    for state, overlay in zip(states, overlays, strict=True):
        live = tuple(state.points[j] for j in ("hip", "knee", "ankle")) if state.points else ()
        if live and overlay.angle_points:
            np.testing.assert_allclose(overlay.angle_points, live, atol=1e-9)
            compared += 1
    assert compared > 0.5 * len(seq)  # after set-up, where both have all three points


def test_no_trunk_line_is_drawn_when_the_trunk_angle_is_from_world_landmarks() -> None:
    from formcheck.ui.review_data import frame_overlays

    t = vfr_times(12.0, 30.0, seed=1)
    reps = [(1.5, 3.0, 4.0, 5.5), (7.0, 8.0, 9.0, 10.5)]
    seq = build_sequence(t, *flexion_curves(t, reps, peak=60.0), yaw_deg=45.0)
    session, states = _live(seq, "trunk_flexion")
    report = session.finish()
    assert report.to_dict()["trunk_source"] == "world"
    assert all("shoulder" not in s.points for s in states)
    assert all(o.angle_points == () for o in frame_overlays(seq, report))
