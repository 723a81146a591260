"""A two-step programme run live gives, per set, the review page's numbers for the same frames.

Two real extractions (trunk flexion, then sit-to-stand) are played end to end
through the live engine's programme stream, frame by frame, with a gap with
nobody in view between them (walking to the chair). Each set's report must equal
``analyze`` (the review page's analysis) of exactly the frames that set received:
rep count, rep times, ROM, scores and cues. The spoken phrases come out one at a
time and in order.
"""

from __future__ import annotations

import json
import queue
from pathlib import Path

import numpy as np
import pytest

from formcheck.config import Config
from formcheck.exercise.analysis import analyze
from formcheck.exercise.session import Session
from formcheck.pose.sequence import PoseSequence
from formcheck.programme.plan import Programme, Step
from formcheck.programme.runner import DONE, ProgrammeRunner
from formcheck.programme.targets import step_config
from formcheck.speech.announcer import Announcer
from formcheck.ui.engine import ProgrammeStream

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
GAP_S, FPS = 4.0, 25.0


class RecordingSession(Session):
    """The real Session, keeping the frames it was fed (to analyse them offline after)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fed: list[tuple[float, object, object, int]] = []

    def update(self, t, image_lm, world_lm, width, height, *, people=1):  # type: ignore[no-untyped-def]
        self.fed.append((t, image_lm, world_lm, people))
        return super().update(t, image_lm, world_lm, width, height, people=people)


def _frames(seqs: list[PoseSequence]):
    """(t, image, world, people) of the clips end to end, ``GAP_S`` of empty frames between."""
    offset = 0.0
    for k, seq in enumerate(seqs):
        if k:
            for i in range(int(GAP_S * FPS)):
                yield offset + i / FPS, None, None, 0
            offset += GAP_S
        for i in range(len(seq)):
            person = not np.isnan(seq.image[i, 0, 0])
            yield (offset + float(seq.t[i]), seq.image[i] if person else None,
                   seq.world[i] if person else None, int(seq.people[i]))  # fmt: skip
        offset += float(seq.t[-1]) + 1 / FPS


def _as_sequence(fed: list, width: int, height: int) -> PoseSequence:
    nan4, nan3 = np.full((33, 4), np.nan, np.float32), np.full((33, 3), np.nan, np.float32)
    return PoseSequence(
        t=np.array([f[0] for f in fed]),
        image=np.stack([nan4 if f[1] is None else f[1] for f in fed]),
        world=np.stack([nan3 if f[2] is None else f[2] for f in fed]),
        width=width, height=height, people=np.array([f[3] for f in fed]),
    )  # fmt: skip


def _rep_figures(report: dict) -> list[tuple[str, ...]]:
    keys = ("start_s", "extreme_s", "end_s", "rom_deg", "score", "cues", "target_reached",
            "hold_reached")
    return [tuple(json.dumps(rep[k], sort_keys=True) for k in keys) for rep in report["reps"]]


@pytest.mark.slow
def test_programme_sets_match_the_review_of_their_frames(extractions) -> None:
    clips = ["trunk_flexion_side", "sit_to_stand_side"]
    truth = [json.loads((SAMPLES / f"{c}.json").read_text()) for c in clips]
    seqs = [extractions[SAMPLES / f"{c}.mp4"] for c in clips]
    programme = Programme("Two steps", (
        Step(truth[0]["exercise"], sets=1, reps=truth[0]["rep_count"], rest_s=2.0,
             target_deg=55.0, hold_s=0.5),
        Step(truth[1]["exercise"], sets=1, reps=truth[1]["rep_count"]),
    ))  # fmt: skip
    sessions: list[RecordingSession] = []

    def session_for(step: Step) -> RecordingSession:
        sessions.append(RecordingSession(step.exercise, config=step_config(Config(), step)))
        return sessions[-1]

    spoken: queue.Queue = queue.Queue()
    stream = ProgrammeStream(ProgrammeRunner(programme, session_for),
                             Announcer(5.0), spoken.put_nowait)  # fmt: skip
    width, height = seqs[0].width, seqs[0].height
    states = [stream.update(t, img, world, width, height, people=people)
              for t, img, world, people in _frames(seqs)]  # fmt: skip
    assert states[-1].stage == DONE
    result = stream.finish()
    assert result.rep_counts == (truth[0]["rep_count"], truth[1]["rep_count"])
    assert len(sessions) == 2  # no frame of the rest (2 s) went to a session:
    assert sessions[1].fed[0][0] - sessions[0].fed[-1][0] == pytest.approx(2.0)
    for session, (report,), step in zip(sessions, result.reports, programme.steps, strict=True):
        offline = analyze(_as_sequence(session.fed, width, height), step.exercise,
                          config=step_config(Config(), step)).to_dict()
        live = report.to_dict()
        assert live["rep_count"] == offline["rep_count"] == step.reps
        assert _rep_figures(live) == _rep_figures(offline)
        assert live.get("short_reps") == offline.get("short_reps")
    said = []
    while not spoken.empty():
        said.append(spoken.get_nowait().text)
    assert said[0] == "Standing trunk flexion. 3 reps."
    assert "3. Rest. Next: Sit-to-stand." in said
    assert said.index("Sit-to-stand. 3 reps.") > said.index("3. Rest. Next: Sit-to-stand.")
    assert said[-1] == "3. Programme complete. Well done."
    assert "Hold." in said  # step 1 holds 0.5 s within 5 deg of its 55 deg target
    assert [s for s in said if s in ("1", "2")] == ["1", "2", "1", "2"]
