"""Cleaning of landmark and angle series: missing is NaN, short gaps filled, filtering in Hz.

- :func:`mask_low_visibility`: NaN for landmarks below a visibility.
- :func:`interpolate_gaps`: linear fill of NaN gaps no longer than ``max_gap_s``.
- :func:`zero_phase_lowpass`: Butterworth ``filtfilt`` on each NaN-free run long
  enough for its padding (offline); variable frame rates are resampled to a
  uniform grid for the filter and back.
- :class:`OneEuro`: the causal filter used live (and, inline, by the rep counter).

Time always comes from timestamps ``t`` in seconds, never a frame index.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, lfilter, lfilter_zi

__all__ = ["mask_low_visibility", "interpolate_gaps", "zero_phase_lowpass", "OneEuro", "nan_runs"]


def mask_low_visibility(image: NDArray[np.floating], min_visibility: float) -> NDArray[np.bool_]:
    """(T, 33) True where a landmark is missing or less visible than ``min_visibility``.

    ``image`` (T, 33, 4) with visibility in the last channel.
    """
    vis = image[..., 3]
    return ~(vis >= min_visibility) | np.isnan(image[..., 0])


def nan_runs(valid: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges where ``valid`` (T,) is True."""
    padded = np.concatenate(([False], valid, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def interpolate_gaps(
    t: NDArray[np.floating], x: NDArray[np.floating], max_gap_s: float
) -> NDArray[np.float64]:
    """Linear fill of interior NaN gaps whose duration (between the valid
    neighbours) is at most ``max_gap_s``. ``x`` (T,) or (T, K); returns a copy.
    Vectorised: each NaN sample finds its previous and next valid sample."""
    out = np.array(x, dtype=np.float64, copy=True)
    cols = out if out.ndim == 2 else out[:, None]
    missing = np.isnan(cols)
    if not missing.any() or len(cols) < 3:
        return out
    tt = np.asarray(t, np.float64)
    n = len(tt)
    idx = np.arange(n)[:, None]
    prev = np.maximum.accumulate(np.where(missing, -1, idx), axis=0)
    nxt = np.minimum.accumulate(np.where(missing, n, idx)[::-1], axis=0)[::-1]
    ok = missing & (prev >= 0) & (nxt < n)
    p, q = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
    ok &= (tt[q] - tt[p]) <= max_gap_s
    if not ok.any():
        return out
    k = np.broadcast_to(np.arange(cols.shape[1]), cols.shape)
    vp, vq = cols[p, k], cols[q, k]
    span = np.where(q > p, tt[q] - tt[p], 1.0)
    w = (tt[:, None] - tt[p]) / span
    cols[ok] = (vp + w * (vq - vp))[ok]
    return out


def zero_phase_lowpass(
    t: NDArray[np.floating], x: NDArray[np.floating], cutoff_hz: float, order: int = 2
) -> NDArray[np.float64]:
    """Butterworth low-pass applied forwards and backwards on each NaN-free run.

    ``x`` (T,) or (T, K). Runs too short for ``filtfilt``'s padding are left as
    they are. Timestamps need not be uniform: a run is resampled to its median
    frame interval, filtered, and interpolated back. NaN-free columns are
    filtered together in one call.
    """
    out = np.array(x, dtype=np.float64, copy=True)
    cols = out if out.ndim == 2 else out[:, None]
    tt = np.asarray(t, dtype=np.float64)
    gappy = np.isnan(cols).any(axis=0)
    whole = np.flatnonzero(~gappy)
    if len(whole):
        cols[:, whole] = _filter_run(tt, cols[:, whole], cutoff_hz, order)
    for k in np.flatnonzero(gappy):
        for start, stop in nan_runs(~np.isnan(cols[:, k])):
            cols[start:stop, k] = _filter_run(tt[start:stop], cols[start:stop, k], cutoff_hz, order)
    return out


@lru_cache(maxsize=64)
def _butter(order: int, wn: float) -> tuple[NDArray[np.float64], ...]:
    """Butterworth ``b``, ``a`` and the step-response state ``zi`` (cached)."""
    b, a = butter(order, wn)
    return b, a, lfilter_zi(b, a)


def _filtfilt(
    coeffs: tuple[NDArray[np.float64], ...], x: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``scipy.signal.filtfilt(b, a, x, axis=0)`` with its defaults (odd extension
    of 3 x the taps, steady-state start), the same operations in the same order
    so the numbers are identical, without recomputing ``zi`` for every window."""
    b, a, zi = coeffs
    edge = 3 * max(len(a), len(b))
    ext = np.concatenate([2 * x[:1] - x[edge:0:-1], x, 2 * x[-1:] - x[-2 : -(edge + 2) : -1]])
    state = zi.reshape((-1,) + (1,) * (x.ndim - 1))
    y, _ = lfilter(b, a, ext, axis=0, zi=state * ext[:1])
    y, _ = lfilter(b, a, y[::-1], axis=0, zi=state * y[-1:])
    return y[::-1][edge:-edge]


def _filter_run(
    t: NDArray[np.float64], x: NDArray[np.float64], cutoff_hz: float, order: int
) -> NDArray[np.float64]:
    """Filter (n,) or (n, K) samples along time."""
    pad = 3 * (2 * order + 1)
    if len(x) <= pad:
        return x
    steps = np.diff(t)
    dt = float(np.median(steps))
    nyquist = 0.5 / dt
    if cutoff_hz >= nyquist:
        return x
    coeffs = _butter(order, round(cutoff_hz / nyquist, 4))
    if np.abs(steps - dt).max() <= 1e-3 * dt:
        return _filtfilt(coeffs, x)
    grid = np.arange(t[0], t[-1] + dt * 0.5, dt)
    if len(grid) <= pad:
        return x
    if x.ndim == 1:
        return np.interp(t, grid, _filtfilt(coeffs, np.interp(grid, t, x)))
    cols = [np.interp(t, grid, _filtfilt(coeffs, np.interp(grid, t, c))) for c in x.T]
    return np.stack(cols, axis=1)


class OneEuro:
    """Causal One-Euro filter (Casiez et al. 2012) of one scalar signal.

    ``min_cutoff_hz`` smooths slow motion, ``beta`` (per unit/s) opens the
    cut-off for fast motion, ``d_cutoff_hz`` smooths the speed estimate.
    A NaN input leaves the state unchanged and returns the last output.
    """

    __slots__ = ("min_cutoff_hz", "beta", "d_cutoff_hz", "_t", "_x", "_dx")

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float = 1.0) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0:
            raise ValueError("One-Euro cut-offs must be > 0 Hz")
        if beta < 0:
            raise ValueError(f"One-Euro beta must be >= 0, got {beta}")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self._t = math.nan
        self._x = math.nan
        self._dx = 0.0

    def __call__(self, t: float, x: float) -> float:
        """Filtered value at time ``t`` (s) given the raw value ``x``."""
        self.advance(t, x)
        return self._x

    def advance(self, t: float, x: float) -> bool:
        """Take the raw value ``x`` at time ``t`` (s); False (state unchanged) for a NaN
        or a time not later than the last one."""
        if x != x:
            return False
        if self._x != self._x:
            self._t, self._x, self._dx = t, x, 0.0
            return True
        dt = t - self._t
        if dt <= 0:
            return False
        a_d = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * self.d_cutoff_hz * dt))
        self._dx += a_d * ((x - self._x) / dt - self._dx)
        cutoff = self.min_cutoff_hz + self.beta * abs(self._dx)
        a = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * cutoff * dt))
        self._x += a * (x - self._x)
        self._t = t
        return True

    @property
    def value(self) -> float:
        """The last filtered value (NaN before any)."""
        return self._x

    @property
    def speed(self) -> float:
        """The filtered rate of change of the input (units/s)."""
        return self._dx

    @property
    def t(self) -> float:
        """Time of the last value taken (s)."""
        return self._t
