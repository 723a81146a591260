"""How far measured joint angles lie from a synthetic clip's truth (pure NumPy).

Used by the accuracy gate (``tests/gate/``) and by the joint-centre calibration
(:mod:`formcheck_synth.calibrate`), both on angles measured the app's way
(:meth:`formcheck.exercise.report.Report.joint_angles`,
:func:`formcheck.exercise.analysis.angle_inputs`).

Trunk inclination and hip flexion keep their sign (the core signs hip extension
negative, as the truth does); knee flexion is compared as a magnitude (the core
reports the unsigned three-point angle, the truth signs hyperextension negative).
Each angle is compared with the truth of its source: ``image`` (projected joint
centres) or ``world`` (3-D joint centres), as the app measured it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck_synth.truth import ANGLE_NAMES

__all__ = ["angle_errors", "angle_figures"]

_SIGNED = {"trunk_inclination", "hip_flexion"}


def angle_errors(
    measured: Mapping[str, NDArray[np.float64]],
    t: NDArray[np.float64],
    truth: dict[str, Any],
    sources: Mapping[str, str] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Absolute error (deg) of each angle on the frames where it was measured.

    ``measured`` name -> (T,) deg at times ``t`` (T,) s; truth frame i is at i / fps.
    ``sources`` name -> ``"image"`` | ``"world"`` (default: image for all)."""
    idx = np.rint(np.asarray(t) * truth["fps"]).astype(int)
    ok = (idx >= 0) & (idx < truth["frames"])
    out = {}
    for name in ANGLE_NAMES:
        source = (sources or {}).get(name, "image")
        true = np.asarray(truth["angles"][source][name], dtype=np.float64)[idx[ok]]
        got = np.asarray(measured[name], dtype=np.float64)[ok]
        if name not in _SIGNED:
            true, got = np.abs(true), np.abs(got)
        err = np.abs(got - true)
        out[name] = err[np.isfinite(err)]
    return out


def angle_figures(
    measured: Mapping[str, NDArray[np.float64]],
    t: NDArray[np.float64],
    truth: dict[str, Any],
    sources: Mapping[str, str] | None = None,
) -> dict[str, dict[str, float]]:
    """Mean and max absolute error (deg) of each angle over the frames where it was
    measured (see :func:`angle_errors`)."""
    out = {}
    for name, err in angle_errors(measured, t, truth, sources).items():
        out[name] = {
            "mean": round(float(err.mean()), 2) if err.size else float("nan"),
            "max": round(float(err.max()), 2) if err.size else float("nan"),
        }
    return out
