"""Clinical tests: five-times sit-to-stand (5xSTS) and the 30-second chair stand (30s CST),
their result type, and what a test is as data (:class:`ClinicalTest`; the registry of
tests is :mod:`formcheck.exercise.clinical_tests`, the Timed Up and Go is in
:mod:`formcheck.exercise.tug`).

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

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from formcheck.config import Config
    from formcheck.exercise.definitions import Plan
    from formcheck.exercise.report import RepResult

__all__ = [
    "ClinicalTest",
    "TestInputs",
    "TestPhase",
    "TestResult",
    "five_times_sts",
    "chair_stand_30s",
    "not_seated",
    "score_five_times",
    "score_chair_stand",
    "CST_BELOW_AVERAGE",
    "NOT_SEATED",
]

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
class TestPhase:
    """One timed phase of a test (the TUG's rise, walk out, ...): ``start_s`` and
    ``end_s`` on the clip's clock, s; None where the phase was not seen."""

    name: str
    start_s: float | None
    end_s: float | None

    @property
    def duration_s(self) -> float | None:
        if self.start_s is None or self.end_s is None:
            return None
        return round(self.end_s - self.start_s, 2)


@dataclass(frozen=True)
class TestResult:
    """Outcome of a clinical test. ``time_s`` for 5xSTS and the TUG, ``stands`` for 30s
    CST; ``phases`` the timed phases of a test that has them (the TUG)."""

    test: str
    valid: bool
    time_s: float | None = None
    stands: int | None = None
    stop_rule: str | None = None
    norm: dict[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    phases: tuple[TestPhase, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["notes"] = list(self.notes)
        out["phases"] = [{"name": p.name, "start_s": p.start_s, "end_s": p.end_s,
                          "duration_s": p.duration_s} for p in self.phases]  # fmt: skip
        return out


@dataclass(frozen=True)
class TestInputs:
    """What a test is scored from, gathered by the session: the test's name, the complete
    reps and the one in progress, the raw per-frame history (``t`` (n,) s, ``feats``
    (n, F) columns ``FEATURES``), the plan (None before set-up) and configuration, the
    patient's age and sex, the frame size (px), and whether the person is more than
    halfway up at a time (``halfway(t_s, stand_times)``)."""

    test: str
    reps: Sequence[RepResult]
    open_rep: RepResult | None
    t: NDArray[np.float64]
    feats: NDArray[np.float64]
    plan: Plan | None
    config: Config
    age: int | None
    sex: str | None
    frame_size: tuple[int, int]
    halfway: Callable[[float, list[float]], bool]


@dataclass(frozen=True)
class ClinicalTest:
    """A clinical test as data. ``exercise``: the exercise it is run as (its reps are the
    test's); ``start``: the start postures it allows; ``score``: its result from the
    session's :class:`TestInputs`; ``stop_rule``: the ``[tests]`` setting naming its stop
    rule, ``duration``: the one holding its duration (s, a count-down on the live page);
    ``live``: whether the live page can run it, with ``offline_reason`` saying why not;
    ``protocol``: what the patient does, for documents; ``norm``: the norm of a result
    ``(value, age, sex)`` (for a saved result compared at the patient's age later), and
    ``citations``: the sources of its norms, in full, for documents."""

    name: str
    title: str
    exercise: str
    score: Callable[[TestInputs], TestResult]
    start: tuple[str, ...] = ("seated",)
    stop_rule: str | None = None
    duration: str | None = None
    live: bool = True
    offline_reason: str = ""
    protocol: str = ""
    norm: Callable[[float, int | None, str | None], dict[str, object]] | None = None
    citations: tuple[str, ...] = ()


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


def rise_times(rep: RepResult) -> tuple[float, float, float]:
    """(rise onset, standing reached, seat contact) of a sit-to-stand rep, s."""
    m = rep.measurements
    return rep.start_s, m["start_s"] + m["out_s"], m.get("primary_end_s", rep.end_s)


def stand_time(rep: RepResult) -> float:
    """When standing was reached in a sit-to-stand rep, s."""
    return float(rep.measurements["start_s"] + rep.measurements["out_s"])


def arms_used(reps: Sequence[RepResult]) -> bool:
    """Any of ``reps`` cued for arm use."""
    return any(c.code == "arms_used" for r in reps for c in r.cues)


def score_five_times(inputs: TestInputs) -> TestResult:
    """5xSTS from the session's reps: only the first five can invalidate it by arm use."""
    rises = [rise_times(r) for r in inputs.reps]
    stop = inputs.config.tests.five_stop
    return five_times_sts(rises, stop, arms_used(inputs.reps[:5]), inputs.age)


def score_chair_stand(inputs: TestInputs) -> TestResult:
    """30s CST from the session's reps and the rep in progress: only the stands within the
    30 s can invalidate it by arm use; a clip ending before they are up is invalid."""
    duration = inputs.config.tests.chair_stand_s
    reps, open_rep = inputs.reps, inputs.open_rep
    stands = [stand_time(r) for r in reps]
    if open_rep is not None:
        stands.append(stand_time(open_rep))
    start = reps[0].start_s if reps else (open_rep.start_s if open_rep else math.nan)
    end = start + duration
    arms = arms_used([r for r in reps if stand_time(r) <= end])
    halfway = inputs.halfway(end, stands)
    clip_end = float(inputs.t[-1]) if len(inputs.t) and math.isfinite(start) else None
    return chair_stand_30s(
        stands, start, duration, halfway, arms, inputs.age, inputs.sex, clip_end_s=clip_end
    )
