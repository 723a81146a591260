"""Adherence: reps done against prescribed, ROM against target, holds achieved, from the
reports of real analyses of synthetic clips with known reps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from formcheck.config import Config
from formcheck.exercise.analysis import analyze
from formcheck.exercise.report import Report
from formcheck.programme import (
    Programme,
    ProgrammeAdherence,
    Step,
    format_adherence,
    step_adherence,
    step_config,
)
from support.builders import JOINT_CENTRES, build_sequence, keyframes, uniform_times


def _set(peaks: list[float], hold: float, step: Step) -> Report:
    """One set of forward bends to ``peaks`` deg, each held ``hold`` s, analysed as ``step``."""
    duration = 1.0 + 4.0 * len(peaks) + hold * len(peaks)
    t = uniform_times(duration, 30.0)
    points = [(-1.0, 0.0)]
    start = 1.0
    for peak in peaks:
        points += [(start, 0.0), (start + 1.0, peak), (start + 1.0 + hold, peak),
                   (start + 2.0 + hold, 0.0)]  # fmt: skip
        start += 4.0 + hold
    trunk = keyframes(t, points + [(duration + 1.0, 0.0)])
    seq = build_sequence(t, trunk, 0.6 * trunk, np.zeros(len(t)))
    config = step_config(JOINT_CENTRES, step)
    return analyze(seq, step.exercise, config=config)


STEP = Step("trunk_flexion", sets=2, reps=3, target_deg=60, hold_s=2, rest_s=30)


def test_two_sets_against_the_prescription() -> None:
    first = _set([62.0, 63.0, 50.0], 2.5, STEP)  # the 50 deg rep counts (>= 48), short
    second = _set([61.0, 40.0], 1.0, STEP)  # 40 deg: not counted; holds of 1 s
    adherence = step_adherence(STEP, [first, second], number=3)
    assert (adherence.reps_prescribed, adherence.reps_done, adherence.reps_short) == (6, 4, 1)
    assert adherence.sets_recorded == 2 and adherence.sets_prescribed == 2
    assert adherence.reps_at_target == 3
    assert adherence.holds_achieved == 2  # the 50 deg rep held out of the band; set 2 too short
    assert adherence.best_rom_deg == pytest.approx(63.0, abs=0.5)
    assert adherence.mean_rom_deg == pytest.approx((62 + 63 + 50 + 61) / 4, abs=0.5)
    assert adherence.done_share == pytest.approx(4 / 6)
    d = adherence.to_dict()
    assert d["step"] == 3 and d["reps_short_of_target"] == 1 and d["holds_achieved"] == 2
    json.dumps(d, allow_nan=False)
    assert format_adherence(adherence) == (
        "adherence: step 3 trunk_flexion: 4/6 reps, ROM 59 deg (target 60, 3 reached), "
        "1 short of the target, not counted, holds 2/4"
    )


def test_a_timed_step_and_a_step_without_target_or_hold() -> None:
    timed = Step("trunk_flexion", sets=1, duration_s=10)
    report = _set([45.0, 50.0], 0.5, timed)
    adherence = step_adherence(timed, [report])
    assert adherence.reps_prescribed is None and adherence.duration_prescribed_s == 10.0
    assert adherence.reps_done == 2 and adherence.duration_done_s == pytest.approx(10.0, abs=0.1)
    assert adherence.reps_at_target is None and adherence.holds_achieved is None
    assert adherence.done_share == pytest.approx(1.0, abs=0.01)
    assert "2 reps in 10/10 s" in adherence.describe()


def test_nothing_done() -> None:
    adherence = step_adherence(STEP, [])
    assert (adherence.reps_done, adherence.mean_rom_deg, adherence.done_share) == (0, None, 0.0)
    assert adherence.to_dict()["mean_rom_deg"] is None


def test_programme_totals() -> None:
    programme = Programme("Week 1", (STEP, Step("squat", reps=5)))
    done = [step_adherence(STEP, [_set([62.0], 2.5, STEP)], 1)]
    total = ProgrammeAdherence.of(programme, done)
    assert (total.reps_done, total.reps_prescribed, total.steps_prescribed) == (1, 6, 2)
    assert total.to_dict()["steps_done"] == 1
    assert format_adherence(total).splitlines()[0] == "Week 1: 1/2 steps, 1/6 reps"
    assert Config().target.active is False  # adherence never changed the defaults
