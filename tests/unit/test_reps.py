"""The rep counter: expected events per frame, validation, live == batch."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.exercise.reps import AWAY, REST, RETURN, RepCounter

# (signal per frame at 10 fps, expected (start_s, extreme_s, end_s) of each rep)
# Smoothing is made negligible (very high cut-off) so the table reads directly.
TABLE = [
    ("one clean rep", [0, 0, 10, 40, 50, 40, 10, 0, 1, 1], [(0.1, 0.4, 0.7)]),
    ("below enter: no rep", [0, 0, 10, 25, 29, 25, 10, 0, 0], []),
    ("too short beyond enter: no rep", [0, 0, 40, 0, 0, 0], []),
    ("no return: no rep", [0, 0, 10, 40, 50, 50, 50, 50], []),
    ("two reps", [0, 35, 45, 35, 0, 1, 35, 50, 35, 0, 1], [(0.0, 0.2, 0.4), (0.5, 0.7, 0.9)]),
    ("hysteresis: wobble at enter is one rep", [0, 31, 40, 28, 35, 38, 0, 1], [(0.0, 0.2, 0.6)]),
    ("NaN frames are skipped", [0, 0, 40, np.nan, 45, np.nan, 40, 0, 1], [(0.1, 0.4, 0.7)]),
]


def _counter(**kw: float) -> RepCounter:
    args = dict(enter=30.0, rest=12.0, min_dwell_s=0.15, onset=3.0, min_cutoff_hz=1e6)
    args.update(kw)
    return RepCounter(**args)


@pytest.mark.parametrize(("name", "signal", "expected"), TABLE, ids=[r[0] for r in TABLE])
def test_expected_events(name: str, signal: list[float], expected: list[tuple]) -> None:
    t = np.arange(len(signal)) / 10.0
    counter = _counter()
    events = counter.feed(t, np.array(signal, dtype=float)) + counter.flush()
    got = [round(v, 6) for e in events for v in (e.start_s, e.extreme_s, e.end_s)]
    assert got == pytest.approx([v for rep in expected for v in rep])


def test_frame_by_frame_equals_batch() -> None:
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(0.02, 0.05, 600))
    x = 40 * np.clip(np.sin(t * 2.0), 0, None) + rng.normal(0, 2, len(t))
    x[rng.random(len(t)) < 0.1] = np.nan
    batch, live = _counter(min_cutoff_hz=2.0), _counter(min_cutoff_hz=2.0)
    a = batch.feed(t, x)
    b = [e for ti, xi in zip(t, x, strict=True) for e in live.update(ti, xi)]
    assert a == b and len(a) > 3
    assert batch.value == live.value


def test_states() -> None:
    c = _counter()
    c.update(0.0, 0.0)
    assert c.state == REST
    c.update(0.1, 40.0)
    assert c.state == AWAY and c.open_rep_start_s == 0.0
    c.update(0.3, 40.0)
    c.update(0.4, 10.0)
    assert c.state == RETURN
    assert c.update(0.5, 0.0) == [] and c.state == RETURN  # still settling
    (event,) = c.update(1.1, 0.5)  # no new low for settle_s
    assert event.end_s == 0.5 and event.emitted_s == 1.1 and c.state == REST


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"enter": -1.0}, r"enter must be in \[1e-09, 1000\]"),
        ({"rest": 30.0}, r"rest must be in \(0, enter\)"),
        ({"rest": 0.0}, r"rest must be in \(0, enter\)"),
        ({"onset": 20.0}, r"onset must be in \[1e-09, 12\]"),
        ({"min_dwell_s": 11.0}, r"min_dwell_s must be in \[0, 10\]"),
        ({"beta": -1.0}, r"beta must be in \[0, 10\]"),
    ],
)
def test_constructor_validates_with_allowed_range(kw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _counter(**kw)


def _run(signal: list[float], fps: float = 10.0, **kw: float) -> list:
    t = np.arange(len(signal)) / fps
    counter = _counter(**kw)
    return counter.feed(t, np.array(signal, dtype=float)) + counter.flush()


def test_the_resting_level_is_re_found_so_the_offset_does_not_matter() -> None:
    """The same movement 50 units up (a start posture taken from a moving first frame,
    a drifting camera) counts the same reps with the same times."""
    base = [0, 0, 10, 40, 50, 40, 10, 0, 1, 1, 35, 50, 35, 0, 1]
    plain, shifted = _run(base), _run([x + 50.0 for x in base])
    assert [(e.start_s, e.end_s) for e in plain] == [(e.start_s, e.end_s) for e in shifted]
    assert len(plain) == 2 and plain[0].rest_level == pytest.approx(0.0, abs=1e-3)


def test_a_start_far_above_the_level_it_returns_to_is_partial() -> None:
    """A clip that starts mid-rise: the first 'rep' began 40 units up a 100 unit rise."""
    rise = [40, 60, 90, 100, 100, 60, 20, 0, 0, 1, 20, 60, 100, 100, 60, 20, 0, 1, 1]
    events = _run(rise)
    assert [e.partial for e in events] == [True, False]
    assert events[0].start_level == pytest.approx(40.0)


def test_small_movements_count_and_a_shallow_wobble_does_not() -> None:
    """Thresholds follow the person: 20-unit reps (a low camera's view of a rise) count
    with a floor of 15; after 50-unit reps, a 20-unit wobble is under half the typical."""
    small = [0, 0, 10, 20, 20, 20, 10, 0, 0, 1] * 3
    assert len(_run(small, enter=15.0, rest=12.0, onset=3.0)) == 3
    mixed = [0, 30, 50, 50, 30, 0, 1, 1, 30, 50, 50, 30, 0, 1, 1, 10, 20, 20, 20, 10, 0, 1, 1]
    events = _run(mixed, enter=15.0, rest=12.0, onset=3.0)
    assert len(events) == 2
    assert _counter().typical != _counter().typical  # NaN before any rep


def test_an_excursion_under_the_floor_from_its_return_level_is_no_rep() -> None:
    """Left rest by 30, but came back only 8 below its peak: noise, not a rep."""
    events = _run([0, 0, 31, 32, 32, 24, 24, 24, 24, 24, 24, 24])
    assert events == []


def test_the_counter_smooths_with_the_one_euro_filter_of_cleaning() -> None:
    """One filter: the counter's smoothed value is cleaning.OneEuro's, frame by frame."""
    from formcheck.kinematics.cleaning import OneEuro

    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.02, 0.05, 200))
    x = 40 * np.clip(np.sin(t * 2.0), 0, None) + rng.normal(0, 2, len(t))
    counter, filt = _counter(min_cutoff_hz=2.0, beta=0.02, d_cutoff_hz=1.0), OneEuro(2.0, 0.02, 1.0)
    for ti, xi in zip(t, x, strict=True):
        counter.update(ti, xi)
        assert counter.value == filt(ti, xi)
