"""Norms at the session's age, and the accuracy figures that apply to a camera view.

A saved test result carries the norm computed when it was analysed (with the
age given then, if any). The record knows the patient's birth year and sex,
so :func:`test_norm` recomputes the norm with the age in the session's year:
a session from March is compared with the norm for the age the patient had
then. The norms themselves are ``formcheck.exercise.clinical``'s (Bohannon 2006 and
Klukowska 2021 for 5xSTS, CDC STEADI for the 30s CST).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from formcheck.exercise import clinical
from formcheck.exercise.clinical_tests import CLINICAL_TESTS

__all__ = ["ACCURACY", "NormBand", "accuracy_lines", "norm_band", "test_norm", "test_value"]

ACCURACY: Final[dict[str, tuple[str, ...]]] = {
    "side": (
        "Side view: mean angle error on the sample clips (rendered bodies with exact truth): "
        "trunk 0.3-1.7 deg, hip 1.2-5.0 deg, knee 1.5-4.7 deg.",
        "Range of motion per rep (trunk flexion, back extension) within 1.8 deg of the truth; "
        "sit-to-stand knee range up to 9 deg off.",
        "Rep start, standing and end times within 0.2 s of the truth.",
    ),
    "oblique": (
        "Oblique view: angles from MediaPipe's landmarks; on the one oblique sample the mean "
        "errors were trunk 6.8 deg, hip 8.9 deg, knee 3.1 deg. Reps are counted; "
        "read the angles as approximate.",
    ),
    "frontal": (
        "Frontal view: reps are counted; hip and knee angles are approximate (3-D landmarks) "
        "and were not measured against truth.",
    ),
}
"""Accuracy figures by camera view (source: ``sample_videos/README.md``, the accuracy gate)."""


def accuracy_lines(view: str | None) -> tuple[str, ...]:
    """What the accuracy figures say for ``view`` (an unknown view: no figures)."""
    return ACCURACY.get(view or "", ("Camera view not determined: no accuracy figures apply.",))


def test_value(test: dict[str, Any] | None) -> tuple[float | None, str | None]:
    """(value, unit) of a saved test result: 5xSTS time in s, 30s CST stands."""
    if not test:
        return None, None
    if test.get("time_s") is not None:
        return float(test["time_s"]), "s"
    if test.get("stands") is not None:
        return float(test["stands"]), "stands"
    return None, None


def test_norm(test: dict[str, Any] | None, age: int | None, sex: str | None) -> dict[str, Any]:
    """The norm of a saved test result at ``age`` (years) and ``sex``; the saved norm
    when age (and, for the 30s CST, sex) is unknown or the test has no value."""
    if not test:
        return {}
    saved = dict(test.get("norm") or {})
    value, _ = test_value(test)
    if value is None or age is None:
        return saved
    if test.get("test") == "5xsts":
        return clinical._five_norm(value, age)  # noqa: SLF001 - the one source of the norms
    if test.get("test") == "30s_cst" and sex is not None:
        return clinical._cst_norm(int(value), age, sex)  # noqa: SLF001
    definition = CLINICAL_TESTS.get(str(test.get("test")))
    if definition is not None and definition.norm is not None:  # a test that carries its norm
        return dict(definition.norm(value, age, sex))
    return saved


@dataclass(frozen=True)
class NormBand:
    """The range of values at or better than the norm: ``low``..``high`` (None: open),
    and the reference it comes from."""

    low: float | None
    high: float | None
    reference: str


def norm_band(test_name: str | None, norm: dict[str, Any]) -> NormBand | None:
    """5xSTS: 0 up to the age's threshold time (s); 30s CST: the below-average cut-off
    upwards (stands). None when the norm has no threshold."""
    reference = str(norm.get("reference", ""))
    if test_name == "5xsts" and norm.get("threshold_s") is not None:
        return NormBand(0.0, float(norm["threshold_s"]), reference)
    if test_name == "30s_cst" and norm.get("below_average_if_fewer_than") is not None:
        return NormBand(float(norm["below_average_if_fewer_than"]), None, reference)
    return None
