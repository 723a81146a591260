"""An exercise no built-in definition knows, taught from the first two reps of its rendered
sample (real MediaPipe on every frame): the other reps are then counted exactly, offline and
live (frame by frame through the same Session, equal to offline), at their true times, and
each is scored against the demonstration; a leaning rep of the faults sample scores lower,
naming the trunk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck.exercise.analysis import analyze
from formcheck.exercise.definition_file import dumps, loads
from formcheck.exercise.demonstration import learn
from formcheck.exercise.session import Session

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
CLIP, FAULTS = SAMPLES / "knee_raise.mp4", SAMPLES / "knee_raise_faults.mp4"

pytestmark = pytest.mark.slow


def _truth(clip: Path) -> dict:
    return json.loads(clip.with_suffix(".json").read_text())


def _demo_end(truth: dict) -> float:
    """Between the second and the third rep: the demonstration is the first two."""
    reps = truth["reps"]
    return round(0.5 * (reps[1]["end_s"] + reps[2]["start_s"]), 2)


@pytest.fixture(scope="module")
def taught(extractions):  # type: ignore[no-untyped-def]
    truth = _truth(CLIP)
    proposal = learn(extractions[CLIP], "knee_raise", title="Standing knee raise",
                     start_s=0.0, end_s=_demo_end(truth), source=CLIP.name)  # fmt: skip
    return proposal, loads(dumps(proposal.spec))  # the definition as its file gives it


def test_the_demonstration_gives_a_definition_of_two_reps(taught) -> None:  # type: ignore[no-untyped-def]
    proposal, spec = taught
    assert len(proposal.reps) == 2
    assert spec.primary in ("knee_flexion_world", "knee_flexion", "hip_flexion")
    assert spec.direction == 1 and spec.template is not None


def test_the_other_reps_are_counted_exactly_offline_and_live(extractions, taught) -> None:  # type: ignore[no-untyped-def]
    _, spec = taught
    seq, truth = extractions[CLIP], _truth(CLIP)
    report = analyze(seq, spec)
    assert report.rep_count == truth["rep_count"] == 5
    end = _demo_end(truth)
    assert len([r for r in report.reps if r.start_s > end]) == 3  # the reps not demonstrated
    for rep, true in zip(report.reps, truth["reps"], strict=True):
        assert abs(rep.start_s - true["start_s"]) < 0.4 and abs(rep.end_s - true["end_s"]) < 0.4
        assert rep.template_score is not None and rep.template_score >= 80
    live = Session(spec)
    for k in range(len(seq)):
        live.update(float(seq.t[k]), seq.image[k], seq.world[k], seq.width, seq.height,
                    people=int(seq.people[k]))  # fmt: skip
    assert [r.to_dict() for r in live.finish().reps] == [r.to_dict() for r in report.reps]


def test_a_leaning_rep_scores_lower_and_names_the_trunk(extractions, taught) -> None:  # type: ignore[no-untyped-def]
    _, spec = taught
    truth = _truth(FAULTS)
    reps = analyze(extractions[FAULTS], spec).reps
    good = [r for r in reps if abs(r.start_s - truth["reps"][0]["start_s"]) < 0.4]
    lean = [r for r in reps if abs(r.start_s - truth["reps"][1]["start_s"]) < 0.4]
    assert truth["reps"][1]["fault"] == "leaning_back" and good and lean
    assert lean[0].template_score <= good[0].template_score - 15
    assert lean[0].template_worst_joint.startswith("trunk_inclination")
    assert any(c.code == "off_template" for c in lean[0].cues)
