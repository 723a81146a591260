"""A rep of a demonstrated exercise against its template: the match, its cue and its score.

:class:`~formcheck.exercise.session.Session` calls these when a rep ends, on the rep's own
window of raw features (the same numbers live and offline): the template's joints are
zero-phase filtered like the measurements, cut to the rep's refined start and end, and
compared by :func:`~formcheck.exercise.template_match.match_rep`. The rep's score is its cue
score less ``100 - match score`` (a named deduction with the worst joint as evidence); a
match below the template's ``warn_score`` also gives the cue ``off_template``.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from formcheck.config import Config
from formcheck.exercise.cues import Cue, Deduction
from formcheck.exercise.measures import smooth_window
from formcheck.exercise.template_match import Match, Template, match_rep, normalised_curves
from formcheck.kinematics.signals import COL

__all__ = ["JOINT_WORDS", "compare_with_template", "joint_words", "template_cues",
           "template_fields"]  # fmt: skip

JOINT_WORDS: Final[dict[str, str]] = {
    "trunk_inclination": "upper body",
    "trunk_inclination_world": "upper body",
    "hip_flexion": "hip",
    "knee_flexion": "knee",
    "knee_flexion_world": "knee",
    "hip_flexion_other": "other hip",
    "knee_flexion_other": "other knee",
    "lateral_lean": "sideways lean",
    "shoulder_tilt": "shoulders",
}
"""Patient words for the joints a template compares (feature names)."""


def joint_words(feature: str) -> str:
    """The body part a feature measures, in a person's words."""
    return JOINT_WORDS.get(feature, feature.replace("_", " "))


def compare_with_template(template: Template, t: NDArray[np.float64], feats: NDArray[np.float64],
                          m: dict[str, float], config: Config) -> Match | None:  # fmt: skip
    """The match of one rep: raw features ``feats`` (n, F) at ``t`` (n,) s around the rep,
    whose refined bounds are ``m["start_s"]`` and ``m["end_s"]``."""
    if len(t) < 2 or not m["end_s"] > m["start_s"]:
        return None
    sm = smooth_window(t, feats, config)[:, [COL[j] for j in template.joints]]
    curves = normalised_curves(t, sm, m["start_s"], m["end_s"], template.samples)
    return match_rep(template, curves)


def template_cues(
    fit: Match | None, template: Template, cues: list[Cue], points: int,
    deductions: list[Deduction],
) -> tuple[list[Cue], int, list[Deduction]]:  # fmt: skip
    """Cues, score and deductions of a rep with its match ``fit`` taken in."""
    if fit is None:
        return cues, points, deductions
    joint = joint_words(fit.worst_joint)
    evidence = (f"Worst match with the demonstration: {joint} ({fit.worst_joint}) off by "
                f"{fit.worst_deg:.0f} deg on average; match {fit.score}/100")  # fmt: skip
    off = 100 - fit.score
    deductions = [*deductions, Deduction("off_template", off, evidence)] if off else deductions
    if fit.score < template.warn_score:
        cues = [*cues, Cue("off_template", "warn", evidence, f"Move as shown: watch your {joint}",
                           round(fit.worst_deg, 2), template.tolerance_deg, "deg")]  # fmt: skip
    return cues, max(0, points - off), deductions


def template_fields(fit: Match | None) -> dict[str, Any]:
    """The :class:`~formcheck.exercise.report.RepResult` fields of a match (none: empty)."""
    if fit is None:
        return {}
    return {"template_distance_deg": round(fit.distance_deg, 2),
            "template_worst_joint": fit.worst_joint,
            "template_worst_deg": round(fit.worst_deg, 2), "template_score": fit.score}  # fmt: skip
