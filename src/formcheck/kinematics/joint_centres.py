"""Hip and knee joint centres estimated from MediaPipe's landmarks (image, side view).

MediaPipe's hip landmark is not the hip joint centre. Keypoint detectors are
trained on hips labelled by eye on the body's outline, and land centimetres
from the anatomical centre (Needham et al. 2021, Sci Rep 11:20673: 30-50 mm
systematic differences at the hip for 2D detectors against marker-based joint
centres). On formcheck's rendered bodies the landmark sits in front of the
joint centre along the thigh's anterior face, by 1-13 % of a thigh length,
and slides towards the knee as the thigh comes up. Angles through the raw
landmark read the hip 3-12 deg less flexed and the trunk 2-7 deg further
back than the joint centres do.

:func:`estimate_centres` moves each hip landmark back by an offset measured
in the thigh's own frame, so it turns with the thigh::

    hip centre = hip - L * (along(s) * u + anterior(s) * n)

with ``u`` the unit vector hip -> knee, ``n`` its normal towards the front
of the body, ``L`` the hip-knee distance (pixels) and ``s`` the thigh's
forward inclination scaled to 0 (vertical: standing, or bending forward
over straight legs) .. 1 (level: seated), clipped; ``along`` and
``anterior`` interpolate linearly between their standing and seated values.
(Interpolating by hip flexion instead treated a standing forward bend as
seated and read trunk-flexion range of motion 2-7 deg too large.) The knee
landmark sits slightly in front of the knee's centre; it moves back along
the shank's anterior normal by ``knee_anterior`` shank lengths (an offset
along the shank, or one varying with knee flexion, did no better on the
calibration clips). The defaults were fitted by ``formcheck-synth
calibrate`` on rendered bodies that the sample clips do not use; the sample
gate then measures the estimate on the samples' own bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from formcheck.pose.landmarks import INDEX

__all__ = ["JointCentreModel", "estimate_centres", "hip_offset_frame", "shank_frame"]

Index = int | NDArray[np.intp]


def _pairs(index: Mapping[str, int]) -> tuple[NDArray[np.intp], ...]:
    """(left, right) landmark positions of hips, knees and ankles."""
    return tuple(
        np.array([index[f"left_{joint}"], index[f"right_{joint}"]], dtype=np.intp)
        for joint in ("hip", "knee", "ankle")
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
    pix: NDArray[np.float64], hip: Index, knee: Index, facing: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The thigh frame from landmark pixels (T, 33, 2), y down.

    With landmark indices (ints) returns ``u`` (T, 2) unit hip -> knee, ``n``
    (T, 2) its anterior normal (``facing`` +1: the person faces image right),
    ``length`` (T,) hip-knee distance in pixels, and ``s`` (T,) the thigh's
    forward inclination from straight down / 90 deg, clipped to 0..1 (0 thigh
    vertical or behind, 1 level; NaN where a landmark is missing). With index
    arrays (S,) every result gains a side axis after T.
    """
    ux, uy, length, s = _thigh(pix, hip, knee, facing)
    u = np.stack([ux, uy], axis=-1)
    return u, np.stack([uy * facing, -ux * facing], axis=-1), length, s


def _thigh(
    pix: NDArray[np.float64], hip: Index, knee: Index, facing: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Components ``ux``, ``uy`` of the unit thigh, its ``length`` and ``s``
    (see :func:`hip_offset_frame`), each (T,) or (T, S): x and y kept apart so
    every step runs on contiguous arrays."""
    tx = pix[:, knee, 0] - pix[:, hip, 0]
    ty = pix[:, knee, 1] - pix[:, hip, 1]
    length = np.hypot(tx, ty)
    ux, uy = tx / length, ty / length
    forward = np.arctan2(ux * facing, uy)  # from straight down (+y), towards the front
    return ux, uy, length, np.clip(forward * (2.0 / np.pi), 0.0, 1.0)


def shank_frame(
    pix: NDArray[np.float64], knee: Index, ankle: Index, facing: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``n`` (T, 2) the shank's anterior normal and ``length`` (T,) knee-ankle
    distance in pixels, from landmark pixels (T, 33, 2), y down (index arrays
    (S,) add a side axis after T, as in :func:`hip_offset_frame`)."""
    nx, ny, length = _shank_normal(pix, knee, ankle, facing)
    return np.stack([nx, ny], axis=-1), length


def _shank_normal(
    pix: NDArray[np.float64], knee: Index, ankle: Index, facing: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    sx = pix[:, ankle, 0] - pix[:, knee, 0]
    sy = pix[:, ankle, 1] - pix[:, knee, 1]
    length = np.hypot(sx, sy)
    return sy * (facing / length), -sx * (facing / length), length


def estimate_centres(
    pix: NDArray[np.floating],
    facing: int,
    model: JointCentreModel,
    index: Mapping[str, int] = INDEX,
) -> NDArray[np.float64]:
    """(T, N, 2) pixels with both hips and knees moved to the estimated joint centres.

    ``pix`` (T, N, 2) landmark pixels (y down, NaN where missing): the 33
    landmarks, or any subset holding hips, knees and ankles with
    ``index`` mapping their names to axis 1; ``facing`` +1 if the person faces
    image right, -1 if left. Both offsets are measured on the landmarks as
    given. Where the knee is unseen the hip landmark stays as it is (the trunk
    angle still needs it), where the ankle is unseen the knee does. Per frame,
    no state: the live path (T = 1) and the offline path give the same points.
    """
    hips, knees, ankles = _pairs(index)
    src = np.asarray(pix, dtype=np.float64)
    out = src.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ux, uy, length, s = _thigh(src, hips, knees, facing)
        along = (model.along_standing + s * (model.along_seated - model.along_standing)) * length
        ant = (model.anterior_standing + s * (model.anterior_seated - model.anterior_standing))
        ant *= length * facing
        _subtract(out, hips, along * ux + ant * uy, along * uy - ant * ux)  # knee unseen: keep
        nx, ny, shank = _shank_normal(src, knees, ankles, facing)
        shank *= model.knee_anterior
        _subtract(out, knees, shank * nx, shank * ny)  # ankle unseen: keep the knee
    return out


def _subtract(
    out: NDArray[np.float64], where: NDArray[np.intp], dx: NDArray[np.float64],
    dy: NDArray[np.float64]
) -> None:  # fmt: skip
    """``out[:, where] -= (dx, dy)`` where both are finite, in place."""
    ok = np.isfinite(dx) & np.isfinite(dy)
    out[:, where, 0] -= np.where(ok, dx, 0.0)
    out[:, where, 1] -= np.where(ok, dy, 0.0)
