"""The one rep counter, used live (one frame at a time) and offline (whole arrays).

``RepCounter.feed(t, x)`` takes timestamps (N,) in seconds and the primary
signal (N,) *relative to the baseline and oriented so that moving away from
the start posture is positive*. It smooths the signal with an inline causal
One-Euro filter, runs a two-state hysteresis machine and returns the reps
completed within those frames. Live code feeds N = 1; offline code feeds the
whole clip at once; both run the same loop, so they cannot disagree.

A rep: the smoothed signal leaves its resting level, goes beyond ``enter``
for at least ``min_dwell_s``, comes back into the rest zone (``<= rest``) and
settles. States: REST -> AWAY -> RETURN (back in the rest zone, waiting to
settle) -> REST. Start and end times are where the signal sat at rest
(see ``onset``); the extreme is the largest smoothed value in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["RepEvent", "RepCounter", "REST", "AWAY", "RETURN"]

REST = 0
AWAY = 1
RETURN = 2


@dataclass(frozen=True)
class RepEvent:
    """One completed rep: times in seconds, ``extreme`` in the signal's units (relative);
    ``emitted_s`` the frame time at which the counter reported it."""

    start_s: float
    extreme_s: float
    end_s: float
    extreme: float
    entered_s: float
    emitted_s: float


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high) or value != value:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")


_CREEP = 0.02  # share of ``onset`` a new low must undercut (the One-Euro output creeps forever)


class RepCounter:
    """Hysteresis rep counter with minimum dwell and inline One-Euro smoothing.

    ``enter`` in (0, 1000]: how far beyond baseline counts as the far posture;
    ``rest`` in (0, enter): the return zone (hysteresis = enter - rest);
    ``onset`` in (0, rest]: a rep starts where the signal last sat within
    ``onset`` of its resting minimum; back in the rest zone, it ends at its
    lowest point, reported once the signal turns up again by ``onset`` or
    makes no new minimum for ``settle_s``;
    ``min_dwell_s`` in [0, 10]: time the signal must stay beyond ``enter``;
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
        _check_range("min_cutoff_hz", min_cutoff_hz, 1e-9, 1e6)
        _check_range("beta", beta, 0.0, 10.0)
        _check_range("d_cutoff_hz", d_cutoff_hz, 1e-9, 100.0)
        self.enter, self.rest, self.onset = float(enter), float(rest), float(onset)
        self.min_dwell_s, self.settle_s = float(min_dwell_s), float(settle_s)
        self._k = 2.0 * math.pi * min_cutoff_hz
        self._kb = 2.0 * math.pi * beta
        self._kd = 2.0 * math.pi * d_cutoff_hz
        self.state = REST
        self.value = math.nan
        self.extreme = -math.inf
        self.extreme_s = math.nan
        self._t = math.nan
        self._dx = 0.0
        self._lo = math.inf
        self._rest_s = math.nan
        self._near_s = math.nan
        self._entered_s = math.nan
        self._last_out_s = math.nan
        self._start_s = math.nan

    def feed(self, t: NDArray[np.floating], x: NDArray[np.floating]) -> list[RepEvent]:
        """Advance over frames ``t`` (N,) s with raw relative signal ``x`` (N,); reps completed."""
        events: list[RepEvent] = []
        enter, rest, onset, dwell, settle = (
            self.enter,
            self.rest,
            self.onset,
            self.min_dwell_s,
            self.settle_s,
        )
        k, kb, kd = self._k, self._kb, self._kd
        state, y, ext, ext_s = self.state, self.value, self.extreme, self.extreme_s
        tp, dx, lo, rest_s, near_s = self._t, self._dx, self._lo, self._rest_s, self._near_s
        entered_s, out_s, start_s = self._entered_s, self._last_out_s, self._start_s
        for ti, xi in zip(t.tolist(), x.tolist(), strict=True):
            if xi != xi:
                continue
            if y != y:
                y, dx, tp = xi, 0.0, ti
            else:
                dt = ti - tp
                if dt <= 0.0:
                    continue
                dx += ((xi - y) / dt - dx) / (1.0 + 1.0 / (kd * dt))
                y += (xi - y) / (1.0 + 1.0 / ((k + kb * abs(dx)) * dt))
                tp = ti
            if state == RETURN:
                if y < lo - _CREEP * onset:  # a filter creeping to a still input is no new low
                    lo, rest_s = y, ti
                if y >= lo + onset or ti - rest_s >= settle:
                    events.append(RepEvent(start_s, ext_s, rest_s, ext, entered_s, ti))
                    state, ext, rest_s = REST, -math.inf, near_s
                else:
                    near_s = ti
            if state == REST:
                if y <= lo + onset:
                    rest_s = ti
                    if y < lo:
                        lo = y
                if y >= enter:
                    state, ext, ext_s, start_s = AWAY, y, ti, rest_s
                    entered_s = out_s = ti
                    if start_s != start_s:
                        start_s = ti
            elif state == AWAY:
                if y > ext:
                    ext, ext_s = y, ti
                if y >= enter:
                    out_s = ti
                elif y <= rest:
                    state, lo, rest_s, near_s = RETURN, y, ti, ti
                    if out_s - entered_s < dwell:
                        state, ext = REST, -math.inf
        self.state, self.value, self.extreme, self.extreme_s = state, y, ext, ext_s
        self._t, self._dx, self._lo, self._rest_s, self._near_s = tp, dx, lo, rest_s, near_s
        self._entered_s, self._last_out_s, self._start_s = entered_s, out_s, start_s
        return events

    def flush(self) -> list[RepEvent]:
        """End of input: a rep back in the rest zone but not yet settled completes now."""
        if self.state != RETURN:
            return []
        self.state = REST
        event = RepEvent(
            self._start_s, self.extreme_s, self._rest_s, self.extreme, self._entered_s, self._t
        )
        self.extreme = -math.inf
        return [event]

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
