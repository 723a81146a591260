"""Walking signals: where the person is along their path, and which way they face.

For tests that walk (the Timed Up and Go), from masked landmark pixels of every
frame, whatever the camera side the angles use:

- ``mid_hip_x_px``: the mid-hip's image x (px);
- ``torso_px``: mid-shoulder to mid-hip length (px): the body's scale in the image,
  which shrinks as the person walks away from the camera;
- ``nose_lead``: the nose's image x ahead of the mid-shoulder, in torso lengths
  (+ facing image right in profile, about 0 facing the camera or away);
- ``shoulder_spread``: left shoulder x minus right shoulder x, in torso lengths
  (about +0.8 facing the camera, -0.8 with the back to it, 0 in profile).

:func:`heading_deg` turns the last two into the direction the trunk faces in the
ground plane (0 image right, 90 towards the camera, 180 image left, -90 away),
unwrapped so a 180 deg turn is a change of 180 whichever way the person turns.
:func:`travel` turns the first two into the distance walked, in torso lengths,
across the image and in depth (from the change of scale), so a walk across the
frame and a walk away from the camera give the same path.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from formcheck.pose.landmarks import INDEX

__all__ = ["WALK_FEATURES", "walk_features", "heading_deg", "travel"]

WALK_FEATURES: Final = ("mid_hip_x_px", "torso_px", "nose_lead", "shoulder_spread")

NOSE_LEAD: Final = 0.25
"""The nose's lead on the shoulder line in profile, in torso lengths (head about 10-12 cm
ahead of the shoulders, shoulder to hip about 45-50 cm); it scales the heading's
left-right part."""
SHOULDER_SPAN: Final = 0.78
"""Shoulder width over shoulder-to-hip length (about 38-40 cm over 50 cm); it scales the
heading's towards-away part."""

_LS, _RS = INDEX["left_shoulder"], INDEX["right_shoulder"]
_LH, _RH = INDEX["left_hip"], INDEX["right_hip"]
_NOSE = INDEX["nose"]


def walk_features(pix: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, 4) ``WALK_FEATURES`` from masked landmark pixels (T, 33, 2) (NaN where unseen)."""
    mid_sh = 0.5 * (pix[:, _LS] + pix[:, _RS])
    mid_hip = 0.5 * (pix[:, _LH] + pix[:, _RH])
    torso = np.linalg.norm(mid_sh - mid_hip, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):  # unseen (NaN) or degenerate: NaN
        lead = (pix[:, _NOSE, 0] - mid_sh[:, 0]) / torso
        spread = (pix[:, _LS, 0] - pix[:, _RS, 0]) / torso
    return np.stack([mid_hip[:, 0], torso, lead, spread], axis=1)


def heading_deg(nose_lead: NDArray[np.float64], shoulder_spread: NDArray[np.float64]
                ) -> NDArray[np.float64]:  # fmt: skip
    """(T,) unwrapped trunk heading, deg, from gap-free ``nose_lead`` and
    ``shoulder_spread`` (T,): 0 facing image right, 90 the camera, 180 image left."""
    raw = np.arctan2(shoulder_spread / SHOULDER_SPAN, nose_lead / NOSE_LEAD)
    return np.degrees(np.unwrap(raw))


def travel(t: NDArray[np.float64], hip_x: NDArray[np.float64], torso: NDArray[np.float64],
           focal_px: float) -> NDArray[np.float64]:  # fmt: skip
    """(T, 2) distance walked since the first frame, in torso lengths: across the image
    (image x speed over the torso's image length) and towards the camera (from the
    torso's change of scale: a body at depth Z shows f L / Z px, so dZ/dt over L is
    -f torso' / torso^2 with ``focal_px`` f), from gap-free ``hip_x`` and ``torso``
    (T,) px at times ``t`` (T,) s."""
    if len(t) < 2:
        return np.zeros((len(t), 2))
    across = np.gradient(hip_x, t) / torso
    towards = focal_px * np.gradient(torso, t) / torso**2
    dt = np.diff(t, prepend=t[0])
    return np.cumsum(np.stack([across, towards], axis=1) * dt[:, None], axis=0)
