"""Synthetic exercise clips with exactly known joint positions.

The pure parts (choreography, minimum-jerk motion, camera projection, truth
labelling) need only NumPy. Rendering needs the ``synth`` extra (torch, anny,
pyrender with OSMesa) and is imported lazily by :mod:`formcheck.synth.generate`.
See ``sample_videos/README.md``.
"""

from __future__ import annotations

from formcheck.synth.motion import Track, min_jerk, sample_tracks
from formcheck.synth.script import (
    EXERCISES,
    FAULTS,
    CameraSpec,
    ClipSpec,
    RepSpec,
    choreograph,
    random_clip,
)

__all__ = [
    "EXERCISES",
    "FAULTS",
    "CameraSpec",
    "ClipSpec",
    "RepSpec",
    "Track",
    "choreograph",
    "min_jerk",
    "random_clip",
    "sample_tracks",
]
