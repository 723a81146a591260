"""The 33 BlazePose landmarks: indices, names, left/right pairs and the skeleton.

Indices follow MediaPipe's pose landmark model. Left and right are the
person's own sides, not the image's.
"""

from __future__ import annotations

from typing import Final

__all__ = ["NAMES", "N_LANDMARKS", "INDEX", "LEFT_RIGHT_PAIRS", "SKELETON", "mirror_name"]

NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip

N_LANDMARKS: Final = len(NAMES)
INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(NAMES)}


def mirror_name(name: str) -> str:
    """The same landmark on the other side: ``left_knee`` -> ``right_knee``; ``nose`` stays."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    if name == "mouth_left":
        return "mouth_right"
    if name == "mouth_right":
        return "mouth_left"
    return name


LEFT_RIGHT_PAIRS: Final[tuple[tuple[int, int], ...]] = tuple(
    (INDEX[n], INDEX[mirror_name(n)]) for n in NAMES if n.startswith("left_")
)

_BONES: Final = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
    ("nose", "left_eye"), ("nose", "right_eye"),
    ("left_eye", "left_ear"), ("right_eye", "right_ear"),
)  # fmt: skip

SKELETON: Final[tuple[tuple[int, int], ...]] = tuple((INDEX[a], INDEX[b]) for a, b in _BONES)
