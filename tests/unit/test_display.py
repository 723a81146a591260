"""Debounced display values: a phase or cue shows once it has held, and stays a while."""

from __future__ import annotations

import pytest

from formcheck.exercise.display import Debounced


def test_a_flicker_shorter_than_the_hold_never_shows() -> None:
    d: Debounced[str] = Debounced(hold_s=0.3)
    frames = ["seated"] * 5 + ["rising", "seated"] * 5 + ["seated"] * 5
    shown = [d.update(i * 0.1, v) for i, v in enumerate(frames)]
    assert set(shown) == {"seated"}


def test_a_value_that_holds_shows_after_the_hold() -> None:
    d: Debounced[str] = Debounced(hold_s=0.3)
    shown = [d.update(i * 0.1, "a" if i < 3 else "b") for i in range(10)]
    assert shown[:6] == ["a"] * 6 and shown[6:] == ["b"] * 4  # b from t=0.3, shown at 0.6


def test_a_shown_value_stays_its_minimum_time() -> None:
    d: Debounced[str | None] = Debounced(hold_s=0.0, min_show_s=1.0, idle=None)
    d.update(0.0, None)
    assert d.update(0.1, "Keep your knees straight") == "Keep your knees straight"
    assert d.update(0.5, None) == "Keep your knees straight"  # not off again at once
    assert d.update(1.2, None) is None


def test_bad_holds_are_refused() -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        Debounced(hold_s=-1.0)
