"""Camera side, facing direction, camera view, and the set-up step that finds the baseline.

:class:`SetupFinder` is fed one frame at a time (live, and offline by replay)
until the person has been seen, with every joint the exercise needs, for
``setup.window_s``; it then returns a :class:`Calibration` from those first
frames: the camera-facing side (by visibility, fixed from then on), facing
direction, camera view with guidance, and baseline features. It does not
wait for stillness: real people start moving at "Go", and a clip may start
mid-movement (the calibration then says so). The rep counter re-finds the
resting level after every rep, so the baseline need not be exact.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from formcheck.config import SetupConfig
from formcheck.kinematics.angles import Side, facing_sign, forward_vector
from formcheck.pose.landmarks import INDEX

__all__ = [
    "Calibration",
    "SetupFinder",
    "View",
    "classify_view",
    "choose_side",
    "view_ratio",
    "view_yaw",
    "VIEW_GUIDANCE",
]

View = Literal["side", "oblique", "frontal", "unknown"]

VIEW_GUIDANCE: Final[dict[str, str]] = {
    "oblique": "Turn side-on to the camera",
    "frontal": "Turn side-on to the camera",
    "unknown": "Step into view so your whole body is visible",
}
_SIDE_KEYS: Final = ("shoulder", "hip", "knee", "ankle", "heel", "foot_index")
_CORE: Final = ("shoulder", "hip", "knee")


@dataclass(frozen=True)
class Calibration:
    """What the set-up step found. ``baseline`` maps feature names to their
    median over the set-up window; ``trend`` to their rate of change over it (units
    per second: how the person was moving when first seen); ``t_s`` is when set-up
    finished."""

    side: Side
    facing: int
    forward3: tuple[float, float, float]
    view: View
    view_ratio: float
    view_yaw_deg: float
    baseline: dict[str, float]
    t_s: float
    window: tuple[float, float]
    messages: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    trend: dict[str, float] = field(default_factory=dict)


def _side_score(vis: NDArray[np.floating], side: Side) -> NDArray[np.float64]:
    idx = [INDEX[f"{side}_{k}"] for k in _SIDE_KEYS]
    return np.nan_to_num(np.asarray(vis, np.float64)[..., idx]).sum(axis=-1)


def choose_side(image: NDArray[np.floating]) -> Side:
    """The camera-facing side of (T, 33, 4) landmarks: the side whose shoulder,
    hip, knee, ankle, heel and toe are more visible in total over the frames."""
    left = float(_side_score(image[..., 3], "left").sum())
    right = float(_side_score(image[..., 3], "right").sum())
    return "left" if left >= right else "right"


def view_ratio(pix: NDArray[np.float64]) -> float:
    """Median shoulder width over torso length, from (T, 33, 2) pixels (NaN if unseen).

    About 0-0.3 side-on, 0.6-0.9 facing the camera."""
    ls, rs = pix[:, INDEX["left_shoulder"]], pix[:, INDEX["right_shoulder"]]
    lh, rh = pix[:, INDEX["left_hip"]], pix[:, INDEX["right_hip"]]
    width = np.abs(ls[:, 0] - rs[:, 0])
    torso = np.linalg.norm(0.5 * (ls + rs) - 0.5 * (lh + rh), axis=-1)
    ratio = width / torso
    ratio = ratio[np.isfinite(ratio)]
    return float(np.median(ratio)) if len(ratio) else float("nan")


def view_yaw(world: NDArray[np.float64]) -> float:
    """Median body yaw against the camera (deg) from (T, 33, 3) world landmarks:
    the left-right shoulder and hip lines in the horizontal plane, 0 facing the
    camera, 90 side-on. NaN if unseen. On the synthetic samples: 82-89 side,
    45 for a camera 43 deg off the side."""
    line = (world[:, INDEX["left_shoulder"]] - world[:, INDEX["right_shoulder"]]) + (
        world[:, INDEX["left_hip"]] - world[:, INDEX["right_hip"]]
    )
    yaw = np.degrees(np.arctan2(np.abs(line[:, 2]), np.abs(line[:, 0])))
    yaw = yaw[np.isfinite(yaw)]
    return float(np.median(yaw)) if len(yaw) else float("nan")


def classify_view(ratio: float, config: SetupConfig, yaw: float = float("nan")) -> View:
    """``side``, ``oblique`` or ``frontal`` from :func:`view_yaw` (world landmarks)
    when known, else from :func:`view_ratio` (image)."""
    if np.isfinite(yaw):
        if yaw >= config.side_view_min_yaw_deg:
            return "side"
        return "frontal" if yaw <= config.frontal_max_yaw_deg else "oblique"
    if not np.isfinite(ratio):
        return "unknown"
    if ratio <= config.side_view_max_ratio:
        return "side"
    if ratio >= config.frontal_min_ratio:
        return "frontal"
    return "oblique"


def _visible(pix_row: NDArray[np.float64], side: Side, keys: tuple[str, ...]) -> bool:
    idx = [INDEX[f"{side}_{k}"] for k in keys]
    return bool(np.isfinite(pix_row[idx]).all())


_MISSING_PERSON = "Step into view so your whole body is visible"
_MISSING_FEET = "Step back so your feet are in view"
MID_MOVEMENT = (
    "The recording starts mid-movement: the start posture was taken from the first frames"
)


def _trend(t: NDArray[np.float64], feats: NDArray[np.float64], names: tuple[str, ...]
           ) -> dict[str, float]:  # fmt: skip
    """Rate of change (units/s) of each feature (N, F) over times ``t`` (N,): the
    median of the last third minus that of the first, over the time between them."""
    third = max(1, len(t) // 3)
    span = float(np.median(t[-third:]) - np.median(t[:third]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        change = np.nanmedian(feats[-third:], axis=0) - np.nanmedian(feats[:third], axis=0)
    rate = change / span if span > 0 else np.full(len(names), np.nan)
    return {name: float(rate[i]) for i, name in enumerate(names)}


class SetupFinder:
    """Per-frame set-up: the start posture from the first frames showing the person.

    A frame counts when one side's shoulder, hip and knee, and the joints in
    ``required`` (e.g. ``("ankle",)`` for sit-to-stand), are visible; set-up
    locks after ``window_s`` of such frames. Gaps shorter than ``max_gap_s``
    do not restart the window (a few dropped detections).

    ``side``: measure this body side's angles (an exercise of one leg, taught on it)
    instead of the camera-facing one.

    ``update(t, image_row (33, 4), pts_row (33, 5) masked pixels + world)`` returns
    None until done. ``messages`` holds the current guidance for the person.
    """

    def __init__(self, config: SetupConfig, features: object,
                 required: tuple[str, ...] = (), side: Side | None = None) -> None:  # fmt: skip
        self.config = config
        self._side = side  # a one-sided exercise's body side; None: the camera-facing side
        self._features = features  # callable(pts (N,33,5), side, facing, forward3, view) -> (N, F)
        self._required = tuple(dict.fromkeys(_CORE + tuple(required)))
        self._t: list[float] = []
        self._img: list[NDArray[np.float64]] = []
        self._pix: list[NDArray[np.float64]] = []
        self._last_seen = float("-inf")
        self.messages: list[str] = [_MISSING_PERSON]

    def update(
        self, t: float, image_row: NDArray[np.floating], pts_row: NDArray[np.float64]
    ) -> Calibration | None:
        pix_row = pts_row[:, :2]
        ready = _visible(pix_row, "left", self._required) or _visible(
            pix_row, "right", self._required
        )
        if not ready:
            if t - self._last_seen > self.config.max_gap_s:
                self._t, self._img, self._pix = [], [], []
            self.messages = [self._missing(pix_row)]
            return None
        self._last_seen = t
        self._t.append(t)
        self._img.append(np.asarray(image_row, np.float64))
        self._pix.append(pts_row)
        self.messages = []
        if t - self._t[0] < self.config.window_s:
            return None
        return self._calibrate()

    @staticmethod
    def _missing(pix_row: NDArray[np.float64]) -> str:
        """What the person should do when a frame is not usable for set-up."""
        shoulder = ("shoulder",)
        upper = _visible(pix_row, "left", shoulder) or _visible(pix_row, "right", shoulder)
        return _MISSING_FEET if upper else _MISSING_PERSON  # the upper body seen: legs cut off

    def _motion(self) -> float:
        """Spread (RMS standard deviation) of mid-hip and mid-shoulder positions over
        the window, in torso lengths."""
        pix = np.asarray(self._pix)[..., :2]
        mid_hip = 0.5 * (pix[:, INDEX["left_hip"]] + pix[:, INDEX["right_hip"]])
        mid_sh = 0.5 * (pix[:, INDEX["left_shoulder"]] + pix[:, INDEX["right_shoulder"]])
        pts = np.concatenate([mid_hip, mid_sh], axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            torso = np.nanmedian(np.linalg.norm(mid_sh - mid_hip, axis=-1))
            spread = np.sqrt(np.nanmean(np.nanvar(pts, axis=0)))
        value = float(spread / torso) if torso > 0 else float("inf")
        return value if np.isfinite(value) else float("inf")

    def _calibrate(self) -> Calibration:
        img = np.asarray(self._img)
        pts = np.asarray(self._pix)
        pix = pts[..., :2]
        side = self._side or choose_side(img)
        facing = facing_sign(pix)
        fwd3 = forward_vector(pts[..., 2:])
        ratio = view_ratio(pix)
        yaw = view_yaw(pts[..., 2:])
        view = classify_view(ratio, self.config, yaw)
        feats = self._features(pts, side, facing, fwd3, view)  # type: ignore[operator]
        from formcheck.kinematics.signals import FEATURES

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(feats, axis=0) if len(feats) else np.full(len(FEATURES), np.nan)
        msgs = (VIEW_GUIDANCE[view],) if view in VIEW_GUIDANCE else ()
        moving = self._motion() > self.config.still_tolerance
        return Calibration(
            side=side,
            facing=facing,
            forward3=(float(fwd3[0]), float(fwd3[1]), float(fwd3[2])),
            view=view,
            view_ratio=ratio,
            view_yaw_deg=yaw,
            baseline={name: float(med[i]) for i, name in enumerate(FEATURES)},
            t_s=self._t[-1],
            window=(self._t[0], self._t[-1]),
            messages=msgs,
            warnings=(MID_MOVEMENT,) if moving else (),
            trend=_trend(np.asarray(self._t), feats, FEATURES),
        )
