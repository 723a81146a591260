"""Synthetic exercise clips with exactly known joint positions.

The pure parts (choreography, minimum-jerk motion, camera projection, truth
labelling) need only NumPy. Rendering needs the ``synth`` extra (torch, anny,
pyrender with OSMesa) and is imported lazily by :mod:`formcheck_synth.generate`.
See ``sample_videos/README.md``.
"""

from __future__ import annotations

from formcheck_synth.motion import Track, min_jerk, sample_tracks
from formcheck_synth.script import (
    FAULTS,
    SCRIPTED,
    CameraSpec,
    ClipSpec,
    RepSpec,
    choreograph,
    random_clip,
)

__all__ = [
    "SCRIPTED",
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
