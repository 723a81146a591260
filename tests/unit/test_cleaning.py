"""Cleaning: NaN for missing, short gaps only, zero-phase filtering in Hz, One-Euro."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.kinematics.cleaning import (
    OneEuro,
    interpolate_gaps,
    mask_low_visibility,
    zero_phase_lowpass,
)


def test_mask_low_visibility() -> None:
    image = np.zeros((2, 33, 4))
    image[..., 3] = 0.9
    image[0, 5, 3] = 0.2
    image[1, 7, 0] = np.nan
    mask = mask_low_visibility(image, 0.5)
    assert mask.sum() == 2 and mask[0, 5] and mask[1, 7]


def test_interpolates_only_short_gaps_by_time() -> None:
    t = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    x = np.array([0.0, np.nan, 2.0, np.nan, np.nan, np.nan, 6.0, np.nan, 8.0])
    out = interpolate_gaps(t, x, max_gap_s=0.25)
    np.testing.assert_allclose(out, [0, 1, 2, np.nan, np.nan, np.nan, 6, 7, 8])
    # the same samples with a wider time spacing are no longer "short"
    assert np.isnan(interpolate_gaps(t * 3, x, max_gap_s=0.25)[1])


def test_leading_and_trailing_gaps_stay_nan() -> None:
    t = np.arange(5) * 0.1
    out = interpolate_gaps(t, np.array([np.nan, 1.0, 2.0, 3.0, np.nan]), 1.0)
    assert np.isnan(out[0]) and np.isnan(out[-1])


def test_lowpass_removes_fast_noise_without_lag() -> None:
    t = np.arange(0, 10, 1 / 30)
    slow = 30 * np.sin(2 * np.pi * 0.3 * t)
    noisy = slow + 5 * np.sin(2 * np.pi * 12 * t)
    out = zero_phase_lowpass(t, noisy, 6.0)
    assert np.abs(out - slow)[30:-30].max() < 1.0
    assert np.argmax(out[:100]) == np.argmax(slow[:100])  # zero phase: peak not delayed


def test_lowpass_filters_nan_free_runs_only_and_handles_vfr() -> None:
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.02, 0.045, 400))
    x = np.sin(t) + rng.normal(0, 0.1, len(t))
    x[200:205] = np.nan
    x[300] = np.nan
    x[301:303] = 5.0
    x[303] = np.nan
    out = zero_phase_lowpass(t, x, 3.0)
    assert np.isnan(out[200:205]).all() and np.isfinite(out[:200]).all()
    np.testing.assert_array_equal(out[301:303], [5.0, 5.0])  # run too short: untouched
    assert np.std(out[:200] - np.sin(t[:200])) < 0.05


def test_one_euro_is_causal_and_skips_nan() -> None:
    f = OneEuro(1.0, 0.0)
    assert f(0.0, 10.0) == 10.0
    y1 = f(0.1, 0.0)
    assert 0.0 < y1 < 10.0
    assert f(0.2, float("nan")) == y1
    with pytest.raises(ValueError, match="cut-offs must be > 0"):
        OneEuro(0.0, 0.1)


@pytest.mark.parametrize("shape", [(16,), (40,), (240, 11), (100, 1)])
@pytest.mark.parametrize("order", [2, 4])
def test_cached_filtfilt_is_scipys_to_the_bit(shape: tuple[int, ...], order: int) -> None:
    from scipy.signal import filtfilt

    from formcheck.kinematics.cleaning import _butter, _filtfilt

    x = np.random.default_rng(order).normal(size=shape).cumsum(axis=0)
    coeffs = _butter(order, 0.4)
    if shape[0] <= 3 * (order + 1):
        pytest.skip("shorter than filtfilt's padding")
    np.testing.assert_array_equal(_filtfilt(coeffs, x), filtfilt(coeffs[0], coeffs[1], x, axis=0))
