"""The cut between two chunks, decided as they run (``formcheck.pose.extract._Balance``):
pure logic, no video. The first chunk reports each frame it is about to estimate; the
second offers each lead-in packet's time as its warm-up start."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.pose.extract import WARMUP_S, _Balance


def _offers(balance: _Balance, times: np.ndarray) -> float | None:
    """The first of ``times`` the balance takes as the second chunk's start."""
    return next((float(s) for s in times if balance.start_here(float(s))), None)


def test_second_chunk_starts_where_the_work_left_is_equal() -> None:
    balance = _Balance(end_s=10.0, fps=30)
    for t in np.arange(0.0, 1.0, 1 / 30):  # the first chunk is 1 s in when the lead-in ends
        assert balance.admit(float(t))
    start = _offers(balance, np.arange(0.0, 10.0, 1 / 30) + 1 / 60)
    assert start is not None
    cut = balance.cut
    assert cut == pytest.approx(start + WARMUP_S)
    first_left, second_left = cut - 29 / 30, WARMUP_S + 10.0 - cut
    assert first_left == pytest.approx(second_left, abs=1 / 30)


def test_a_costlier_lead_in_moves_the_cut_later() -> None:
    cuts = []
    for first_done in (0.5, 2.0):  # how far the first chunk got while the second decoded
        balance = _Balance(end_s=10.0, fps=30)
        balance.admit(first_done)
        _offers(balance, np.arange(0.0, 10.0, 1 / 30))
        cuts.append(balance.cut)
    assert cuts[1] - cuts[0] == pytest.approx(0.75, abs=1 / 30)  # half the extra progress


def test_first_chunk_stops_at_the_cut() -> None:
    balance = _Balance(end_s=10.0, fps=30)
    _offers(balance, np.arange(0.0, 10.0, 1 / 30))
    assert np.isfinite(balance.cut)
    assert balance.admit(balance.cut - 1e-6)
    assert not balance.admit(balance.cut)


def test_a_first_chunk_ahead_of_the_lead_in_keeps_going_and_the_cut_follows_it() -> None:
    balance = _Balance(end_s=10.0, fps=30)
    assert not balance.start_here(0.0)  # the lead-in has just begun
    for t in np.arange(0.0, 9.0, 1 / 30):  # estimation outpaces the lead-in's decoding
        assert balance.admit(float(t))
    assert not balance.start_here(5.0)  # no cut before a frame the first chunk has taken
    start = _offers(balance, np.arange(5.0, 10.0, 4 / 30))
    assert start is not None and balance.cut > 9.0 - 1 / 30
    assert balance.cut == pytest.approx((10.0 + 9.0 - 1 / 30 + WARMUP_S) / 2, abs=4 / 30)


def test_without_a_start_the_first_chunk_covers_the_clip() -> None:
    balance = _Balance(end_s=10.0, fps=30)
    assert all(balance.admit(float(t)) for t in np.arange(0.0, 10.0, 1 / 30))
    assert balance.cut == float("inf")


def test_offers_in_jumps_take_the_nearest_to_the_balance() -> None:
    balance = _Balance(end_s=10.0, fps=30)
    start = _offers(balance, np.arange(0.0, 10.0, 0.4))  # a P-frame every 0.4 s
    assert start is not None
    assert abs(start - (10.0 - WARMUP_S) / 2) <= 0.2
