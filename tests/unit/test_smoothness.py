"""SPARC: known shapes, invariances, and what it refuses to measure."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.kinematics.smoothness import sparc


def _bell(duration_s: float, fs: float = 30.0, amplitude: float = 1.0):
    """Minimum-jerk speed profile: t (n,) s and speed (n,)."""
    t = np.arange(0.0, duration_s + 1e-9, 1.0 / fs)
    s = t / duration_s
    return t, amplitude * 30.0 * s**2 * (1.0 - s) ** 2 / duration_s


def test_one_smooth_bell_scores_minus_one_point_four() -> None:
    t, v = _bell(1.5)
    assert sparc(t, v) == pytest.approx(-1.40, abs=0.02)


@pytest.mark.parametrize(("duration", "amplitude", "fs"), [(0.8, 1.0, 30), (3.0, 40.0, 25)])
def test_amplitude_duration_and_rate_do_not_matter(duration: float, amplitude: float, fs: float
                                                   ) -> None:  # fmt: skip
    reference = sparc(*_bell(1.5))
    assert sparc(*_bell(duration, fs, amplitude)) == pytest.approx(reference, abs=0.03)


def test_stop_and_go_and_tremor_score_lower() -> None:
    t, v = _bell(1.5)
    smooth = sparc(t, v)
    twice = sparc(np.concatenate([t, t[-1] + 1 / 30 + t]), np.concatenate([v, v]))
    shaky = sparc(t, v * (1.0 + 0.3 * np.sin(2 * np.pi * 4.0 * t)))
    assert twice < smooth - 0.5
    assert shaky < smooth - 0.2


def test_variable_frame_times_are_resampled() -> None:
    t, v = _bell(1.5, fs=60.0)
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(t), size=60, replace=False))  # ~30 fps, jittered
    assert sparc(t[keep], v[keep]) == pytest.approx(sparc(*_bell(1.5)), abs=0.1)


@pytest.mark.parametrize(
    ("t", "v"),
    [(np.arange(5) / 30, np.ones(5)),  # too short
     (np.arange(30) / 30, np.zeros(30)),  # no movement
     (np.full(30, 1.0), np.ones(30))],  # no time passes
)  # fmt: skip
def test_unmeasurable_profiles_give_nan(t: np.ndarray, v: np.ndarray) -> None:
    assert np.isnan(sparc(t, v))
