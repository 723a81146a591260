"""The review page's progress text: a time estimate from the pace so far (#16)."""

from __future__ import annotations

import time

from formcheck.ui.pipeline import _left


def test_time_left_follows_the_pace_so_far() -> None:
    start = time.perf_counter() - 4.0  # 4 s spent
    assert _left(start, 0.5) == ", about 4 s left"
    assert _left(start, 0.8) == ", about 1 s left"
    assert _left(time.perf_counter() - 200.0, 0.25) == ", about 10 min 00 s left"


def test_no_estimate_too_early_or_when_done() -> None:
    assert _left(time.perf_counter() - 4.0, 0.01) == ""  # under 5 % done
    assert _left(time.perf_counter() - 0.2, 0.5) == ""  # under a second spent
    assert _left(time.perf_counter() - 4.0, 1.0) == ""
