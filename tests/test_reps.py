"""The rep counter: expected events per frame, validation, live == batch."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.reps import AWAY, REST, RETURN, RepCounter

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
