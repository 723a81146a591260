"""Every exercise definition is complete: it has samples, and each rep reports every
measurement the definition lists (real MediaPipe on the bundled samples, through the
session's shared extraction cache)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.exercise.analysis import analyze
from formcheck.exercise.definitions import EXERCISES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"


def _samples_of(exercise: str) -> list[Path]:
    """The bundled clips (samples and robustness set) whose truth names ``exercise``."""
    return sorted(
        path.with_suffix(".mp4")
        for path in [*SAMPLES.glob("*.json"), *SAMPLES.glob("robustness/*.json")]
        if json.loads(path.read_text()).get("exercise") == exercise
        and path.with_suffix(".mp4").is_file()
    )


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_exercise_ships_a_sample_with_its_truth(exercise: str) -> None:
    assert _samples_of(exercise), f"{exercise}: add a sample clip with its truth to sample_videos"


@pytest.mark.slow
@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_listed_measurement_is_produced_for_every_rep(exercise: str, extractions) -> None:
    spec = EXERCISES[exercise]
    clip = _samples_of(exercise)[0]
    report = analyze(extractions[clip], exercise)
    assert report.reps, f"{clip.name}: no rep counted"
    for rep in report.reps:
        missing = set(spec.measurements) - set(rep.measurements)
        assert not missing, f"{clip.name}: rep at {rep.start_s:.1f} s lacks {sorted(missing)}"
        unlisted = {c.code for c in rep.cues} - set(spec.cues) - {"not_returning_upright"}
        assert not unlisted, f"{clip.name}: cues the definition does not list: {unlisted}"
