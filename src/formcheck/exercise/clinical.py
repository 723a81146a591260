"""Clinical tests: five-times sit-to-stand (5xSTS) and the 30-second chair stand (30s CST).

Norms are the ones in the project's ``docs/CLINICAL.md``:

- 5xSTS: Bohannon 2006 (age 60-69 / 70-79 / 80-89: slower than 11.4 / 12.6 /
  14.8 s is worse than average); fall-risk markers >= 12 s (Lusardi 2017) and
  >= 15 s (Buatois 2008, age >= 65); under 60, upper limit of normal 12.39 s
  (Klukowska 2021). Timing starts at rise onset; it stops when the buttocks
  touch the seat after the 5th stand (``tests.five_stop = "seat"``) or at the
  5th stand (``"stand"``).
- 30s CST (CDC STEADI): below-average cut-offs by age band and sex; a stand
  more than halfway up at 30 s counts; arm use scores 0 (and flags the test).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Final

__all__ = [
    "TestResult",
    "TESTS",
    "five_times_sts",
    "chair_stand_30s",
    "not_seated",
    "CST_BELOW_AVERAGE",
    "NOT_SEATED",
]

TESTS: Final = ("5xsts", "30s_cst")

CST_BELOW_AVERAGE: Final[dict[tuple[int, int], tuple[int, int]]] = {
    (60, 64): (14, 12),
    (65, 69): (12, 11),
    (70, 74): (12, 10),
    (75, 79): (11, 10),
    (80, 84): (10, 9),
    (85, 89): (8, 8),
    (90, 94): (7, 4),
}
"""Age band -> (men, women): fewer stands than this is below average."""

_END_SLACK_S: Final = 0.05
"""A clip may end this much (s, about a frame) before the 30 s are up."""

NOT_SEATED: Final = "the test must start seated"

_FIVE_BOHANNON: Final = ((60, 69, 11.4), (70, 79, 12.6), (80, 89, 14.8))


@dataclass(frozen=True)
class TestResult:
    """Outcome of a clinical test. ``time_s`` for 5xSTS, ``stands`` for 30s CST."""

    test: str
    valid: bool
    time_s: float | None = None
    stands: int | None = None
    stop_rule: str | None = None
    norm: dict[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["notes"] = list(self.notes)
        return out


def _five_norm(time_s: float, age: int | None) -> dict[str, object]:
    norm: dict[str, object] = {}
    if age is None:
        return {"comparison": "give age to compare with norms"}
    for lo, hi, limit in _FIVE_BOHANNON:
        if lo <= age <= hi:
            norm.update(
                reference=f"Bohannon 2006, age {lo}-{hi}",
                threshold_s=limit,
                worse_than_average=time_s > limit,
            )
    if age < 60:
        norm.update(
            reference="Klukowska 2021 (healthy adults)",
            threshold_s=12.39,
            worse_than_average=time_s > 12.39,
        )
    if age >= 60:
        norm["fall_risk_12s"] = time_s >= 12.0
    if age >= 65:
        norm["recurrent_fall_risk_15s"] = time_s >= 15.0
    if "reference" not in norm:
        norm["comparison"] = f"no age-specific norm for age {age}"
    return norm


def five_times_sts(
    rises: list[tuple[float, float, float]], stop_rule: str, arms_used: bool, age: int | None
) -> TestResult:
    """5xSTS from reps ``(rise_onset_s, stand_s, seat_s)``; needs 5 complete stands."""
    notes = ("Arms used: the test is invalid",) if arms_used else ()
    if len(rises) < 5:
        return TestResult(
            "5xsts",
            False,
            stop_rule=stop_rule,
            notes=notes + (f"only {len(rises)} of 5 stands found",),
        )
    start = rises[0][0]
    stop = rises[4][2] if stop_rule == "seat" else rises[4][1]
    time_s = round(stop - start, 2)
    return TestResult(
        "5xsts",
        not arms_used,
        time_s=time_s,
        stop_rule=stop_rule,
        norm=_five_norm(time_s, age),
        notes=notes,
    )


def _cst_norm(stands: int, age: int | None, sex: str | None) -> dict[str, object]:
    if age is None or sex is None:
        return {"comparison": "give age and sex to compare with norms"}
    for (lo, hi), (men, women) in CST_BELOW_AVERAGE.items():
        if lo <= age <= hi:
            limit = men if sex == "m" else women
            return {
                "reference": f"CDC STEADI, age {lo}-{hi}, {'men' if sex == 'm' else 'women'}",
                "below_average_if_fewer_than": limit,
                "below_average": stands < limit,
            }
    return {"comparison": f"no norm for age {age} (norms cover 60-94)"}


def chair_stand_30s(
    stand_times: list[float],
    start_s: float,
    duration_s: float,
    halfway_at_end: bool,
    arms_used: bool,
    age: int | None,
    sex: str | None,
    clip_end_s: float | None = None,
) -> TestResult:
    """30s CST: stands reached within ``duration_s`` of ``start_s``, plus one if more
    than halfway up at the end; arm use scores 0. A clip ending (``clip_end_s``, s)
    before the ``duration_s`` are up gives an invalid result without a norm verdict."""
    end = start_s + duration_s
    count = sum(1 for s in stand_times if s <= end) + int(halfway_at_end)
    if clip_end_s is not None and clip_end_s < end - _END_SLACK_S:
        into = max(0.0, clip_end_s - start_s)
        note = f"clip ended {into:.1f} s into the {duration_s:g} s test"
        return TestResult("30s_cst", False, stands=count, notes=(note,))
    notes = ("Arms used: scores 0",) if arms_used else ()
    stands = 0 if arms_used else count
    return TestResult(
        "30s_cst", not arms_used, stands=stands, norm=_cst_norm(stands, age, sex), notes=notes
    )


def not_seated(test: str, stop_rule: str | None = None) -> TestResult:
    """The result of a test that did not start seated: invalid, no time, count or norm."""
    return TestResult(test, False, stop_rule=stop_rule, notes=(NOT_SEATED,))
