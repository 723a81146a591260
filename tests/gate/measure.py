"""Accuracy gate: MediaPipe on the synthetic samples against their ground truth.

``measure_clip(truth, seq)`` turns one clip's pose sequence into *figures*:
detection rate, mean / max absolute error of each image angle on the
camera-facing side (``formcheck.kinematics.angles.compute_angles``, image source), and,
through ``formcheck.exercise.analysis.analyze``, the rep count, rep-time errors and the
labelled faults found or missed. ``compare(current, recorded)`` lists every
figure that got worse than the recorded one beyond ``MARGINS``.
``run_gate(..., record=True)`` re-records ``tests/gate/figures.json``: a
deliberate act, reviewed like code.

Trunk inclination and hip flexion keep their sign (the core signs hip
extension negative, as the truth does); knee flexion is compared as a
magnitude (the core reports the unsigned three-point angle, the truth signs
hyperextension negative).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from formcheck_synth.truth import ANGLE_NAMES
from numpy.typing import NDArray

__all__ = [
    "MARGINS",
    "REP_TIME_TOLERANCE_S",
    "angle_figures",
    "compare",
    "measure_clip",
    "measured_angles",
    "rep_figures",
    "run_gate",
]

ROBUSTNESS_DIR = "robustness"
MARGINS = {"mean_deg": 1.0, "max_deg": 3.0, "detection": 0.02, "rep_time_s": 0.1}
REP_TIME_TOLERANCE_S = 0.2
FIGURES_FORMAT = 1
_SIGNED = {"trunk_inclination", "hip_flexion"}


def measured_angles(seq: Any, side: str, view: str = "side") -> dict[str, NDArray[np.float64]]:
    """Image angles (T,) degrees measured by the core on ``side`` of a ``PoseSequence``:
    through the estimated joint centres in a side view, as the analysis does."""
    from formcheck.config import AnglesConfig
    from formcheck.kinematics.angles import compute_angles

    centres = AnglesConfig().centres_for(view)
    return compute_angles(seq, side, source="image", centres=centres)  # type: ignore[arg-type]


def angle_errors(
    measured: dict[str, NDArray[np.float64]], t: NDArray[np.float64], truth: dict[str, Any]
) -> dict[str, NDArray[np.float64]]:
    """Absolute error (deg) of each angle on the frames where it was measured
    (trunk and hip signed against the truth, the knee as a magnitude)."""
    idx = np.rint(np.asarray(t) * truth["fps"]).astype(int)
    ok = (idx >= 0) & (idx < truth["frames"])
    out = {}
    for name in ANGLE_NAMES:
        true = np.asarray(truth["angles"]["image"][name], dtype=np.float64)[idx[ok]]
        got = np.asarray(measured[name], dtype=np.float64)[ok]
        if name not in _SIGNED:
            true = np.abs(true)
        err = np.abs(got - true)
        out[name] = err[np.isfinite(err)]
    return out


def angle_figures(
    measured: dict[str, NDArray[np.float64]], t: NDArray[np.float64], truth: dict[str, Any]
) -> dict[str, dict[str, float]]:
    """Mean and max absolute error (deg) of each angle over frames where it was measured.

    ``measured`` name -> (T,) at times ``t`` (T,) seconds; truth frame i is at i / fps.
    """
    out = {}
    for name, err in angle_errors(measured, t, truth).items():
        out[name] = {
            "mean": round(float(err.mean()), 2) if err.size else float("nan"),
            "max": round(float(err.max()), 2) if err.size else float("nan"),
        }
    return out


def _match(true_reps: list[dict], measured: list[Any]) -> list[Any | None]:
    """For each true rep, the measured rep overlapping it most (or None)."""
    out = []
    for rep in true_reps:
        best, best_overlap = None, 0.0
        for m in measured:
            overlap = min(rep["end_s"], m.end_s) - max(rep["start_s"], m.start_s)
            if overlap > best_overlap:
                best, best_overlap = m, overlap
        out.append(best)
    return out


def _outside(t: float, lo: float, hi: float) -> float:
    """Distance (s) from ``t`` to the interval [lo, hi]: any instant of a hold is the extreme."""
    return max(lo - t, t - hi, 0.0)


def rep_figures(report: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """Rep count, worst rep-time errors (s) and labelled faults missed / extra."""
    true_reps = truth["reps"]
    matched = _match(true_reps, list(report.reps))
    errors: dict[str, list[float]] = {"start": [], "extreme": [], "end": []}
    for rep, m in zip(true_reps, matched, strict=True):
        if m is not None:
            errors["start"].append(abs(m.start_s - rep["start_s"]))
            errors["end"].append(abs(m.end_s - rep["end_s"]))
            errors["extreme"].append(_outside(m.extreme_s, rep["extreme_s"],
                                              rep["extreme_s"] + rep["hold_s"]))  # fmt: skip
    labelled = {kind for kinds in _fault_kinds(truth) for kind in kinds}
    missed, extra = [], []
    for i, (rep, m) in enumerate(zip(true_reps, matched, strict=True)):
        found = {c.code for c in m.cues} & labelled if m is not None else set()
        want = {rep["fault"]} if rep["fault"] else set()
        missed += [f"{i}:{k}" for k in sorted(want - found)]
        extra += [f"{i}:{k}" for k in sorted(found - want)]
    return {
        "true": len(true_reps),
        "measured": report.rep_count,
        "matched": sum(m is not None for m in matched),
        **{f"{k}_err_max_s": round(max(v), 2) if v else None for k, v in errors.items()},
        "faults_missed": missed,
        "faults_extra": extra,
    }


def _fault_kinds(truth: dict[str, Any]) -> list[tuple[str, ...]]:
    from formcheck_synth.script import FAULTS

    return [FAULTS[truth["exercise"]]]


def measure_clip(truth: dict[str, Any], seq: Any) -> dict[str, Any]:
    """All figures of one clip from its truth object and the measured ``PoseSequence``."""
    from formcheck.exercise.analysis import analyze

    figures: dict[str, Any] = {
        "frames": len(seq),
        "detection_rate": round(float(seq.detection_rate), 4),
        "angles": angle_figures(measured_angles(seq, truth["side"], truth["view"]), seq.t, truth),
    }
    report = analyze(seq, truth["exercise"], test=truth.get("test"))
    figures["reps"] = rep_figures(report, truth)
    if truth["reps"] and "rom_deg" in truth["reps"][0]:  # side bending and rotation
        figures["plane"] = plane_figures(report, truth, seq)
    return figures


def plane_figures(report: Any, truth: dict[str, Any], seq: Any) -> dict[str, Any]:
    """Side bending and rotation: per-rep ROM error (deg) of the report against the truth
    (None for a counted-only exercise, whose report shows no angle), reps whose side is
    wrong, and the per-rep error of the rotation estimates the core has
    (:func:`rotation_estimates`) whether or not it shows them."""
    matched = _match(truth["reps"], list(report.reps))
    errs = [abs(m.rom_deg - rep["rom_deg"]) for rep, m in zip(truth["reps"], matched, strict=True)
            if m is not None and np.isfinite(m.rom_deg)]  # fmt: skip
    wrong = [i for i, (rep, m) in enumerate(zip(truth["reps"], matched, strict=True))
             if m is None or m.side != rep["side"]]  # fmt: skip
    out: dict[str, Any] = {
        "rom_err_mean_deg": round(float(np.mean(errs)), 2) if errs else None,
        "rom_err_max_deg": round(float(np.max(errs)), 2) if errs else None,
        "side_wrong": wrong,
    }
    if truth["exercise"] == "trunk_rotation":
        out["rotation_estimates_err_mean_deg"] = rotation_estimates(seq, truth)
    return out


def rotation_estimates(seq: Any, truth: dict[str, Any]) -> dict[str, float]:
    """Mean |error| (deg) per rep of the two rotation estimates at each true rep's
    largest change: the image widths with the world landmarks' side
    (``formcheck.exercise.measures.width_twist``) and MediaPipe's world landmarks alone
    (``trunk_twist_world``), against ``reps[].rom_deg``. Set-up values are the medians of
    the first 0.3 s (as the core's set-up)."""
    from formcheck.exercise.measures import width_twist
    from formcheck.kinematics.angles import forward_vector
    from formcheck.kinematics.signals import COL, frame_features, masked_points

    pts = masked_points(seq.image, seq.world, seq.width, seq.height, 0.5)
    setup = seq.t <= seq.t[0] + 0.3
    feats = frame_features(pts, "left", 1, forward_vector(pts[setup][..., 2:]))
    base = np.nanmedian(feats[setup], axis=0)
    est = {
        "image_widths": width_twist(feats[:, COL["shoulder_hip_width"]],
                                    feats[:, COL["shoulder_yaw_world"]],
                                    float(base[COL["shoulder_hip_width"]]),
                                    float(base[COL["hip_yaw_world"]])),
        "world_landmarks": feats[:, COL["trunk_twist_world"]],
    }  # fmt: skip
    out = {}
    for name, x in est.items():
        errs = []
        for rep in truth["reps"]:
            inside = (seq.t >= rep["start_s"]) & (seq.t <= rep["end_s"])
            change = np.abs(x[inside] - x[inside][0])
            errs.append(abs(float(np.nanmax(change)) - rep["rom_deg"]))
        out[name] = round(float(np.mean(errs)), 2)
    return out


def _worse(value: Any, recorded: Any, margin: float) -> bool:
    if value is None or recorded is None:
        return value is None and recorded is not None
    return bool(value > recorded + margin) or (value != value and recorded == recorded)


def _compare_reps(name: str, cur: dict[str, Any], rec: dict[str, Any]) -> list[str]:
    fails = []
    if abs(cur["measured"] - cur["true"]) > abs(rec["measured"] - rec["true"]):
        fails.append(f"{name}: {cur['measured']} reps counted, truth {cur['true']} "
                     f"(recorded {rec['measured']})")  # fmt: skip
    for key in ("start_err_max_s", "extreme_err_max_s", "end_err_max_s"):
        limit = max(rec[key] or 0.0, REP_TIME_TOLERANCE_S)
        if _worse(cur[key], limit, MARGINS["rep_time_s"]):
            fails.append(f"{name}: rep {key} {cur[key]} s (recorded {rec[key]} s)")
    for key in ("faults_missed", "faults_extra"):
        new = sorted(set(cur[key]) - set(rec[key]))
        if new:
            fails.append(f"{name}: {key.replace('_', ' ')} {new}")
    return fails


def _compare_plane(name: str, cur: dict[str, Any], rec: dict[str, Any]) -> list[str]:
    fails = []
    for key in ("rom_err_mean_deg", "rom_err_max_deg"):
        margin = MARGINS["mean_deg" if "mean" in key else "max_deg"]
        if _worse(cur.get(key), rec[key], margin):
            fails.append(f"{name}: {key} {cur.get(key)} deg (recorded {rec[key]} deg)")
    new = sorted(set(cur.get("side_wrong", [])) - set(rec["side_wrong"]))
    if new:
        fails.append(f"{name}: reps to the wrong side {new}")
    return fails


def compare(current: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    """One line per figure of ``current`` worse than ``recorded`` (both: name -> figures)."""
    fails = []
    for name, rec in recorded.items():
        cur = current.get(name)
        if cur is None:
            fails.append(f"{name}: not measured")
            continue
        if cur["detection_rate"] < rec["detection_rate"] - MARGINS["detection"]:
            fails.append(f"{name}: detection {cur['detection_rate']:.3f} "
                         f"(recorded {rec['detection_rate']:.3f})")  # fmt: skip
        for angle, figs in rec["angles"].items():
            for stat in ("mean", "max"):
                now = cur["angles"][angle][stat]
                if _worse(now, figs[stat], MARGINS[f"{stat}_deg"]):
                    fails.append(f"{name}: {angle} {stat} error {now} deg "
                                 f"(recorded {figs[stat]} deg)")  # fmt: skip
        if "reps" in rec:
            fails += _compare_reps(name, cur["reps"], rec["reps"])
        if "plane" in rec:
            fails += _compare_plane(name, cur.get("plane", {}), rec["plane"])
    return fails


def load_figures(path: Path) -> dict[str, Any]:
    """The recorded figures: clip name -> figures."""
    data = json.loads(Path(path).read_text())
    if data.get("format") != FIGURES_FORMAT:
        raise ValueError(f"{path}: unsupported figures format {data.get('format')}")
    return dict(data["clips"])


def write_figures(path: Path, clips: dict[str, Any]) -> None:
    data = {
        "format": FIGURES_FORMAT,
        "note": "Recorded by `python -m tests.gate record`; CI fails when a figure gets "
        "worse than this beyond the margins.",
        "margins": MARGINS,
        "rep_time_tolerance_s": REP_TIME_TOLERANCE_S,
        "clips": clips,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def sample_truths(samples: Path) -> dict[str, dict[str, Any]]:
    """Truth objects of every ``<clip>.json`` with its ``<clip>.mp4`` in ``samples``, and
    of the robustness set in its ``robustness/`` folder (named ``robustness/<clip>``)."""
    out = {}
    for folder, prefix in ((Path(samples), ""), (Path(samples) / ROBUSTNESS_DIR, "robustness/")):
        for path in sorted(folder.glob("*.json")):
            if path.with_suffix(".mp4").is_file():
                out[prefix + path.stem] = json.loads(path.read_text())
    return out


def clip_path(samples: Path, name: str) -> Path:
    """The video of gate clip ``name`` (see :func:`sample_truths`)."""
    return Path(samples) / f"{name}.mp4"


def run_gate(
    samples: Path, figures: Path, *, record: bool = False, log: Callable[[str], None] = print,
    only_new: bool = False,
) -> list[str]:
    """Measure every sample clip; record the figures (``only_new``: only clips without
    recorded figures, leaving the others as they were) or compare them."""
    from formcheck.pose.extract import extract_pose

    recorded = load_figures(figures) if Path(figures).is_file() else {}
    current = {}
    for name, truth in sample_truths(samples).items():
        if only_new and name in recorded:
            continue
        seq = extract_pose(clip_path(samples, name))
        current[name] = measure_clip(truth, seq)
        log(f"{name}: {json.dumps(current[name])}")
    if record:
        write_figures(figures, {**recorded, **current} if only_new else current)
        log(f"recorded {len(current)} clips to {figures}")
        return []
    return compare(current, recorded)
