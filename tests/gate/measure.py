"""Accuracy gate: MediaPipe on the synthetic samples against their ground truth.

``measure_clip(truth, seq)`` turns one clip's pose sequence into *figures*, all
through the app's own path (``formcheck.exercise.analysis.analyze``): detection
rate; mean / max absolute error of each joint angle as the report measured it
(:meth:`~formcheck.exercise.report.Report.joint_angles`: masked landmarks, the side
and facing found at set-up, image or 3-D world angles as the app chose them,
compared with the truth of the same source); the rep count, rep-time errors and
the labelled faults found or missed (an exercise no built-in definition knows is taught
first, from the clip's leading good reps: :func:`exercise_for`; its faults are departures
from that demonstration, found when a rep's cue says so). ``compare(current, recorded)`` lists every
figure that got worse than the recorded one beyond ``MARGINS``.
``run_gate(..., record=True)`` re-records ``tests/gate/figures.json``: a
deliberate act, reviewed like code.

Angle errors: :mod:`formcheck_synth.accuracy` (signs, magnitudes, sources).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from formcheck_synth.accuracy import angle_figures

__all__ = [
    "MARGINS",
    "REP_TIME_TOLERANCE_S",
    "angle_figures_of",
    "compare",
    "exercise_for",
    "measure_clip",
    "measured_report",
    "rep_figures",
    "run_gate",
]

ROBUSTNESS_DIR = "robustness"
MARGINS = {"mean_deg": 1.0, "max_deg": 3.0, "detection": 0.02, "rep_time_s": 0.1}
REP_TIME_TOLERANCE_S = 0.2
FIGURES_FORMAT = 1


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
    taught = _taught(truth)
    missed, extra = [], []
    for i, (rep, m) in enumerate(zip(true_reps, matched, strict=True)):
        codes = {c.code for c in m.cues} if m is not None else set()
        found = codes & labelled
        if taught and "off_template" in codes:  # unlike the demonstration: the fault, if any
            found |= {rep["fault"] or "off_template"}
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


def _taught(truth: dict[str, Any]) -> bool:
    from formcheck.exercise.definitions import BUILT_IN

    return truth["exercise"] not in BUILT_IN


def exercise_for(truth: dict[str, Any], seq: Any) -> Any:
    """What to analyse a clip as: its exercise's name, or, for one no built-in definition
    knows (a sample of an exercise taught by demonstration), the definition learned from
    the clip's leading fault-free reps (at most two, leaving one), ending halfway between
    the last of them and the next rep."""
    if not _taught(truth):
        return truth["exercise"]
    from formcheck.exercise.demonstration import learn

    reps = truth["reps"]
    good = next((i for i, r in enumerate(reps) if r["fault"]), len(reps))
    shown = max(1, min(2, good, len(reps) - 1))
    end = 0.5 * (reps[shown - 1]["end_s"] + reps[shown]["start_s"])
    return learn(seq, truth["exercise"], end_s=end).spec


def measured_report(truth: dict[str, Any], seq: Any) -> Any:
    """The app's report of a clip (``analyze`` as :func:`exercise_for` says, with its test)."""
    from formcheck.exercise.analysis import analyze

    return analyze(seq, exercise_for(truth, seq), test=truth.get("test"))


def angle_figures_of(report: Any, truth: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Angle error figures of the angles the report measured (NaN before set-up)."""
    angles = report.joint_angles()
    if angles is None:
        nan = {"mean": float("nan"), "max": float("nan")}
        return {name: dict(nan) for name in ("trunk_inclination", "hip_flexion", "knee_flexion")}
    return angle_figures(angles.angles, angles.t, truth, angles.sources)


def measure_clip(truth: dict[str, Any], seq: Any) -> dict[str, Any]:
    """All figures of one clip from its truth object and the measured ``PoseSequence``."""
    report = measured_report(truth, seq)
    figures = {
        "frames": len(seq),
        "detection_rate": round(float(seq.detection_rate), 4),
        "angles": angle_figures_of(report, truth),
        "reps": rep_figures(report, truth),
    }
    if "tug" in truth:
        figures["tug"] = tug_figures(report.test, truth["tug"])
    if truth["reps"] and "rom_deg" in truth["reps"][0]:  # side bending and rotation
        figures["plane"] = plane_figures(report, truth, seq)
    return figures


def tug_figures(test: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """A Timed Up and Go against its truth: whether it was timed, the total's error and
    the worst error of the six phase bounds (s; rise onset ... seat contact), and each."""
    if test is None or not test.valid or test.time_s is None:
        return {"timed": False, "total_err_s": None, "bound_err_max_s": None, "bound_err_s": {}}
    got = {p.name: (p.start_s, p.end_s) for p in test.phases}
    errs: dict[str, float | None] = {}
    for phase in truth["phases"]:
        a, b = got.get(phase["name"], (None, None))
        errs[f"{phase['name']}_start"] = None if a is None else abs(a - phase["start_s"])
        errs[f"{phase['name']}_end"] = None if b is None else abs(b - phase["end_s"])
    seen = [e for e in errs.values() if e is not None]
    worst = None if len(seen) < len(errs) else round(max(seen), 2)
    return {"timed": True, "total_err_s": round(abs(test.time_s - truth["total_s"]), 2),
            "bound_err_max_s": worst,
            "bound_err_s": {k: None if v is None else round(v, 2) for k, v in errs.items()}}


def _compare_tug(name: str, cur: dict[str, Any] | None, rec: dict[str, Any]) -> list[str]:
    """A TUG no longer timed, or its total or worst phase bound worse than recorded."""
    if cur is None or (rec["timed"] and not cur["timed"]):
        return [f"{name}: TUG not timed (recorded: timed)"]
    fails = []
    for key in ("total_err_s", "bound_err_max_s"):
        if _worse(cur[key], rec[key], MARGINS["rep_time_s"]):
            fails.append(f"{name}: TUG {key} {cur[key]} s (recorded {rec[key]} s)")
    return fails


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
        if "tug" in rec:
            fails += _compare_tug(name, cur.get("tug"), rec["tug"])
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
