"""Drawing on frames: skeleton, measured angle, rep count, phase, cue, score, timer.

Drawing is kept apart from computing: :class:`PoseAnnotator` takes its style
in ``__init__`` and ``annotate(image, landmarks, overlay) -> image`` only draws
what it is given. Images are ``(H, W, 3) uint8`` RGB (colours below are RGB);
landmarks are one frame of ``PoseSequence.image``: ``(33, 4)`` x, y normalised
to the frame (0..1), z, visibility. NaN landmarks are not drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.exercise.display import CueLevel
from formcheck.pose.landmarks import N_LANDMARKS, SKELETON

__all__ = ["CUE_COLOURS", "CueLevel", "Overlay", "PoseAnnotator"]

Colour = tuple[int, int, int]

CUE_COLOURS: Final[dict[str, Colour]] = {
    "good": (30, 150, 60),
    "warn": (230, 140, 0),
    "bad": (200, 30, 30),
    "info": (40, 90, 170),
}
"""Background colour (RGB) of the cue banner per level."""

_FONT: Final = cv2.FONT_HERSHEY_SIMPLEX
_WHITE: Final[Colour] = (255, 255, 255)
_BLACK: Final[Colour] = (0, 0, 0)


@dataclass(frozen=True)
class Overlay:
    """What to write on one frame; every field is optional.

    ``angle_deg`` is drawn next to landmark ``angle_at`` (a landmark index)
    labelled ``angle_label``; ``score`` is 0..100 (the last finished rep);
    ``timer_s`` is seconds shown as a clock (for timed tests).
    ``angle_points``: the points the angle was measured through, x and y
    normalised (0..1), drawn as lines in the angle colour (they may differ
    from the landmarks: estimated joint centres); the label then sits at the
    vertex, the first point when ``angle_vertical`` (an angle against the
    vertical, drawn as a plumb line from it), else the second.
    """

    reps: int | None = None
    phase: str | None = None
    cue: str | None = None
    cue_level: CueLevel = "info"
    score: float | None = None
    timer_s: float | None = None
    angle_deg: float | None = None
    angle_at: int | None = None
    angle_label: str = ""
    angle_points: tuple[tuple[float, float], ...] = ()
    angle_vertical: bool = False


class PoseAnnotator:
    """Draws a pose and an :class:`Overlay` on RGB frames.

    Sizes scale with the frame height (``scale`` 1.0 is tuned for 480 px);
    landmarks whose visibility is below ``min_visibility`` are skipped.
    """

    def __init__(
        self,
        *,
        bone_colour: Colour = (0, 220, 255),
        joint_colour: Colour = (255, 255, 255),
        angle_colour: Colour = (255, 230, 0),
        min_visibility: float = 0.3,
        scale: float = 1.0,
    ) -> None:
        if not 0.0 <= min_visibility <= 1.0:
            raise ValueError(f"min_visibility must be in 0..1, got {min_visibility}")
        if scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        self.bone_colour = bone_colour
        self.joint_colour = joint_colour
        self.angle_colour = angle_colour
        self.min_visibility = min_visibility
        self.scale = scale
        self._bones = np.asarray(SKELETON, dtype=np.intp)

    def annotate(
        self,
        image: NDArray[np.uint8],
        landmarks: NDArray[np.floating] | None = None,
        overlay: Overlay | None = None,
        *,
        copy: bool = True,
    ) -> NDArray[np.uint8]:
        """Draw on ``image`` (H, W, 3) RGB uint8; returns the drawn image (a copy unless
        ``copy=False``). ``landmarks`` is (33, 4) normalised or None (no person)."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
        out = np.ascontiguousarray(image.copy() if copy else image)
        unit = self.scale * out.shape[0] / 480.0
        points = self._pixels(landmarks, out.shape[1], out.shape[0])
        if points is not None:
            self._draw_skeleton(out, points, unit)
        if overlay is not None:
            self._draw_angle(out, points, overlay, unit)
            self._draw_hud(out, overlay, unit)
        return out

    def _pixels(
        self, landmarks: NDArray[np.floating] | None, width: int, height: int
    ) -> NDArray[np.float64] | None:
        """(33, 2) pixel positions, NaN where missing or not visible; None if no person."""
        if landmarks is None:
            return None
        lm = np.asarray(landmarks, dtype=np.float64)
        if lm.shape[0] != N_LANDMARKS or lm.ndim != 2 or lm.shape[1] < 2:
            raise ValueError(f"landmarks must be ({N_LANDMARKS}, 4), got {lm.shape}")
        xy = lm[:, :2] * np.array([width, height], dtype=np.float64)
        if lm.shape[1] >= 4:
            xy[lm[:, 3] < self.min_visibility] = np.nan
        if np.isnan(xy).all():
            return None
        return xy

    def _draw_skeleton(self, out: NDArray[np.uint8], xy: NDArray[np.float64], unit: float) -> None:
        ends = xy[self._bones]  # (B, 2, 2)
        ok = np.isfinite(ends).all(axis=(1, 2))
        lines = np.round(ends[ok]).astype(np.int32)
        width = max(1, round(3 * unit))
        cv2.polylines(out, list(lines), False, self.bone_colour, width, cv2.LINE_AA)
        radius = max(2, round(4 * unit))
        for x, y in np.round(xy[np.isfinite(xy).all(axis=1)]).astype(np.int32):
            cv2.circle(out, (int(x), int(y)), radius, self.joint_colour, -1, cv2.LINE_AA)

    def _draw_angle(
        self,
        out: NDArray[np.uint8],
        xy: NDArray[np.float64] | None,
        ov: Overlay,
        unit: float,
    ) -> None:
        if ov.angle_deg is None or not np.isfinite(ov.angle_deg):
            return
        text = f"{ov.angle_label} {ov.angle_deg:.0f} deg".strip()
        anchor = self._draw_measured(out, ov, unit)
        if anchor is not None:
            _label(out, text, anchor, 0.8 * unit, self.angle_colour, _BLACK)
            return
        if xy is not None and ov.angle_at is not None and np.isfinite(xy[ov.angle_at]).all():
            anchor = (int(xy[ov.angle_at][0] + 12 * unit), int(xy[ov.angle_at][1]))
            cv2.circle(out, anchor[:2], max(4, round(9 * unit)), self.angle_colour, 2, cv2.LINE_AA)
        if anchor is None:
            return
        _label(out, text, anchor, 0.8 * unit, self.angle_colour, _BLACK)

    def _draw_measured(
        self, out: NDArray[np.uint8], ov: Overlay, unit: float
    ) -> tuple[int, int] | None:
        """Lines through ``ov.angle_points``; returns the label anchor, or None
        when there are fewer than two finite points."""
        pts = np.asarray(ov.angle_points, dtype=np.float64).reshape(-1, 2)
        if len(pts) < 2 or not np.isfinite(pts).all():
            return None
        px = pts * np.array([out.shape[1], out.shape[0]], dtype=np.float64)
        if ov.angle_vertical:
            reach = float(np.linalg.norm(px[1] - px[0]))
            px = np.array([[px[0][0], px[0][1] - reach], px[0], px[1]])
        width = max(1, round(2 * unit))
        line = np.round(px).astype(np.int32)
        cv2.polylines(out, [line], False, self.angle_colour, width, cv2.LINE_AA)
        for x, y in line:
            centre = (int(x), int(y))
            cv2.circle(out, centre, max(3, round(5 * unit)), self.angle_colour, -1, cv2.LINE_AA)
        vertex = line[1]
        return int(vertex[0] + 12 * unit), int(vertex[1])

    def _draw_hud(self, out: NDArray[np.uint8], ov: Overlay, unit: float) -> None:
        lines: list[str] = []
        if ov.reps is not None:
            lines.append(f"Reps {ov.reps}")
        if ov.phase:
            lines.append(ov.phase)
        if ov.score is not None and np.isfinite(ov.score):
            lines.append(f"Last rep {ov.score:.0f}/100")
        if ov.timer_s is not None and np.isfinite(ov.timer_s):
            lines.append(f"Time {ov.timer_s:5.1f} s")
        y = round(10 * unit)
        for i, text in enumerate(lines):
            size = 1.3 * unit if i == 0 else 0.8 * unit
            y = _label(out, text, (round(10 * unit), y), size, _WHITE, _BLACK, top=True)
        if ov.cue:
            _banner(out, ov.cue, CUE_COLOURS.get(ov.cue_level, CUE_COLOURS["info"]), unit)


