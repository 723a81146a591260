"""Clinical tests against the norms in CLINICAL.md."""

from __future__ import annotations

import pytest

from formcheck.exercise.clinical import chair_stand_30s, five_times_sts


def _rises(n: int) -> list[tuple[float, float, float]]:
    return [(1.0 + 2.5 * i, 2.0 + 2.5 * i, 3.2 + 2.5 * i) for i in range(n)]


@pytest.mark.parametrize(
    ("age", "key", "value"),
    [(65, "threshold_s", 11.4), (75, "threshold_s", 12.6), (85, "threshold_s", 14.8),
     (40, "threshold_s", 12.39)],
)  # fmt: skip
def test_five_times_norms(age: int, key: str, value: float) -> None:
    result = five_times_sts(_rises(5), "seat", False, age)
    assert result.time_s == pytest.approx(13.2 - 1.0)
    assert result.norm[key] == value
    assert result.norm["worse_than_average"] is (result.time_s > value)


def test_five_times_stop_rule_and_fall_risk() -> None:
    stand = five_times_sts(_rises(5), "stand", False, 70)
    assert stand.time_s == pytest.approx(12.0 - 1.0)
    assert stand.norm["fall_risk_12s"] is False
    seat = five_times_sts(_rises(5), "seat", False, 70)
    assert seat.norm["fall_risk_12s"] is True and seat.norm["recurrent_fall_risk_15s"] is False


def test_five_times_needs_five_and_arms_invalidate() -> None:
    assert not five_times_sts(_rises(4), "seat", False, 70).valid
    assert five_times_sts(_rises(4), "seat", False, 70).time_s is None
    arms = five_times_sts(_rises(5), "seat", True, 70)
    assert not arms.valid and "Arms used" in arms.notes[0]


@pytest.mark.parametrize(
    ("age", "sex", "stands", "below"),
    [(62, "m", 13, True), (62, "m", 14, False), (62, "f", 12, False), (92, "f", 3, True)],
)
def test_chair_stand_norms(age: int, sex: str, stands: int, below: bool) -> None:
    times = [1.0 + 2.0 * i for i in range(stands)]
    result = chair_stand_30s(times, 0.5, 30.0, False, False, age, sex)
    assert result.stands == stands and result.norm["below_average"] is below


def test_chair_stand_counts_halfway_and_only_within_30s() -> None:
    times = [1.0 + 2.0 * i for i in range(20)]  # 1, 3, ..., 39 s
    result = chair_stand_30s(times, 0.0, 30.0, True, False, 70, "f")
    assert result.stands == 15 + 1
    assert chair_stand_30s(times, 0.0, 30.0, False, True, 70, "f").stands == 0


def test_norms_need_age_and_sex() -> None:
    assert "give age" in str(chair_stand_30s([1.0], 0.0, 30.0, False, False, None, None).norm)


def test_chair_stand_on_a_clip_shorter_than_30s_is_invalid() -> None:
    result = chair_stand_30s([2.0, 5.0, 8.0], 0.9, 30.0, False, False, 67, "m", clip_end_s=10.7)
    assert not result.valid and result.norm == {}
    assert result.notes == ("clip ended 9.8 s into the 30 s test",)
    full = chair_stand_30s([2.0, 5.0, 8.0], 0.9, 30.0, False, False, 67, "m", clip_end_s=31.0)
    assert full.valid and full.norm["below_average"] is True


def test_untimed_test_prints_not_timed() -> None:
    from formcheck.exercise.clinical import TestResult
    from formcheck.exercise.report import _test_line

    line = _test_line(TestResult("5xsts", False, notes=("the test must start seated",)))
    assert "None" not in line and "not timed" in line and "the test must start seated" in line
