"""The programme runner's state machine: sets, rests, steps and holds in frame time.

The sessions here are fakes (``ScriptedSet``: a rep every ``rep_every_s`` after a
set-up of ``setup_s``), as the point is the runner's timing; the real Session
runs under it in ``tests/integration/test_programme_live.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from formcheck.programme.plan import Programme, Step
from formcheck.programme.runner import DONE, EXERCISE, REST, ProgrammeRunner, announcements
from formcheck.speech.announcer import Announcer

FPS = 10


@dataclass
class ScriptedSet:
    """Fake Session: set-up for ``setup_s``, then a rep every ``rep_every_s`` (ROM 50 deg),
    at end range for the second half of each rep."""

    setup_s: float = 0.5
    rep_every_s: float = 1.0
    t0: float | None = None
    frames: list[float] = field(default_factory=list)
    plan = SimpleNamespace(phases=("upright", "bending", "end_range", "returning"))

    def update(self, t, image_lm, world_lm, width, height, *, people=1):
        self.t0 = t if self.t0 is None else self.t0
        self.frames.append(t)
        live = t - self.t0 - self.setup_s
        reps = int(live // self.rep_every_s) if live >= 0 else 0
        half = live >= 0 and (live % self.rep_every_s) >= self.rep_every_s / 2
        new = reps > 0 and int((live - 1 / FPS) // self.rep_every_s) < reps
        rep = SimpleNamespace(rom_deg=50.0 + reps) if new else None
        return SimpleNamespace(phase="setup" if live < 0 else ("end_range" if half else "upright"),
                               rep_count=reps, last_rep=rep, guidance=None, setup_messages=[],
                               cue=None, cue_level="good")  # fmt: skip

    def finish(self):
        return SimpleNamespace(frames=list(self.frames))  # stands in for the Report


def _run(programme: Programme, seconds: float, **fake):
    sessions: list[ScriptedSet] = []

    def session_for(step: Step) -> ScriptedSet:
        sessions.append(ScriptedSet(**fake))
        return sessions[-1]

    runner = ProgrammeRunner(programme, session_for)
    states = [runner.update(i / FPS, None, None, 640, 480) for i in range(int(seconds * FPS))]
    return runner, states, sessions


TWO_STEPS = Programme("Week 1", (
    Step("trunk_flexion", sets=2, reps=3, target_deg=60, rest_s=2.0),
    Step("back_extension", sets=1, reps=2, rest_s=5.0),
))  # fmt: skip


def _at(states, event):
    return [round(s.t, 1) for s in states if event in s.events]


def test_sets_rests_and_steps_follow_the_frame_times() -> None:
    runner, states, sessions = _run(TWO_STEPS, 20.0)
    # set 1: set-up 0.5 s, reps at 1.5, 2.5, 3.5 s -> rest 2 s -> set 2 from 5.5 s
    assert _at(states, "rep")[:3] == [1.5, 2.5, 3.5]
    assert _at(states, "set_done") == [3.5, 9.0, 13.5]
    assert _at(states, "rest_started") == [3.5, 9.0]
    assert _at(states, "set_started") == [0.0, 5.5, 11.0]
    assert _at(states, "step_started") == [0.0, 11.0]
    assert _at(states, "done") == [13.5]
    rest = [s for s in states if s.stage == REST]
    assert rest[0].rest_remaining_s == pytest.approx(2.0)
    assert [round(s.rest_remaining_s, 1) for s in rest[:3]] == [2.0, 1.9, 1.8]
    first = rest[0]
    assert (first.step, first.set_number, first.next_title) == (1, 2, "Standing trunk flexion")
    before_step_2 = [s for s in rest if s.step == 2][0]
    assert (before_step_2.set_number, before_step_2.next_title) == (1, "Standing back extension")
    assert before_step_2.last_set == (3, 3) and before_step_2.last_rom_deg == 53.0
    assert states[-1].stage == DONE and states[-1].step == 2
    # no frame of a rest or after the end reaches a session
    assert len(sessions) == 3
    assert [s.frames[0] for s in sessions] == pytest.approx([0.0, 5.5, 11.0])
    assert sessions[2].frames[-1] == pytest.approx(13.5)
    result = runner.finish()
    assert [len(sets) for sets in result.reports] == [2, 1]


def test_the_state_shows_set_rep_target_and_last_rom() -> None:
    _, states, _ = _run(TWO_STEPS, 5.0)
    s = [s for s in states if s.t == pytest.approx(2.6)][0]
    assert (s.stage, s.step, s.steps, s.set_number, s.sets) == (EXERCISE, 1, 2, 1, 2)
    assert (s.reps, s.reps_per_set, s.target_deg, s.last_rom_deg) == (2, 3, 60, 52.0)
    assert s.next_title == "Standing back extension"


def test_a_timed_set_counts_down_from_the_end_of_set_up() -> None:
    programme = Programme("Timed", (Step("squat", sets=1, duration_s=3.0),))
    _, states, _ = _run(programme, 6.0)
    assert states[0].set_remaining_s == 3.0 and states[5].set_remaining_s == 3.0  # in set-up
    assert states[10].set_remaining_s == pytest.approx(2.5)
    assert _at(states, "done") == [3.5]


def test_holds_are_timed_at_end_range() -> None:
    programme = Programme("Hold", (Step("trunk_flexion", sets=1, reps=3, hold_s=0.25),))
    _, states, _ = _run(programme, 4.0, rep_every_s=1.0)
    assert _at(states, "hold_started") == [1.0, 2.0, 3.0]
    assert _at(states, "hold_done") == [1.3, 2.3, 3.3]
    assert max(s.hold_elapsed_s or 0 for s in states) == pytest.approx(0.4)


def test_what_is_said_over_a_programme() -> None:
    announcer = Announcer(cooldown_s=5.0, duration_s=lambda text: 0.5)
    _, states, _ = _run(TWO_STEPS, 14.0)
    said = []
    for s in states:
        for text, kind, key in announcements(s):
            announcer.offer(s.t, text, kind, key)
        if (p := announcer.take(s.t)) is not None:
            said.append(p.text)
    assert said == [
        "Standing trunk flexion. 2 sets of 3 reps.", "1", "2", "3. Rest. Next: set 2.",
        "Set 2.", "1", "2", "3. Rest. Next: Standing back extension.",
        "Standing back extension. 2 reps.", "1", "2. Programme complete. Well done.",
    ]  # fmt: skip


def test_the_phrases_said_are_known_ahead() -> None:
    from formcheck.programme.runner import programme_phrases

    _, states, _ = _run(TWO_STEPS, 14.0)
    said = {text for s in states for text, kind, _ in announcements(s)
            if kind not in ("correction", "guidance")}  # fmt: skip
    assert said <= set(programme_phrases(TWO_STEPS))


class BendingSet(ScriptedSet):
    """Fake Session with the step's target and hold in its config (as ``step_config``
    gives) and a scripted ``LiveState.hold_s``: each 1 s rep is away from rest from 0.2
    to 0.8 s and within the target band from 0.4 to 0.6 s."""

    def __init__(self) -> None:
        super().__init__(setup_s=0.0, rep_every_s=1.0)
        self.config = SimpleNamespace(target=SimpleNamespace(active=True, hold_s=0.08))

    def update(self, t, image_lm, world_lm, width, height, *, people=1):
        live = super().update(t, image_lm, world_lm, width, height, people=people)
        phase = round(t % 1.0, 6)
        away = 0.2 <= phase <= 0.8
        live.hold_s = min(max(phase - 0.4, 0.0), 0.2) if away else None
        return live


def test_with_a_target_the_hold_is_the_sessions_clock_in_the_band() -> None:
    programme = Programme("Band", (Step("trunk_flexion", sets=1, reps=3, target_deg=55,
                                        hold_s=0.08),))  # fmt: skip
    runner = ProgrammeRunner(programme, lambda step: BendingSet())
    states = [runner.update(i / 20, None, None, 640, 480) for i in range(60)]
    starts = [round(s.t, 2) for s in states if "hold_started" in s.events]
    assert starts == [0.45, 1.45, 2.45]  # not at end range (0.5 s on): in the band
    assert [round(s.t, 2) for s in states if "hold_done" in s.events] == [0.5, 1.5, 2.5]
    assert max(s.hold_elapsed_s or 0 for s in states) == pytest.approx(0.2)
    assert states[19].hold_elapsed_s is None  # back at rest