def _label(
    out: NDArray[np.uint8],
    text: str,
    org: tuple[int, int],
    size: float,
    fg: Colour,
    bg: Colour,
    *,
    top: bool = False,
) -> int:
    """Text on a filled box; ``org`` is the box's top-left if ``top`` else the text's
    left middle. Returns the y just below the box."""
    thick = max(1, round(2 * size))
    (w, h), base = cv2.getTextSize(text, _FONT, size, thick)
    pad = max(2, round(h * 0.3))
    x = org[0]
    y0 = org[1] if top else org[1] - h // 2 - pad
    cv2.rectangle(out, (x, y0), (x + w + 2 * pad, y0 + h + base + 2 * pad), bg, -1)
    cv2.putText(out, text, (x + pad, y0 + pad + h), _FONT, size, fg, thick, cv2.LINE_AA)
    return y0 + h + base + 2 * pad + pad


def _banner(out: NDArray[np.uint8], text: str, colour: Colour, unit: float) -> None:
    """The cue in large white letters on a coloured band across the bottom of the frame."""
    height, width = out.shape[:2]
    size = 1.2 * unit
    thick = max(2, round(3 * unit))
    (w, h), base = cv2.getTextSize(text, _FONT, size, thick)
    while w > width * 0.95 and size > 0.4 * unit:
        size *= 0.85
        (w, h), base = cv2.getTextSize(text, _FONT, size, thick)
    band = h + base + round(24 * unit)
    y0 = max(0, height - band)
    cv2.rectangle(out, (0, y0), (width, height), colour, -1)
    x = max(0, (width - w) // 2)
    cv2.putText(out, text, (x, y0 + round(12 * unit) + h), _FONT, size, _WHITE, thick, cv2.LINE_AA)
