"""Progress across saved sessions: one :class:`TrendPoint` per session, and comparisons.

Per exercise, a trend is the sessions' rep counts, mean range of motion (deg),
mean score (0-100) and test value (5xSTS time in s, 30s CST stands) with the
norm band at the patient's age in each session's year. :func:`compare` says
what changed between two sessions in words ("flexion +8 deg since 3 Nov").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from formcheck.exercise.clinical_tests import TEST_TITLES
from formcheck.exercise.definitions import EXERCISES
from formcheck.record.norms import NormBand, norm_band, test_norm, test_value
from formcheck.record.store import Patient, SavedSession

__all__ = [
    "TEST_TITLES",
    "TrendPoint",
    "by_exercise",
    "compare",
    "point",
    "points",
    "short_date",
    "summary_rows",
]



@dataclass(frozen=True)
class TrendPoint:
    """One session in a trend. ``test_value`` in ``test_unit`` (s or stands);
    ``age`` in years in the session's year; ``norm`` as recomputed for that age."""

    session_id: int
    when: datetime
    exercise: str
    reps: int
    mean_rom_deg: float | None
    mean_score: float | None
    test: str | None = None
    test_value: float | None = None
    test_unit: str | None = None
    test_valid: bool | None = None
    age: int | None = None
    norm: dict[str, Any] = field(default_factory=dict)
    band: NormBand | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"session": self.session_id, "recorded_utc": self.when.isoformat(),
                "exercise": self.exercise, "reps": self.reps, "mean_rom_deg": self.mean_rom_deg,
                "mean_score": self.mean_score, "test": self.test, "test_value": self.test_value,
                "test_unit": self.test_unit, "test_valid": self.test_valid, "age": self.age,
                "norm": self.norm}  # fmt: skip


def point(session: SavedSession, patient: Patient) -> TrendPoint:
    """The trend point of one saved session."""
    summary = session.report.get("summary") or {}
    test = session.report.get("test")
    age = patient.age_on(session.recorded_utc)
    value, unit = test_value(test)
    norm = test_norm(test, age, patient.sex)
    name = (test or {}).get("test") or session.test
    return TrendPoint(
        session_id=session.id, when=session.recorded_utc, exercise=session.exercise,
        reps=int(session.report.get("rep_count") or 0),
        mean_rom_deg=summary.get("mean_rom_deg"), mean_score=summary.get("mean_score"),
        test=name, test_value=value, test_unit=unit,
        test_valid=None if not test else bool(test.get("valid")), age=age, norm=norm,
        band=norm_band(name, norm),
    )  # fmt: skip


def points(sessions: Iterable[SavedSession], patient: Patient) -> list[TrendPoint]:
    """Trend points of ``sessions`` (oldest first)."""
    return sorted((point(s, patient) for s in sessions), key=lambda p: (p.when, p.session_id))


def by_exercise(sessions: Iterable[SavedSession]) -> dict[str, list[SavedSession]]:
    """Sessions grouped by exercise, each group oldest first."""
    out: dict[str, list[SavedSession]] = {}
    for s in sorted(sessions, key=lambda s: (s.recorded_utc, s.id)):
        out.setdefault(s.exercise, []).append(s)
    return out


def short_date(when: datetime, other: datetime | None = None) -> str:
    """``3 Nov``; with the year when it differs from ``other``'s."""
    text = f"{when.day} {when.strftime('%b')}"
    return text if other is not None and other.year == when.year else f"{text} {when.year}"


def _delta(value: float, unit: str, digits: int = 0) -> str:
    return f"{value:+.{digits}f}{unit}"


def compare(previous: TrendPoint, current: TrendPoint) -> list[str]:
    """What changed from ``previous`` to ``current``, one phrase per measure."""
    since = f"since {short_date(previous.when, current.when)}"
    out: list[str] = []
    if previous.mean_rom_deg is not None and current.mean_rom_deg is not None:
        spec = EXERCISES.get(current.exercise)
        word = spec.rom_word if spec is not None else "range of motion"
        out.append(f"{word} {_delta(current.mean_rom_deg - previous.mean_rom_deg, ' deg')} {since}")
    if previous.reps != current.reps:
        out.append(f"reps {previous.reps} -> {current.reps}")
    if previous.mean_score is not None and current.mean_score is not None:
        change = current.mean_score - previous.mean_score
        out.append(f"mean score {_delta(change, '')}" if round(change) else "mean score unchanged")
    out += _compare_test(previous, current, since)
    return out


def _compare_test(previous: TrendPoint, current: TrendPoint, since: str) -> list[str]:
    if previous.test_value is None or current.test_value is None or previous.test != current.test:
        return []
    title = TEST_TITLES.get(current.test or "", current.test or "test")
    change = current.test_value - previous.test_value
    if current.test == "5xsts":
        better = "faster" if change < 0 else "slower" if change > 0 else "the same"
        return [f"{title} {previous.test_value:.1f} s -> {current.test_value:.1f} s "
                f"({_delta(change, ' s', 1)}, {better}) {since}"]  # fmt: skip
    return [f"{title} {previous.test_value:.0f} -> {current.test_value:.0f} stands "
            f"({_delta(change, '')}) {since}"]  # fmt: skip


def summary_rows(trend: Sequence[TrendPoint]) -> list[dict[str, Any]]:
    """Flat rows for a trend table (page and PDF)."""
    rows = []
    for p in trend:
        row: dict[str, Any] = {"session": p.session_id,
                               "date (UTC)": p.when.strftime("%Y-%m-%d %H:%M"),
                               "reps": p.reps, "mean ROM deg": _round(p.mean_rom_deg),
                               "mean score": _round(p.mean_score)}  # fmt: skip
        if p.test is not None:
            row["test"] = TEST_TITLES.get(p.test, p.test)
            flag = "" if p.test_valid else " (not valid)"
            value = None if p.test_value is None else f"{p.test_value:g} {p.test_unit}"
            row["result"] = None if value is None else value + flag
            row["norm"] = p.band.reference if p.band else p.norm.get("comparison", "")
        rows.append(row)
    return rows


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)

