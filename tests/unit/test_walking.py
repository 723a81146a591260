"""Walking signals: the trunk's heading from nose and shoulder order, and the distance walked
across the image and in depth (a pinhole's change of scale), in torso lengths."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.kinematics.walking import (
    NOSE_LEAD,
    SHOULDER_SPAN,
    WALK_FEATURES,
    heading_deg,
    travel,
    walk_features,
)
from formcheck.pose.landmarks import INDEX, N_LANDMARKS


@pytest.mark.parametrize(
    ("lead", "spread", "heading"),
    [(NOSE_LEAD, 0.0, 0.0), (0.0, SHOULDER_SPAN, 90.0), (0.0, -SHOULDER_SPAN, -90.0),
     (NOSE_LEAD, SHOULDER_SPAN, 45.0)],
)  # fmt: skip
def test_heading_of_known_facings(lead: float, spread: float, heading: float) -> None:
    assert heading_deg(np.array([lead]), np.array([spread]))[0] == pytest.approx(heading)


def test_a_half_turn_is_180_whichever_way_and_unwrapped() -> None:
    h = np.radians(np.linspace(0.0, 360.0, 73))  # right -> camera -> left -> away -> right
    turned = heading_deg(NOSE_LEAD * np.cos(h), SHOULDER_SPAN * np.sin(h))
    assert turned[36] - turned[0] == pytest.approx(180.0) and turned[-1] == pytest.approx(360.0)
    back = heading_deg(NOSE_LEAD * np.cos(h), -SHOULDER_SPAN * np.sin(h))  # via "away"
    assert back[36] - back[0] == pytest.approx(-180.0)


def test_walk_features_read_a_profile_and_a_frontal_body() -> None:
    pix = np.full((2, N_LANDMARKS, 2), np.nan)
    for k, (sh_dx, nose_dx) in enumerate([(0.0, 25.0), (78.0, 0.0)]):  # profile, frontal
        pix[k, INDEX["left_shoulder"]] = (300 + sh_dx / 2, 100)
        pix[k, INDEX["right_shoulder"]] = (300 - sh_dx / 2, 100)
        pix[k, INDEX["left_hip"]] = pix[k, INDEX["right_hip"]] = (300, 200)
        pix[k, INDEX["nose"]] = (300 + nose_dx, 70)
    f = walk_features(pix)
    assert f.shape == (2, len(WALK_FEATURES))
    assert f[0].tolist() == pytest.approx([300.0, 100.0, 0.25, 0.0])
    assert f[1].tolist() == pytest.approx([300.0, 100.0, 0.0, 0.78])
    assert np.isnan(walk_features(np.full((1, N_LANDMARKS, 2), np.nan))).all()


def test_travel_across_and_away_in_torso_lengths() -> None:
    t = np.linspace(0.0, 3.0, 91)
    across = travel(t, 200.0 + 100.0 * t, np.full(len(t), 100.0), 1000.0)
    assert across[-1].tolist() == pytest.approx([3.0, 0.0], abs=1e-6)  # 1 torso length a second
    focal, torso_m, z0 = 1000.0, 0.5, 2.5
    z = z0 + 0.5 * t  # walks away at 1 torso length a second
    away = travel(t, np.full(len(t), 640.0), focal * torso_m / z, focal)
    assert away[-1, 0] == pytest.approx(0.0)
    assert away[-1, 1] == pytest.approx(-3.0, rel=0.02)  # towards the camera is positive
