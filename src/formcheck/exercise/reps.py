"""The one rep counter, used live (one frame at a time) and offline (whole arrays).

``RepCounter.feed(t, x)`` takes timestamps (N,) in seconds and the primary
signal (N,) *oriented so that moving away from the start posture is
positive* (its offset does not matter). It smooths the signal with the causal
One-Euro filter of :class:`formcheck.kinematics.cleaning.OneEuro`, runs a hysteresis
machine and returns the reps completed within those frames. Live code feeds
N = 1; offline code feeds the whole clip at once; both run the same loop, so
they cannot disagree.

The thresholds adapt to the person. The *rest level* is the lowest smoothed
value of the current rest, re-found after every rep and whenever the signal
holds still above it for ``settle_s`` (so a start posture taken mid-movement,
a person who walks in, or a drift, corrects itself). A rep leaves the rest
level by at least ``enter`` (a floor against noise) and by at least
``enter_share`` of the typical excursion of this person's last reps, stays
there ``min_dwell_s``, and comes back within ``rest`` (at most
``rest_share`` of its own excursion) of the level it returns to. So a
movement that spans 20 % of torso length in a low camera's view counts as
surely as one that spans 90 %, with the same numbers live and offline.

States: REST -> AWAY -> RETURN (back in the rest zone, waiting to settle) ->
REST. Start and end times are where the signal sat at rest (see ``onset``);
the extreme is the largest smoothed value in between. A rep that started far
above the level it returned to (a clip that starts mid-rise) is reported
with ``partial`` set: it is not a complete rep. One whose excursion above the
level it returned to is less than ``enter`` was a wobble, and is no rep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from formcheck.kinematics.cleaning import OneEuro

__all__ = ["RepEvent", "RepCounter", "REST", "AWAY", "RETURN"]

REST = 0
AWAY = 1
RETURN = 2


@dataclass(frozen=True)
class RepEvent:
    """One rep: times in seconds, ``extreme`` in the signal's units (oriented, smoothed);
    ``emitted_s`` the frame time at which the counter reported it; ``start_level`` and
    ``rest_level`` the resting levels before and after it; ``partial``: it started
    far from the level it returned to (mid-movement), so it is no complete rep."""

    start_s: float
    extreme_s: float
    end_s: float
    extreme: float
    entered_s: float
    emitted_s: float
    start_level: float = 0.0
    rest_level: float = 0.0
    partial: bool = False

    @property
    def excursion(self) -> float:
        """How far the rep went beyond the level it returned to (signal units)."""
        return self.extreme - self.rest_level


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high) or value != value:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")


_CREEP = 0.02  # share of ``onset`` a new low must undercut (the One-Euro output creeps forever)
_TYPICAL_REPS = 3  # the typical excursion: median of this many last complete reps


class RepCounter:
    """Hysteresis rep counter with adaptive thresholds, minimum dwell and One-Euro
    smoothing (see the module docstring).

    ``enter`` in (0, 1000]: the least excursion beyond the rest level that counts;
    ``rest`` in (0, enter): the widest return zone (hysteresis = enter - rest);
    ``enter_share`` in [0, 1]: a rep must also go this share of the typical
    excursion of the last reps; ``rest_share`` in (0, 1): the return zone is at most
    this share of the rep's own excursion; ``partial_share`` in (0, 1]: a rep that
    started more than this share of its excursion above the level it returned to
    is partial;
    ``onset`` in (0, rest]: a rep starts where the signal last sat within
    ``onset`` of its resting minimum; back in the rest zone, it ends at its
    lowest point, reported once the signal turns up again by ``onset`` or
    makes no new minimum for ``settle_s``;
    ``min_dwell_s`` in [0, 10]: time the signal must stay beyond the enter level;
    ``settle_s`` in (0, 10]; One-Euro ``min_cutoff_hz`` in (0, 1e6] (very high = no smoothing),
    ``beta`` in [0, 10], ``d_cutoff_hz`` in (0, 100].
    """

    def __init__(
        self,
        enter: float,
        rest: float,
        min_dwell_s: float,
        *,
        onset: float | None = None,
        settle_s: float = 0.5,
        enter_share: float = 0.5,
        rest_share: float = 0.35,
        partial_share: float = 0.35,
        min_cutoff_hz: float = 2.0,
        beta: float = 0.02,
        d_cutoff_hz: float = 1.0,
    ) -> None:
        _check_range("enter", enter, 1e-9, 1000.0)
        if not 0.0 < rest < enter:
            raise ValueError(f"rest must be in (0, enter) = (0, {enter:g}), got {rest!r}")
        onset = 0.25 * rest if onset is None else onset
        _check_range("onset", onset, 1e-9, rest)
        _check_range("min_dwell_s", min_dwell_s, 0.0, 10.0)
        _check_range("settle_s", settle_s, 1e-9, 10.0)
        _check_range("enter_share", enter_share, 0.0, 1.0)
        _check_range("rest_share", rest_share, 1e-9, 0.999)
        _check_range("partial_share", partial_share, 1e-9, 1.0)
        _check_range("min_cutoff_hz", min_cutoff_hz, 1e-9, 1e6)
        _check_range("beta", beta, 0.0, 10.0)
        _check_range("d_cutoff_hz", d_cutoff_hz, 1e-9, 100.0)
        self.enter, self.rest, self.onset = float(enter), float(rest), float(onset)
        self.min_dwell_s, self.settle_s = float(min_dwell_s), float(settle_s)
        self.enter_share, self.rest_share = float(enter_share), float(rest_share)
        self.partial_share = float(partial_share)
        self._filter = OneEuro(min_cutoff_hz, beta, d_cutoff_hz)
        self.state = REST
        self.extreme = -math.inf
        self.extreme_s = math.nan
        self.excursions: list[float] = []
        self._typical: tuple[int, float] = (0, math.nan)  # (reps it was taken over, median)
        self._lo = math.inf
        self._start_lo = math.nan
        self._held_s = math.nan
        self._rest_s = math.nan
        self._near_s = math.nan
        self._entered_s = math.nan
        self._last_out_s = math.nan
        self._start_s = math.nan

    # -- the adaptive levels --------------------------------------------------------------
    @property
    def rest_level(self) -> float:
        """The current resting level (smoothed signal units; inf before any frame)."""
        return self._lo

    @property
    def speed(self) -> float:
        """The filter's current rate of change of the signal (units/s)."""
        return self._dx

    @property
    def start_level(self) -> float:
        """The resting level the rep in progress left (the current one at rest)."""
        return self._start_lo if self.state != REST else self._lo

    @property
    def typical(self) -> float:
        """Median excursion of the last complete reps (NaN before the first); taken again
        only when a rep was added (every frame asks)."""
        n = len(self.excursions)
        if self._typical[0] != n:
            last = self.excursions[-_TYPICAL_REPS:]
            self._typical = (n, float(np.median(last)) if last else math.nan)
        return self._typical[1]

    def enter_level(self) -> float:
        """How far above the rest level a rep must go now."""
        typical = self.typical
        share = 0.0 if typical != typical else self.enter_share * typical
        return max(self.enter, share)

    def _rest_zone(self, excursion: float) -> float:
        return min(self.rest, self.rest_share * max(excursion, 0.0))

    # -- the loop ---------------------------------------------------------------------------
    def feed(self, t: NDArray[np.floating], x: NDArray[np.floating]) -> list[RepEvent]:
        """Advance over frames ``t`` (N,) s with the raw oriented signal ``x`` (N,);
        the reps completed (partial ones included, flagged)."""
        events: list[RepEvent] = []
        for ti, xi in zip(t.tolist(), x.tolist(), strict=True):
            if not self._filter.advance(ti, xi):
                continue
            event = self._step(ti, self._filter.value)
            if event is not None:
                events.append(event)
        return events

    @property
    def value(self) -> float:
        """The smoothed signal at the last frame (NaN before any)."""
        return self._filter.value

    @property
    def _t(self) -> float:
        return self._filter.t

    @property
    def _dx(self) -> float:
        return self._filter.speed

    def _step(self, ti: float, y: float) -> RepEvent | None:
        event = None
        if self.state == RETURN:
            event = self._returning(ti, y)
        if self.state == REST:
            self._resting(ti, y)
        elif self.state == AWAY:
            self._away(ti, y)
        return event

    def _returning(self, ti: float, y: float) -> RepEvent | None:
        if y < self._lo - _CREEP * self.onset:  # a filter creeping to a still input is no new low
            self._lo, self._rest_s = y, ti
        turn = min(self.onset, self._rest_zone(self.extreme - self._lo))
        if y >= self._lo + turn or ti - self._rest_s >= self.settle_s:
            # the excursion must clear the floor from the level it returns to as well
            event = self._event(ti) if self.extreme - self._lo >= self.enter else None
            self.state, self.extreme, self._rest_s = REST, -math.inf, self._near_s
            return event
        self._near_s = ti
        return None

    def _event(self, ti: float) -> RepEvent:
        excursion = self.extreme - self._lo
        partial = self._start_lo - self._lo > self.partial_share * excursion
        if not partial:
            self.excursions.append(excursion)
        return RepEvent(self._start_s, self.extreme_s, self._rest_s, self.extreme,
                        self._entered_s, ti, self._start_lo, self._lo, partial)  # fmt: skip

    def _resting(self, ti: float, y: float) -> None:
        if y <= self._lo + self.onset:
            self._rest_s, self._held_s = ti, math.nan
            if y < self._lo:
                self._lo = y
        elif abs(self._dx) < 0.5 * self.enter:  # held still above the resting level ...
            if self._held_s != self._held_s:
                self._held_s = ti
            if ti - self._held_s >= self.settle_s:  # ... long enough: the new resting level
                self._lo, self._rest_s, self._held_s = y, ti, math.nan
        else:
            self._held_s = math.nan
        if y - self._lo >= self.enter_level():
            self.state, self.extreme, self.extreme_s = AWAY, y, ti
            self._start_s, self._start_lo = self._rest_s, self._lo
            self._entered_s = self._last_out_s = ti
            if self._start_s != self._start_s:
                self._start_s = ti

    def _away(self, ti: float, y: float) -> None:
        if y > self.extreme:
            self.extreme, self.extreme_s = y, ti
        if y - self._start_lo >= self.enter_level():
            self._last_out_s = ti
        elif y <= self._start_lo + self._rest_zone(self.extreme - self._start_lo):
            self.state, self._lo, self._rest_s, self._near_s = RETURN, y, ti, ti
            if self._last_out_s - self._entered_s < self.min_dwell_s:
                self.state, self.extreme = REST, -math.inf

    def flush(self) -> list[RepEvent]:
        """End of input: a rep back in the rest zone but not yet settled completes now."""
        if self.state != RETURN:
            return []
        real = self.extreme - self._lo >= self.enter
        events = [self._event(self._t)] if real else []
        self.state, self.extreme = REST, -math.inf
        return events

    def update(self, t: float, x: float) -> list[RepEvent]:
        """One frame (live): the same loop as :meth:`feed` with N = 1."""
        return self.feed(np.array([t], dtype=np.float64), np.array([x], dtype=np.float64))

    @property
    def open_rep_start_s(self) -> float:
        """Start time of the rep in progress (NaN when at rest)."""
        return self._start_s if self.state != REST else math.nan

    @property
    def entered_s(self) -> float:
        """When the rep in progress first went beyond ``enter`` (NaN when at rest)."""
        return self._entered_s if self.state != REST else math.nan
