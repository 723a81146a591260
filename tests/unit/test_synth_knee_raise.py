"""The synthetic knee raise (formcheck_synth, pure NumPy): the left thigh alone swings up,
the right leg stays, the faults do what their names say, and the rep times are the keys'."""

from __future__ import annotations

import numpy as np
import pytest

synth = pytest.importorskip("formcheck_synth.script")


def _sampled(faults: tuple[str | None, ...]):  # type: ignore[no-untyped-def]
    from formcheck_synth.motion import sample_tracks
    from formcheck_synth.sample_sets import _knee_raise

    spec = _knee_raise("k", 21, faults)
    chor = synth.choreograph(spec)
    return spec, chor, sample_tracks(chor.tracks, spec.frame_times())


def test_one_thigh_rises_and_the_standing_leg_stays() -> None:
    spec, chor, dofs = _sampled(())
    assert len(chor.reps) == 5 and spec.camera.azimuth_deg == 40.0
    assert dofs["thigh_l"].min() == pytest.approx(-80.0)  # the left knee forward and up
    assert np.allclose(dofs["thigh_r"], 0.0) and np.allclose(dofs["shank_r"], 0.0)
    assert np.allclose(dofs["thorax"], 0.0) and chor.arms == "hips"
    t = spec.frame_times()
    for rep in chor.reps:  # at rest at the rep's start and end, raised at its extreme
        for when, thigh in ((rep.start, 0.0), (rep.extreme, -80.0), (rep.end, 0.0)):
            assert dofs["thigh_l"][np.argmin(np.abs(t - when))] == pytest.approx(thigh, abs=1.5)


def test_the_faults_lean_back_and_raise_less() -> None:
    spec, chor, dofs = _sampled((None, "leaning_back", "low_raise"))
    t = spec.frame_times()
    at = [int(np.argmin(np.abs(t - r.extreme))) for r in chor.reps]
    assert dofs["thorax"][at[0]] == pytest.approx(0.0) and dofs["thorax"][at[1]] < -15.0
    assert dofs["thigh_l"][at[2]] == pytest.approx(0.85 * -80.0, abs=1.0)
    assert [r.fault for r in chor.reps] == [None, "leaning_back", "low_raise"]
    with pytest.raises(ValueError, match="fault 'too_fast' is not one of"):
        synth.ClipSpec("x", "knee_raise", (synth.RepSpec(80, 1, 0, 1, 1, "too_fast"),))
