"""formcheck.pose.extract._Spares: fresh estimators made ahead of need, never reused.

The estimators here are fakes (counters): the point is the bookkeeping, not MediaPipe.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from formcheck.pose.extract import _Spares

KEY = ("model.task", True)


class _Made:
    """A fake estimator that remembers its serial number and whether it was closed."""

    serial = itertools.count()

    def __init__(self) -> None:
        self.number = next(self.serial)
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _maker() -> tuple[Callable[[], _Made], list[_Made]]:
    """A maker of fake estimators, and the list of those it made."""
    made: list[_Made] = []

    def make() -> _Made:
        made.append(_Made())
        return made[-1]

    return make, made


def test_fresh_ones_are_ready_before_they_are_taken() -> None:
    spares, (make, made) = _Spares(), _maker()
    spares.keep(KEY, 2, make)
    spares.fill()
    assert len(made) == 2
    taken = [spares.take(KEY, make), spares.take(KEY, make)]
    assert len(made) == 2 and {t.number for t in taken} == {m.number for m in made}
    third = spares.take(KEY, make)  # none ready: made on the spot
    assert len(made) == 3 and third is made[-1]


def test_refill_makes_new_ones_in_the_background_and_never_hands_out_a_used_one() -> None:
    spares, (make, made) = _Spares(), _maker()
    spares.keep(KEY, 2, make)
    spares.fill()
    used = [spares.take(KEY, make) for _ in range(2)]
    spares.refill()
    assert spares._filling is not None
    spares.settle(timeout=10)
    again = [spares.take(KEY, make) for _ in range(2)]
    assert len(made) == 4
    assert not {id(u) for u in used} & {id(a) for a in again}


def test_nothing_is_made_for_a_model_nobody_asked_to_keep() -> None:
    spares, (make, made) = _Spares(), _maker()
    spares.refill()
    assert spares._filling is None
    spares.take(KEY, make)
    spares.refill()
    assert len(made) == 1 and spares._filling is None


def test_clear_closes_the_ready_ones() -> None:
    spares = _Spares()
    spares.keep(KEY, 2, _Made)
    spares.fill()
    ready = list(spares._ready[KEY])
    spares.clear()
    assert all(r.closed for r in ready)
    spares.refill()
    assert spares._filling is None  # the wish list went too
