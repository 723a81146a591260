"""The template match: DTW path and distance properties on known curves, the match's
worst joint and score, and the mean of demonstrated reps."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.exercise.template_match import (
    Template,
    dtw_path,
    match_rep,
    mean_curves,
    normalised_curves,
)


def _naive_dtw_cost(cost: np.ndarray) -> float:
    """Reference: the textbook O(n m) recursion (no band), the path's total cost."""
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j], acc[i, j - 1], acc[i - 1, j - 1])
    return float(acc[n, m])


def _bell(n: int, peak: float = 60.0, at: float = 0.5) -> np.ndarray:
    s = np.linspace(0.0, 1.0, n)
    return peak * np.exp(-(((s - at) / 0.18) ** 2))


def test_vectorised_dtw_finds_the_textbook_optimum() -> None:
    rng = np.random.default_rng(3)
    for n, m in ((12, 12), (9, 15), (20, 7)):
        cost = rng.random((n, m))
        rows, cols = dtw_path(cost, band=1.0)
        assert cost[rows, cols].sum() == pytest.approx(_naive_dtw_cost(cost))
        assert (rows[0], cols[0]) == (0, 0) and (rows[-1], cols[-1]) == (n - 1, m - 1)
        steps = np.stack([np.diff(rows), np.diff(cols)], axis=1)
        assert set(map(tuple, steps)) <= {(1, 0), (0, 1), (1, 1)}  # monotone, no jumps


def test_identical_curves_match_exactly_on_the_diagonal() -> None:
    x = np.stack([_bell(50), _bell(50, 20.0)])
    rows, cols = dtw_path(np.abs(x[:, :, None] - x[:, None, :]).mean(axis=0))
    assert np.array_equal(rows, cols)
    tpl = Template(("hip_flexion", "knee_flexion"), tuple(map(tuple, x)), 30.0)
    fit = match_rep(tpl, x)
    assert fit is not None and fit.distance_deg == 0.0 and fit.score == 100


def test_a_rep_peaking_later_is_close_after_warping_but_not_before() -> None:
    demo, late = _bell(50, at=0.45), _bell(50, at=0.6)
    tpl = Template(("hip_flexion",), (tuple(demo),), 30.0)
    fit = match_rep(tpl, late[None])
    assert fit is not None
    unwarped = float(np.abs(demo - late).mean())
    assert fit.distance_deg < 0.25 * unwarped  # the timing difference is warped away
    shallow = match_rep(tpl, 0.6 * demo[None])  # the same timing, 60 % of the height
    assert shallow is not None and shallow.distance_deg > 3 * fit.distance_deg
    assert shallow.score < fit.score


def test_the_worst_joint_is_the_one_that_departs() -> None:
    hip, trunk = _bell(50, 70.0), np.zeros(50)
    tpl = Template(("hip_flexion", "trunk_inclination"), (tuple(hip), tuple(trunk)), 35.0)
    leaning = np.stack([hip, -_bell(50, 15.0)])  # same hip, trunk leans back 15 deg
    fit = match_rep(tpl, leaning)
    assert fit is not None and fit.worst_joint == "trunk_inclination"
    assert fit.joint_deg["hip_flexion"] < 1.0 < fit.joint_deg["trunk_inclination"]
    assert fit.score == round(100 * (1 - fit.worst_deg / 35.0))


def test_distance_is_symmetric_between_two_reps() -> None:
    a, b = _bell(40, at=0.4), 0.8 * _bell(40, at=0.55)
    ab = match_rep(Template(("x",), (tuple(a),), 20.0), b[None])
    ba = match_rep(Template(("x",), (tuple(b),), 20.0), a[None])
    assert ab is not None and ba is not None
    assert ab.distance_deg == pytest.approx(ba.distance_deg)


def test_an_unseen_joint_is_left_out_and_all_unseen_is_no_match() -> None:
    tpl = Template(("a", "b"), (tuple(_bell(20)), tuple(_bell(20))), 30.0)
    rep = np.stack([_bell(20), np.full(20, np.nan)])
    fit = match_rep(tpl, rep)
    assert fit is not None and set(fit.joint_deg) == {"a"}
    assert match_rep(tpl, np.full((2, 20), np.nan)) is None


def test_normalised_curves_are_time_normalised_and_start_at_zero() -> None:
    t = np.linspace(0.0, 4.0, 101)
    values = np.stack([10.0 + 50 * np.sin(np.pi * t / 4.0), np.full(101, 5.0)], axis=1)
    curves = normalised_curves(t, values, 0.0, 4.0, 21)
    assert curves.shape == (2, 21)
    assert curves[:, 0] == pytest.approx([0.0, 0.0])
    assert curves[0, 10] == pytest.approx(50.0) and np.allclose(curves[1], 0.0)
    fast = normalised_curves(t / 2.0, values, 0.0, 2.0, 21)  # the same rep at twice the tempo
    assert np.allclose(fast, curves)


def test_mean_of_two_reps_with_different_timing_keeps_the_peak() -> None:
    a, b = _bell(50, 60.0, at=0.4), _bell(50, 60.0, at=0.6)
    mean = mean_curves([a[None], b[None]])
    assert mean.max() == pytest.approx(60.0, abs=1.5)  # warped, not smeared to a low hump
    assert float((0.5 * (a + b)).max()) < 45.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"joints": (), "curves": ()}, "one curve per joint"),
        ({"curves": ((0.0, 1.0, 2.0),)}, "same length >= 4"),
        ({"tolerance_deg": 0.0}, "tolerance_deg must be > 0"),
        ({"band": 0.0}, "band must be in"),
        ({"warn_score": 120}, "warn_score must be in"),
    ],
)
def test_bad_templates_say_what_is_wrong(kwargs: dict, message: str) -> None:
    good = {"joints": ("a",), "curves": ((0.0, 1.0, 2.0, 3.0),), "tolerance_deg": 10.0}
    with pytest.raises(ValueError, match=message):
        Template(**{**good, **kwargs})
