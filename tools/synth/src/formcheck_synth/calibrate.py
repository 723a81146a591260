"""Fit the joint-centre estimate (:mod:`formcheck.kinematics.joint_centres`) on rendered bodies.

``formcheck-synth calibrate --out DIR`` renders :func:`calibration_specs`
(bodies of :data:`formcheck_synth.body.CALIBRATION_SHAPES`, none of which
the sample set uses) into ``DIR`` where missing, runs MediaPipe on each clip,
measures where the hip landmark sits against the body's hip joint centre in
the thigh's frame (:func:`hip_residuals`) and the knee landmark against the
knee's centre across the shank (:func:`knee_residuals`), and fits the offsets
of :class:`~formcheck.kinematics.joint_centres.JointCentreModel`: first by least
squares on those residuals, every clip weighted equally (:func:`point_fit`),
then refined to the offsets that minimise the clips' mean angle errors
(:func:`fit_centres`). The fitted values are the
defaults of ``[angles]`` in ``default_config.toml``; the sample gate then
tests them on the samples' own bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.kinematics.joint_centres import JointCentreModel, hip_offset_frame, shank_frame
from formcheck.pose.landmarks import INDEX
from formcheck_synth.script import CALIBRATION_BODIES, ClipSpec, random_clip

__all__ = [
    "calibration_specs",
    "hip_residuals",
    "knee_residuals",
    "fit_hip_offsets",
    "point_fit",
    "angle_cost",
    "fit_centres",
    "run_calibration",
]

_ORDER = ("sit_to_stand", "trunk_flexion", "back_extension")
Residuals = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def calibration_specs() -> list[ClipSpec]:
    """Every calibration clip: each calibration body does each exercise (2 reps,
    side view; back extension in a portrait frame). Seeds 7101..7124."""
    specs = []
    for b, body in enumerate(CALIBRATION_BODIES):
        for e, exercise in enumerate(_ORDER):
            i = 3 * b + e + 1
            specs.append(random_clip(f"cal_{body}_{exercise}", exercise, 7100 + i, n_reps=2,
                                     portrait=i % 3 == 0, body=body))  # fmt: skip
    return specs


def _frames(truth: dict[str, Any], seq: Any) -> NDArray[np.intp]:
    frame = np.rint(np.asarray(seq.t) * truth["fps"]).astype(int)
    return np.clip(frame, 0, truth["frames"] - 1)


def hip_residuals(truth: dict[str, Any], seq: Any) -> Residuals:
    """Where the camera-side hip landmark sits against the true hip joint centre.

    ``truth`` a clip's truth object, ``seq`` its measured ``PoseSequence``.
    Returns (T,) arrays: ``s`` (the thigh's forward inclination / 90 deg,
    0..1, as :func:`~formcheck.kinematics.joint_centres.hip_offset_frame`), and the
    landmark minus the joint centre along the thigh (towards the knee) and
    along its anterior normal, both in thigh lengths; NaN where not measured.
    """
    from formcheck.kinematics.angles import facing_sign

    side = truth["side"]
    pix = seq.pixels()
    centre = np.asarray(truth["joints_px"][f"{side}_hip"], dtype=np.float64)[_frames(truth, seq)]
    hip, knee = INDEX[f"{side}_hip"], INDEX[f"{side}_knee"]
    u, n, length, s = hip_offset_frame(pix, hip, knee, facing_sign(pix))
    r = pix[:, hip] - centre
    return s, np.einsum("td,td->t", r, u) / length, np.einsum("td,td->t", r, n) / length


def knee_residuals(truth: dict[str, Any], seq: Any) -> NDArray[np.float64]:
    """(T,) the camera-side knee landmark minus the true knee centre along the
    shank's anterior normal, in shank lengths; NaN where not measured."""
    from formcheck.kinematics.angles import facing_sign

    side = truth["side"]
    pix = seq.pixels()
    centre = np.asarray(truth["joints_px"][f"{side}_knee"], dtype=np.float64)[_frames(truth, seq)]
    knee, ankle = INDEX[f"{side}_knee"], INDEX[f"{side}_ankle"]
    normal, length = shank_frame(pix, knee, ankle, facing_sign(pix))
    return np.einsum("td,td->t", pix[:, knee] - centre, normal) / length


def fit_hip_offsets(residuals: Iterable[Residuals]) -> tuple[float, float, float, float]:
    """Least-squares hip offsets (along and anterior, standing and seated),
    linear in ``s`` from standing (0) to seated (1).

    Each clip's frames together weigh as much as any other clip's, so a long
    clip does not decide the fit. Values rounded to 0.001 thigh lengths.
    """
    rows, along, ant, weight = [], [], [], []
    for s, a, b in residuals:
        ok = np.isfinite(s) & np.isfinite(a) & np.isfinite(b)
        if not ok.any():
            continue
        rows.append(np.stack([1.0 - s[ok], s[ok]], axis=1))
        along.append(a[ok])
        ant.append(b[ok])
        weight.append(np.full(int(ok.sum()), 1.0 / np.sqrt(ok.sum())))
    if not rows:
        raise ValueError("no frame with a measured hip and knee to fit")
    w = np.concatenate(weight)[:, None]
    design = np.concatenate(rows) * w
    fa = np.linalg.lstsq(design, np.concatenate(along) * w[:, 0], rcond=None)[0]
    fb = np.linalg.lstsq(design, np.concatenate(ant) * w[:, 0], rcond=None)[0]
    a0, a1, b0, b1 = (round(float(v), 3) for v in (*fa, *fb))
    return a0, a1, b0, b1


