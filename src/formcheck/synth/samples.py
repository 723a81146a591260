"""The committed sample set (``sample_videos/``): which clips, with which seeds.

Every clip is a :func:`~formcheck.synth.script.random_clip` of a fixed seed,
optionally with labelled faults, a view, a frame orientation, a body and a
timed test; ``formcheck synth samples --out sample_videos`` renders them all.
"""

from __future__ import annotations

from dataclasses import replace

from formcheck.synth.script import ClipSpec, RepSpec, random_clip

__all__ = ["SAMPLES", "sample_specs"]


def _five_times(seed: int) -> ClipSpec:
    base = random_clip("five_times_sit_to_stand", "sit_to_stand", seed, n_reps=5,
                       body="older_heavy_man")  # fmt: skip
    reps = tuple(RepSpec(depth=38.0, out_s=1.0, hold_s=0.15, back_s=1.15, pause_s=0.1)
                 for _ in range(5))  # fmt: skip
    return replace(base, reps=reps, test="5xsts")


def _thirty_seconds(seed: int) -> ClipSpec:
    base = random_clip("thirty_second_chair_stand", "sit_to_stand", seed, n_reps=13,
                       body="small_older_woman")  # fmt: skip
    tempo = [(1.05, 0.15, 1.05, 0.12), (1.1, 0.2, 1.1, 0.15), (1.15, 0.2, 1.15, 0.2)]
    reps = tuple(RepSpec(36.0, *tempo[min(i // 5, 2)]) for i in range(13))
    return replace(base, reps=reps, test="30s_cst", lead_out_s=1.0)


def sample_specs() -> list[ClipSpec]:
    """Every clip of the committed sample set, in rendering order."""
    return [
        random_clip("trunk_flexion_side", "trunk_flexion", 11, body="tall_young_adult"),
        random_clip("back_extension_side", "back_extension", 12, body="older_heavy_man"),
        random_clip("sit_to_stand_side", "sit_to_stand", 13, body="small_older_woman"),
        _five_times(14),
        _thirty_seconds(15),
        random_clip("trunk_flexion_faults", "trunk_flexion", 16, body="older_heavy_man",
                    faults={1: "knees_bending", 2: "too_fast"}),
        random_clip("back_extension_faults", "back_extension", 17, body="small_older_woman",
                    faults={0: "knees_bending", 2: "too_fast"}),
        random_clip("sit_to_stand_faults", "sit_to_stand", 18, body="tall_young_adult",
                    faults={1: "incomplete_stand", 2: "arms_used"}),
        random_clip("trunk_flexion_oblique", "trunk_flexion", 19, n_reps=2, view="oblique",
                    body="small_older_woman"),
        random_clip("sit_to_stand_portrait", "sit_to_stand", 20, n_reps=2, portrait=True,
                    body="older_heavy_man"),
    ]  # fmt: skip


SAMPLES = tuple(spec.name for spec in sample_specs())
