"""The renderer's side-bending and rotation choreography and truth (pure parts, no rendering)."""

from __future__ import annotations

import numpy as np
import pytest
from formcheck_synth.motion import sample_tracks
from formcheck_synth.sample_sets import plane_specs
from formcheck_synth.script import PLANE_DOFS, ClipSpec, RepSpec, choreograph, random_clip
from formcheck_synth.truth import plane_angles


@pytest.mark.parametrize("spec", plane_specs(), ids=lambda s: s.name)
def test_plane_samples_alternate_sides_from_either_first(spec: ClipSpec) -> None:
    chor = choreograph(spec)
    sides = [r.side for r in chor.reps]
    assert sides in ([1, -1, 1, -1], [-1, 1, -1, 1])
    assert 10.0 <= spec.duration_s <= 15.0
    t = spec.frame_times()
    dofs = sample_tracks(chor.tracks, t)
    moved = "lean" if spec.exercise == "lateral_flexion" else "twist"
    for rep in chor.reps:  # the extreme lies to the rep's side, and it comes back
        at = int(np.argmin(np.abs(t - rep.extreme)))
        assert np.sign(dofs[moved][at]) == rep.side
        assert float(chor.tracks[moved](np.array([rep.end]))[0]) == pytest.approx(0.0, abs=1e-9)
    views = {p.camera.view for p in plane_specs() if p.exercise == spec.exercise}
    assert views == {"front", "oblique"}


def test_both_first_sides_are_in_the_set() -> None:
    firsts = {(s.exercise, choreograph(s).reps[0].side) for s in plane_specs()}
    assert firsts == {("lateral_flexion", 1), ("lateral_flexion", -1),
                      ("trunk_rotation", 1), ("trunk_rotation", -1)}  # fmt: skip


def test_only_plane_exercises_get_the_plane_degrees_of_freedom() -> None:
    flexion = choreograph(random_clip("f", "trunk_flexion", 1))
    assert not set(PLANE_DOFS) & set(flexion.tracks)
    bend = choreograph(random_clip("b", "lateral_flexion", 1))
    assert set(PLANE_DOFS) <= set(bend.tracks)
    assert {abs(r.side) for r in bend.reps} == {1}


def test_a_plane_rep_needs_a_side() -> None:
    base = random_clip("b", "lateral_flexion", 1)
    spec = ClipSpec("b", "lateral_flexion", (RepSpec(30.0, 1.0, 0.2, 1.0, 0.3),),
                    camera=base.camera)  # fmt: skip
    with pytest.raises(ValueError, match="side"):
        choreograph(spec)


def test_plane_truth_angles_from_joint_centres() -> None:
    """Side bend and twist from 3-D joint centres in the synth frame (Y up, facing +Z,
    left +X): a trunk tipped 30 deg to the left, shoulders turned 40 deg to the left."""
    lean, twist = np.radians(30.0), np.radians(40.0)
    hip_l, hip_r = np.array([[0.15, 1.0, 0.0]]), np.array([[-0.15, 1.0, 0.0]])
    mid_sh = np.array([[0.5 * np.sin(lean), 1.0 + 0.5 * np.cos(lean), 0.0]])
    half = 0.2 * np.array([[np.cos(twist), 0.0, -np.sin(twist)]])  # chest turns towards +X
    angles = plane_angles({"left_hip": hip_l, "right_hip": hip_r,
                           "left_shoulder": mid_sh + half, "right_shoulder": mid_sh - half})
    assert angles["side_bend"][0] == pytest.approx(30.0)
    assert angles["trunk_twist"][0] == pytest.approx(40.0)
