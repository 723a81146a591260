"""The Timed Up and Go: phases from built side-view TUGs with known times, through the
session the CLI and pages run; the reasons a TUG is not timed; its norms; its definition."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.config import load_config
from formcheck.exercise.clinical import TestResult as Result
from formcheck.exercise.clinical_tests import CLINICAL_TESTS, TESTS, get_test
from formcheck.exercise.definitions import EXERCISES
from formcheck.exercise.session import Session
from formcheck.exercise.tug import NO_TURN, NO_WALK, NOT_ENDED, NOT_STARTED, tug_norm
from formcheck.pose.sequence import PoseSequence
from support.builders import (
    JOINT_CENTRES,
    TugScript,
    build_sequence,
    sit_to_stand_curves,
    tug_sequence,
    uniform_times,
)

T = uniform_times(12.0, 30.0)
EVENT_TOLERANCE_S = 0.35  # the built rise and walk ends ease in; see the bounds below


def _tug(seq: PoseSequence, age: int | None = None) -> Result:
    report = Session("sit_to_stand", test="tug", config=JOINT_CENTRES, age=age).replay(seq)
    result = report.finish().test
    assert result is not None
    return result


def _bounds(result: Result) -> dict[str, tuple[float | None, float | None]]:
    return {p.name: (p.start_s, p.end_s) for p in result.phases}


@pytest.mark.parametrize("across", [True, False], ids=["across the frame", "away from camera"])
def test_phases_of_a_built_tug(across: bool) -> None:
    script = TugScript(across=across)
    result = _tug(tug_sequence(T, script))
    assert result.valid and result.notes == ()
    b = _bounds(result)
    expected = {
        "rise": (script.rise[0] - 0.4, script.rise[1]),  # the lean starts 0.4 s before seat-off
        "walk_out": (script.rise[1], script.turn[0]),
        "turn": script.turn,
        "walk_back": (script.turn[1], script.turn_back[0]),
        "turn_and_sit": (script.turn_back[0], script.sit[1] - 0.4),  # hips down 0.4 s early
    }
    assert list(b) == list(expected)
    for name, (start, end) in expected.items():
        got = b[name]
        assert got[0] == pytest.approx(start, abs=EVENT_TOLERANCE_S), (name, got)
        assert got[1] == pytest.approx(end, abs=EVENT_TOLERANCE_S), (name, got)
    total = expected["turn_and_sit"][1] - expected["rise"][0]
    assert result.time_s == pytest.approx(total, abs=EVENT_TOLERANCE_S)


def test_person_out_of_view_at_the_turn_is_still_timed() -> None:
    seq = tug_sequence(T, TugScript())
    gone = (seq.t >= 5.2) & (seq.t <= 5.8)  # the far end of the walk is outside the frame
    image = seq.image.copy()
    image[gone] = np.nan
    result = _tug(replace(seq, image=image))
    assert result.valid
    start, end = _bounds(result)["turn"]
    assert start == pytest.approx(5.0, abs=EVENT_TOLERANCE_S)
    assert end == pytest.approx(6.0, abs=EVENT_TOLERANCE_S)


def test_never_sitting_back_down_is_not_timed() -> None:
    result = _tug(tug_sequence(T, TugScript(sits=False)))
    assert not result.valid and result.time_s is None and result.phases == ()
    assert result.notes == (NOT_ENDED,)
    assert NOT_ENDED == "the TUG did not end: no return to sitting seen"


def test_never_rising_is_not_timed() -> None:
    seq = build_sequence(T, *sit_to_stand_curves(T, []))
    result = _tug(seq)
    assert not result.valid and result.time_s is None and result.notes == (NOT_STARTED,)


def test_a_sit_to_stand_without_a_walk_is_no_tug() -> None:
    seq = build_sequence(T, *sit_to_stand_curves(T, [(1.5, 2.3, 5.0, 6.0)]))
    result = _tug(seq)
    assert not result.valid and result.time_s is None and result.notes == (NO_WALK,)


def test_walking_back_without_turning_is_no_tug() -> None:
    result = _tug(tug_sequence(T, TugScript(turns=False)))
    assert not result.valid and result.time_s is None and result.notes == (NO_TURN,)


def test_the_norm_goes_with_the_age_given() -> None:
    result = _tug(tug_sequence(T, TugScript()), age=65)
    assert result.norm["reference"].startswith("Bohannon 2006, age 60-69")
    assert result.norm["worse_than_average"] is (result.time_s is not None
                                                 and result.time_s > 9.0)  # fmt: skip


@pytest.mark.parametrize(
    ("time_s", "age", "threshold", "worse", "fall_risk"),
    [(8.9, 65, 9.0, False, False), (9.1, 65, 9.0, True, False), (10.2, 75, 10.2, False, False),
     (12.0, 85, 12.7, False, True), (13.0, 99, 12.7, True, True)],
)  # fmt: skip
def test_norm_lookup(time_s: float, age: int, threshold: float, worse: bool,
                     fall_risk: bool) -> None:  # fmt: skip
    norm = tug_norm(time_s, age)
    assert norm["threshold_s"] == threshold and norm["worse_than_average"] is worse
    assert norm["fall_risk_12s"] is fall_risk


def test_norm_without_an_age_band() -> None:
    assert tug_norm(7.0, None)["comparison"] == "give age to compare with norms"
    assert "no age-specific norm for age 40" in str(tug_norm(7.0, 40)["comparison"])
    assert tug_norm(12.5, None)["fall_risk_12s"] is True  # STEADI's threshold needs no band


def test_every_test_is_a_definition_its_exercise_lists() -> None:
    assert TESTS == tuple(CLINICAL_TESTS) and "tug" in TESTS
    for name, test in CLINICAL_TESTS.items():
        assert test.name == name and name in EXERCISES[test.exercise].tests
        assert test.live or test.offline_reason, name
    assert not get_test("tug").live
    with pytest.raises(ValueError, match="unknown test 'tugg'; valid: 5xsts, 30s_cst, tug"):
        get_test("tugg")


@pytest.mark.parametrize(("key", "value"), [("tug.walk_share", "1.5"), ("tug.turn_deg", "90"),
                                            ("tug.min_travel", "0"), ("tug.max_gap_s", "-1")])
def test_bad_tug_settings_name_the_key(key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key):
        load_config(overrides=[f"{key}={value}"])


def test_fed_frame_by_frame_the_tug_is_timed_as_offline() -> None:
    seq = tug_sequence(T, TugScript(across=False))
    offline = _tug(seq)
    live = Session("sit_to_stand", test="tug", config=JOINT_CENTRES)
    for i in range(len(seq)):
        live.update(float(seq.t[i]), seq.image[i], seq.world[i], seq.width, seq.height)
    fed = live.finish().test
    assert fed is not None and offline.valid
    assert (fed.time_s, fed.phases) == (offline.time_s, offline.phases)
