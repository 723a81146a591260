"""PoseAnnotator draws what it is given, where it is given, and nothing for missing landmarks."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.landmarks import INDEX, N_LANDMARKS
from formcheck.render.overlay import CUE_COLOURS, Overlay, PoseAnnotator

H, W = 480, 640


def _blank() -> np.ndarray:
    return np.zeros((H, W, 3), np.uint8)


def _pose_with_bone(a: str, b: str, pa: tuple[float, float], pb: tuple[float, float]) -> np.ndarray:
    """(33, 4) all NaN except two visible landmarks at normalised positions."""
    lm = np.full((N_LANDMARKS, 4), np.nan, np.float32)
    lm[INDEX[a]] = (*pa, 0.0, 1.0)
    lm[INDEX[b]] = (*pb, 0.0, 1.0)
    return lm


def test_bone_is_drawn_between_its_landmarks_and_input_is_untouched() -> None:
    image = _blank()
    lm = _pose_with_bone("left_hip", "left_knee", (0.25, 0.5), (0.75, 0.5))
    out = PoseAnnotator(bone_colour=(0, 255, 0)).annotate(image, lm)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not image.any(), "annotate must not draw on its input by default"
    row = out[H // 2]
    assert row[W // 2, 1] > 200  # midway along the bone, green
    assert not out[H // 4].any()  # far from the bone: untouched


def test_missing_and_invisible_landmarks_draw_nothing() -> None:
    annotator = PoseAnnotator(min_visibility=0.5)
    all_nan = np.full((N_LANDMARKS, 4), np.nan, np.float32)
    assert not annotator.annotate(_blank(), all_nan).any()
    assert not annotator.annotate(_blank(), None).any()
    faint = _pose_with_bone("left_hip", "left_knee", (0.25, 0.5), (0.75, 0.5))
    faint[:, 3] = 0.2
    assert not annotator.annotate(_blank(), faint).any()


@pytest.mark.parametrize("level", ["good", "warn", "bad"])
def test_cue_banner_uses_the_level_colour_at_the_bottom(level: str) -> None:
    overlay = Overlay(cue="Keep your back straight", cue_level=level)
    out = PoseAnnotator().annotate(_blank(), None, overlay)
    corner = tuple(int(v) for v in out[H - 2, 2])
    assert corner == CUE_COLOURS[level]
    assert not out[H // 2].any()  # the banner stays at the bottom


def test_hud_writes_rep_count_top_left_only_when_given() -> None:
    plain = PoseAnnotator().annotate(_blank(), None, Overlay())
    assert not plain.any()
    hud = PoseAnnotator().annotate(_blank(), None, Overlay(reps=3, phase="rising", timer_s=4.2))
    assert hud[: H // 4, : W // 2].any()
    assert not hud[H // 2 :, W // 2 :].any()


def test_angle_label_sits_next_to_its_joint() -> None:
    lm = _pose_with_bone("left_hip", "left_knee", (0.2, 0.8), (0.3, 0.8))
    ov = Overlay(angle_deg=92.0, angle_at=INDEX["left_knee"], angle_label="knee")
    out = PoseAnnotator(bone_colour=(0, 0, 0), joint_colour=(0, 0, 0)).annotate(_blank(), lm, ov)
    ys, xs = np.nonzero(out.any(axis=2))
    assert abs(np.median(ys) - 0.8 * H) < 30
    assert np.median(xs) > 0.3 * W


def test_measured_points_are_drawn_and_carry_the_label() -> None:
    """The lines an angle was measured through (estimated joint centres) are drawn
    in the angle colour, the label at their vertex, even away from the landmarks."""
    gold = (255, 230, 0)
    knee = Overlay(angle_deg=90.0, angle_label="knee", angle_at=INDEX["left_knee"],
                   angle_points=((0.2, 0.5), (0.5, 0.5), (0.5, 0.9)))  # fmt: skip
    out = PoseAnnotator(angle_colour=gold).annotate(_blank(), None, knee)
    is_gold = (out == np.array(gold, np.uint8)).all(axis=2)
    assert is_gold[H // 2, int(0.35 * W)] and is_gold[int(0.7 * H), W // 2]  # both segments
    assert out[H // 2 - 20 : H // 2 + 20, W // 2 + 5 :].any()  # label right of the vertex


def test_a_vertical_angle_gets_a_plumb_line_from_its_first_point() -> None:
    trunk = Overlay(angle_deg=30.0, angle_label="trunk", angle_vertical=True,
                    angle_points=((0.3, 0.7), (0.45, 0.45)))  # fmt: skip
    out = PoseAnnotator(angle_colour=(255, 230, 0)).annotate(_blank(), None, trunk)
    column = out[: int(0.7 * H) - 10, int(0.3 * W)]
    assert column.any(axis=1).sum() > 0.2 * H  # the vertical line above the hip


def test_missing_measured_points_fall_back_to_the_landmark() -> None:
    lm = _pose_with_bone("left_hip", "left_knee", (0.2, 0.8), (0.3, 0.8))
    ov = Overlay(angle_deg=92.0, angle_at=INDEX["left_knee"], angle_label="knee",
                 angle_points=((0.2, 0.5), (float("nan"), 0.5)))  # fmt: skip
    out = PoseAnnotator(bone_colour=(0, 0, 0), joint_colour=(0, 0, 0)).annotate(_blank(), lm, ov)
    ys, _xs = np.nonzero(out.any(axis=2))
    assert abs(np.median(ys) - 0.8 * H) < 30


def test_bad_inputs_raise_value_error() -> None:
    with pytest.raises(ValueError, match="uint8"):
        PoseAnnotator().annotate(np.zeros((H, W, 3), np.float32))
    with pytest.raises(ValueError, match="33"):
        PoseAnnotator().annotate(_blank(), np.zeros((17, 4)))
    with pytest.raises(ValueError, match="min_visibility"):
        PoseAnnotator(min_visibility=2.0)