def point_fit(clips: Iterable[tuple[dict[str, Any], Any]]) -> JointCentreModel:
    """Offsets that best move the landmarks onto the joint centres: hip offsets
    by :func:`fit_hip_offsets`, the knee offset as the mean of the clips' mean
    knee residuals (every clip weighs the same), rounded to 0.001."""
    pairs = list(clips)
    hips = fit_hip_offsets(hip_residuals(truth, seq) for truth, seq in pairs)
    residuals = (knee_residuals(t, q) for t, q in pairs)
    knees = [np.nanmean(r) for r in residuals if np.isfinite(r).any()]
    knee = round(float(np.mean(knees)), 3) if knees else 0.0
    return JointCentreModel(*hips, knee_anterior=knee)


def angle_cost(model: JointCentreModel | None, clips: list[tuple[dict[str, Any], Any]]) -> float:
    """Mean over clips of the summed mean absolute trunk, hip and knee errors (deg), the
    angles computed the app's way (:func:`formcheck.exercise.analysis.angle_inputs`)."""
    from formcheck_synth.accuracy import angle_errors

    total = 0.0
    for truth, seq in clips:
        inputs = _inputs(truth, seq)
        errors = angle_errors(inputs.angles(model), inputs.t, truth)
        total += sum(float(e.mean()) for e in errors.values() if e.size)
    return total / len(clips)


def fit_centres(clips: Iterable[tuple[dict[str, Any], Any]]) -> JointCentreModel:
    """The model for ``(truth, PoseSequence)`` pairs: :func:`point_fit`, then
    refined (Nelder-Mead) to the offsets that minimise :func:`angle_cost`, the
    angle errors a physio reads (moving each point closest to its centre is not
    quite the same: the knee angle depends on where the hip and knee sit
    relative to each other). Rounded to 0.001."""
    from scipy.optimize import minimize

    pairs = list(clips)
    start = point_fit(pairs)
    keys = ("along_standing", "along_seated", "anterior_standing", "anterior_seated",
            "knee_anterior")  # fmt: skip
    x0 = np.array([getattr(start, k) for k in keys])
    best = minimize(lambda x: angle_cost(JointCentreModel(*x), pairs), x0, method="Nelder-Mead",
                    options={"xatol": 1e-4, "fatol": 1e-4, "maxfev": 4000})  # fmt: skip
    return JointCentreModel(*(round(float(v), 3) for v in best.x))


_INPUTS: dict[int, tuple[Any, Any]] = {}  # id(seq) -> (seq, its inputs): the seq kept alive


def _inputs(truth: dict[str, Any], seq: Any) -> Any:
    """The clip's angle inputs as the app finds them at set-up (masking, side, facing);
    computed once per clip, then every candidate offset reuses them."""
    from formcheck.exercise.analysis import angle_inputs

    held = _INPUTS.get(id(seq))
    if held is None or held[0] is not seq:
        held = _INPUTS[id(seq)] = (seq, angle_inputs(seq, truth["exercise"]))
    return held[1]


def _clip_errors(truth: dict[str, Any], seq: Any, model: JointCentreModel | None) -> str:
    from formcheck_synth.accuracy import angle_figures

    inputs = _inputs(truth, seq)
    figs = angle_figures(inputs.angles(model), inputs.t, truth)
    return "  ".join(f"{k.split('_')[0]} {v['mean']:4.1f}" for k, v in figs.items())


def run_calibration(
    out_dir: Path, *, render: bool = True, log: Callable[[str], None] | None = None
) -> JointCentreModel:
    """Render (where missing), extract and fit; logs each clip's mean angle
    errors (deg) with the raw landmark and with the fitted estimate."""
    from formcheck.pose.extract import extract_pose
    from formcheck.pose.sequence import PoseSequence

    say = log or (lambda _m: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    clips = []
    for spec in calibration_specs():
        video, truth_path = out_dir / f"{spec.name}.mp4", out_dir / f"{spec.name}.json"
        if not truth_path.exists():
            if not render:
                raise FileNotFoundError(f"{truth_path} is missing (render it, or drop --no-render)")
            from formcheck_synth.generate import render_clip

            render_clip(spec, out_dir, log=say)
        poses = out_dir / f"{spec.name}.npz"
        seq = PoseSequence.load(poses) if poses.exists() else extract_pose(video)
        if not poses.exists():
            seq.save(poses)
        clips.append((spec.name, json.loads(truth_path.read_text()), seq))
    pairs = [(truth, seq) for _n, truth, seq in clips]
    model = fit_centres(pairs)
    for name, truth, seq in clips:
        say(f"{name}: landmark {_clip_errors(truth, seq, None)} | "
            f"estimate {_clip_errors(truth, seq, model)}")  # fmt: skip
    say(f"angle cost (deg, trunk + hip + knee): landmarks {angle_cost(None, pairs):.2f}, "
        f"point fit {angle_cost(point_fit(pairs), pairs):.2f}, "
        f"estimate {angle_cost(model, pairs):.2f}")  # fmt: skip
    return model
