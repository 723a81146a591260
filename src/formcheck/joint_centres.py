"""Hip and knee joint centres estimated from MediaPipe's landmarks (image, side view).

MediaPipe's hip landmark is not the hip joint centre. Keypoint detectors are
trained on hips labelled by eye on the body's outline, and land centimetres
from the anatomical centre (Needham et al. 2021, Sci Rep 11:20673: 30-50 mm
systematic differences at the hip for 2D detectors against marker-based joint
centres). On formcheck's rendered bodies the landmark sits in front of the
joint centre along the thigh's anterior face, by 2-13 % of a thigh length,
and slides towards the knee as the hip flexes. Angles through the raw
landmark read the hip 3-12 deg less flexed and the trunk 2-7 deg further
back than the joint centres do.

:func:`estimate_centres` moves each hip landmark back by an offset measured
in the thigh's own frame, so it turns with the thigh::

    hip centre = hip - L * (along(s) * u + anterior(s) * n)

with ``u`` the unit vector hip -> knee, ``n`` its normal towards the front
of the body, ``L`` the hip-knee distance (pixels) and ``s`` the landmark hip
flexion scaled to 0 (standing) .. 1 (90 deg, seated), clipped; ``along`` and
``anterior`` interpolate linearly between their standing and seated values.
The knee landmark sits slightly in front of the knee's centre; it moves back
along the shank's anterior normal by ``knee_anterior`` shank lengths (an
offset along the shank was tried and made the calibration errors worse).
The defaults were fitted by ``formcheck synth calibrate`` on rendered bodies
that the sample clips do not use; the sample gate then measures the estimate
on the samples' own bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import INDEX

__all__ = ["JointCentreModel", "estimate_centres", "hip_offset_frame", "shank_frame"]

_SIDES: Final = tuple(
    tuple(INDEX[f"{side}_{joint}"] for joint in ("hip", "knee", "shoulder", "ankle"))
    for side in ("left", "right")
)


@dataclass(frozen=True)
class JointCentreModel:
    """Offsets of the hip and knee landmarks from their joint centres.

    Hip offsets in thigh lengths: positive ``along`` means the landmark sits
    towards the knee, positive ``anterior`` towards the front of the thigh.
    ``knee_anterior`` in shank lengths, towards the front of the shank.
    """

    along_standing: float
    along_seated: float
    anterior_standing: float
    anterior_seated: float
    knee_anterior: float = 0.0


def hip_offset_frame(
    pix: NDArray[np.float64], hip: int, knee: int, shoulder: int, facing: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The thigh frame of one side, from landmark pixels (T, 33, 2), y down.

    Returns ``u`` (T, 2) unit hip -> knee, ``n`` (T, 2) its anterior normal
    (``facing`` +1: the person faces image right), ``length`` (T,) hip-knee
    distance in pixels, and ``s`` (T,) landmark hip flexion / 90 deg clipped
    to 0..1 (NaN where a landmark is missing).
    """
    h, k, sh = pix[:, hip], pix[:, knee], pix[:, shoulder]
    thigh = k - h
    length = np.hypot(thigh[:, 0], thigh[:, 1])
    u = thigh / length[:, None]
    n = np.stack([u[:, 1] * facing, -u[:, 0] * facing], axis=1)
    trunk = sh - h
    cross = trunk[:, 0] * u[:, 1] - trunk[:, 1] * u[:, 0]
    straight = np.degrees(np.arctan2(np.abs(cross), trunk[:, 0] * u[:, 0] + trunk[:, 1] * u[:, 1]))
    flexion = (180.0 - straight) * np.sign(cross * facing)  # signed as formcheck.angles does
    return u, n, length, np.clip(flexion / 90.0, 0.0, 1.0)


def shank_frame(
    pix: NDArray[np.float64], knee: int, ankle: int, facing: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` (T, 2) the shank's anterior normal and ``length`` (T,) knee-ankle
    distance in pixels, from landmark pixels (T, 33, 2), y down."""
    shank = pix[:, ankle] - pix[:, knee]
    length = np.hypot(shank[:, 0], shank[:, 1])
    u = shank / length[:, None]
    return np.stack([u[:, 1] * facing, -u[:, 0] * facing], axis=1), length


def estimate_centres(
    pix: NDArray[np.floating], facing: int, model: JointCentreModel
) -> NDArray[np.float64]:
    """(T, 33, 2) pixels with both hips and knees moved to the estimated joint centres.

    ``pix`` (T, 33, 2) landmark pixels (y down, NaN where missing); ``facing``
    +1 if the person faces image right, -1 if left. Both offsets are measured
    on the landmarks as given. Where the knee is unseen the hip landmark stays
    as it is (the trunk angle still needs it), where the ankle is unseen the
    knee does; where the shoulder is unseen the standing hip offset is used.
    Per frame, no state: the live path (T = 1) and the offline path give the
    same points.
    """
    src = np.asarray(pix, dtype=np.float64)
    out = src.copy()
    for hip, knee, shoulder, ankle in _SIDES:
        u, n, length, s = hip_offset_frame(src, hip, knee, shoulder, facing)
        s = np.nan_to_num(s, nan=0.0)  # shoulder unseen: the standing offset
        along = model.along_standing + s * (model.along_seated - model.along_standing)
        ant = model.anterior_standing + s * (model.anterior_seated - model.anterior_standing)
        shift = length[:, None] * (along[:, None] * u + ant[:, None] * n)
        out[:, hip] -= np.where(np.isfinite(shift), shift, 0.0)  # knee unseen: keep the landmark
        normal, shank = shank_frame(src, knee, ankle, facing)
        shift = (model.knee_anterior * shank)[:, None] * normal
        out[:, knee] -= np.where(np.isfinite(shift), shift, 0.0)  # ankle unseen: keep it
    return out
