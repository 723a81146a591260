"""A programme done live: steps, sets, rests and holds, timed by the frames' own timestamps.

:class:`ProgrammeRunner` is fed frame by frame (``update(t, image_lm,
world_lm, width, height, people=...)``, the same call as
:class:`~formcheck.exercise.session.Session`, so the live engine hosts it
unchanged). Each set of each step gets a fresh ``Session`` built by
``session_for(step)`` (the step's exercise and configuration, targets
included): the set's report is the analysis of exactly that set's frames,
the same core the review page replays. A set ends when its reps are counted
(or, for a timed step, when ``duration_s`` has passed since the set-up found
the person); then comes the rest (``rest_s``, counted down in frame time; the
rest after a step's last set leads to the next step), then the next set. No
frame of a rest goes to a session, so moving about while resting counts
nothing. After the last set the runner is "done" and ignores frames.

Each update returns a :class:`RunnerState` (what the page shows, and
``events``, what happened at that frame); :func:`announcements` turns it into
the words to speak. The runner is pure: no threads, no clock of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck.programme.plan import Programme, Step

__all__ = [
    "EXERCISE",
    "REST",
    "DONE",
    "RunnerState",
    "ProgrammeRunner",
    "ProgrammeResult",
    "announcements",
    "programme_phrases",
]

EXERCISE: Final = "exercise"
REST: Final = "rest"
DONE: Final = "done"


class SetSession(Protocol):
    """What the runner needs of :class:`formcheck.exercise.session.Session`."""

    def update(self, t: float, image_lm: NDArray[np.floating] | None,
               world_lm: NDArray[np.floating] | None, width: int, height: int, *,
               people: int = 1) -> Any: ...  # fmt: skip

    def finish(self) -> Any: ...


@dataclass(frozen=True)
class RunnerState:
    """The programme at one frame.

    ``stage``: "exercise" | "rest" | "done"; ``step`` / ``set_number`` count from
    1 (of ``steps`` / ``sets``; during a rest, the set to come); ``reps`` counted
    in this set (during a rest: in the set just done) (of
    ``reps_per_set``; None for a timed step, whose ``set_remaining_s`` counts
    down instead, once set-up is done); ``rest_remaining_s`` during a rest;
    ``target_deg`` the step's ROM target; ``last_rom_deg`` the last counted rep's
    range of motion (deg) in this step (during a rest: in the step just done);
    ``hold_s`` the prescribed hold and ``hold_elapsed_s`` how long the present one
    has lasted (within the target band, or at end range without a target);
    ``last_set`` (reps counted, prescribed) of the last set done (None before);
    ``live`` the set's :class:`~formcheck.exercise.session.LiveState` (None while
    resting or done); ``next_title`` the exercise that comes next (None at the
    last); ``events``: what happened at this frame, among "step_started",
    "set_started", "rep", "hold_started", "hold_done", "set_done", "rest_started",
    "done".
    """

    t: float
    stage: str
    step: int
    steps: int
    exercise: str
    title: str
    set_number: int
    sets: int
    reps: int = 0
    reps_per_set: int | None = None
    set_remaining_s: float | None = None
    rest_remaining_s: float | None = None
    target_deg: float | None = None
    last_rom_deg: float | None = None
    hold_s: float | None = None
    hold_elapsed_s: float | None = None
    next_title: str | None = None
    last_set: tuple[int, int | None] | None = None
    notes: str = ""
    live: Any = field(default=None, compare=False, repr=False)
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgrammeResult:
    """The reports of a programme session: ``reports[i]`` holds step ``i + 1``'s sets
    done (the last may be a set stopped early); steps not reached are absent."""

    programme: Programme
    reports: tuple[tuple[Any, ...], ...]

    @property
    def rep_counts(self) -> tuple[int, ...]:
        """Reps counted per step done."""
        return tuple(sum(r.rep_count for r in sets) for sets in self.reports)


class ProgrammeRunner:
    """The programme's state machine over frames; see the module docstring.

    ``session_for(step)``: a fresh session for one set of ``step``.
    """

    def __init__(self, programme: Programme, session_for: Callable[[Step], SetSession]) -> None:
        self.programme = programme
        self._session_for = session_for
        self._step = 0  # index into programme.steps
        self._set = 1
        self.stage = EXERCISE
        self._session: SetSession | None = None
        self._frames_in_set = 0
        self._set_live_from = math.nan  # when set-up found the person (timed steps start here)
        self._rest_until = math.nan
        self._reps = 0
        self._last_rom: float | None = None
        self._hold_from = math.nan  # end range entered (holds without a target)
        self._hold_elapsed: float | None = None
        self._hold_done = False
        self._started = False
        self._reports: list[list[Any]] = [[]]
        self._last_set: tuple[int, int | None] | None = None
        self._last_t = -math.inf

    @property
    def step(self) -> Step:
        return self.programme.steps[self._step]

    def update(self, t: float, image_lm: NDArray[np.floating] | None,
               world_lm: NDArray[np.floating] | None, width: int, height: int, *,
               people: int = 1) -> RunnerState:  # fmt: skip
        """Feed one frame (``t`` s, increasing; landmarks as ``Session.update``)."""
        events: list[str] = []
        if not self._started:
            self._started = True
            events += ["step_started", "set_started"]
        t = float(t)
        if t <= self._last_t or self.stage == DONE:
            return self._state(max(t, self._last_t), None, events)
        self._last_t = t
        if self.stage == REST:
            if t < self._rest_until:
                return self._state(t, None, events)
            events += self._begin_set()
        live = self._exercise_frame(t, image_lm, world_lm, width, height, people, events)
        return self._state(t, live, events)

    def _exercise_frame(self, t: float, image_lm: Any, world_lm: Any, width: int, height: int,
                        people: int, events: list[str]) -> Any:  # fmt: skip
        if self._session is None:
            self._session = self._session_for(self.step)
        live = self._session.update(t, image_lm, world_lm, width, height, people=people)
        self._frames_in_set += 1
        if live.phase != "setup" and self._set_live_from != self._set_live_from:
            self._set_live_from = t
        if live.rep_count > self._reps:
            self._reps = live.rep_count
            events.append("rep")
            if live.last_rep is not None and math.isfinite(live.last_rep.rom_deg):
                self._last_rom = float(live.last_rep.rom_deg)
        self._follow_hold(t, live, events)
        if self._set_complete(t):
            events += self._end_set(t)
        return live

    def _follow_hold(self, t: float, live: Any, events: list[str]) -> None:
        """Time the hold for the page and the voice. With a target, the session's own
        clock (``LiveState.hold_s``: seconds of the rep in progress within the target
        band, as the report times it); else the time at end range (the plan's third phase)."""
        if not self.step.hold_s:
            return
        held = self._held_s(t, live)
        if held is None:
            self._hold_from, self._hold_done = math.nan, False
            self._hold_elapsed = None
            return
        if self._hold_elapsed is None:
            events.append("hold_started")
        self._hold_elapsed = held
        if not self._hold_done and held >= self.step.hold_s:
            self._hold_done = True
            events.append("hold_done")

    def _held_s(self, t: float, live: Any) -> float | None:
        """Seconds held so far in this rep (None: not holding)."""
        target = getattr(getattr(self._session, "config", None), "target", None)
        if target is not None and target.active and target.hold_s > 0:
            held = getattr(live, "hold_s", None)
            return None if held is None or not held > 0 else float(held)
        plan = getattr(self._session, "plan", None)
        if plan is None or live.phase != plan.phases[2]:
            return None
        if self._hold_from != self._hold_from:
            self._hold_from = t
        return t - self._hold_from

    def _set_complete(self, t: float) -> bool:
        step = self.step
        if step.reps is not None:
            return self._reps >= step.reps
        assert step.duration_s is not None
        return self._set_live_from == self._set_live_from and (
            t - self._set_live_from >= step.duration_s
        )

    def _end_set(self, t: float) -> list[str]:
        """Close the set; what comes next: the programme's end, a rest, or the next set."""
        self._close_session()
        step, events = self.step, ["set_done"]
        self._last_set = (self._reps, step.reps)
        if self._set >= step.sets and self._step == len(self.programme.steps) - 1:
            self.stage = DONE
            return events + ["done"]
        if self._set >= step.sets:  # the rest after a step's last set leads to the next step
            self._step, self._set = self._step + 1, 1
            self._reports.append([])
        else:
            self._set += 1
        self._frames_in_set, self._set_live_from = 0, math.nan
        self._hold_from, self._hold_done, self._hold_elapsed = math.nan, False, None
        if step.rest_s > 0:
            self.stage, self._rest_until = REST, t + step.rest_s
            return events + ["rest_started"]
        return events + self._begin_set()

    def _begin_set(self) -> list[str]:
        """The set prepared by ``_end_set`` starts (after its rest)."""
        self.stage, self._rest_until, self._reps = EXERCISE, math.nan, 0
        if self._set == 1:
            self._last_rom = None  # a new step: its own ROMs
        return (["step_started"] if self._set == 1 else []) + ["set_started"]

    def _close_session(self) -> None:
        session, self._session = self._session, None
        if session is not None and self._frames_in_set:
            self._reports[self._step].append(session.finish())

    def finish(self) -> ProgrammeResult:
        """The reports so far (a set in progress is closed as it stands)."""
        if self.stage == EXERCISE:
            self._close_session()
        reports = tuple(tuple(sets) for sets in self._reports if sets)
        return ProgrammeResult(self.programme, reports)

    def _state(self, t: float, live: Any, events: list[str]) -> RunnerState:
        steps = self.programme.steps
        index = self._step
        step = steps[index]
        # resting, the state describes the set to come: "next" is its exercise
        upcoming = index if self.stage == REST else index + 1
        nxt = steps[upcoming].title if upcoming < len(steps) else None
        remaining = None
        if step.duration_s is not None and self.stage == EXERCISE:
            started = self._set_live_from
            remaining = step.duration_s if started != started else max(
                0.0, step.duration_s - (t - started))  # fmt: skip
        hold = self._hold_elapsed
        return RunnerState(
            t=t, stage=self.stage, step=index + 1, steps=len(steps), exercise=step.exercise,
            title=step.title, set_number=self._set, sets=step.sets, reps=self._reps,
            reps_per_set=step.reps, set_remaining_s=remaining,
            rest_remaining_s=max(0.0, self._rest_until - t) if self.stage == REST else None,
            target_deg=step.target_deg, last_rom_deg=self._last_rom, hold_s=step.hold_s,
            hold_elapsed_s=hold, next_title=nxt, last_set=self._last_set, notes=step.notes,
            live=live,
            events=tuple(events),
        )  # fmt: skip


def _dose(sets: int, reps: int | None) -> str:
    dose = f"{reps} reps" if reps is not None else "until the time is up"
    return f"{sets} sets of {dose}" if sets > 1 else dose


def _intro(title: str, sets: int, reps: int | None, notes: str) -> str:
    """A step's first words: its exercise, its dose, and the physiotherapist's notes."""
    return " ".join(f"{title}. {_dose(sets, reps)}. {notes}".split())


def _rest(count: int | None, upcoming: str) -> str:
    return f"{count}. Rest. Next: {upcoming}." if count else f"Rest. Next: {upcoming}."


DONE_WORDS: Final = "Programme complete. Well done."
HOLD_WORDS: Final = ("Hold.", "And release.")


def announcements(state: RunnerState) -> list[tuple[str, str, str]]:
    """The words to speak for ``state``: (text, kind, cooldown key) for
    :meth:`formcheck.speech.announcer.Announcer.offer`. Kinds: see ``PRIORITY``.
    The count of the rep that ends a set is said with what comes next ("10. Rest.")."""
    out: list[tuple[str, str, str]] = []
    ev = set(state.events)
    count = state.reps if "rep" in ev else None
    step = f"{state.step}-{state.set_number}"
    if "done" in ev:
        out.append((f"{count}. {DONE_WORDS}" if count else DONE_WORDS, "transition", "done"))
    elif "rest_started" in ev:
        upcoming = state.next_title if state.set_number == 1 else f"set {state.set_number}"
        out.append((_rest(count, str(upcoming)), "transition", f"rest-{step}"))
    else:
        if count:
            out.append((str(count), "count", f"rep-{step}-{count}"))
        if "step_started" in ev:
            intro = _intro(state.title, state.sets, state.reps_per_set, state.notes)
            out.append((intro, "transition", f"step-{state.step}"))
        elif "set_started" in ev:
            out.append((f"Set {state.set_number}.", "transition", f"set-{step}"))
    if "hold_started" in ev:
        out.append((HOLD_WORDS[0], "hold", f"hold-{state.t:.1f}"))
    if "hold_done" in ev:
        out.append((HOLD_WORDS[1], "hold", f"release-{state.t:.1f}"))
    live = state.live
    if live is not None:
        guidance = getattr(live, "guidance", None) or (
            live.setup_messages[0] if live.phase == "setup" and live.setup_messages else None)
        if guidance:
            out.append((guidance, "guidance", guidance))
        if live.cue and live.cue_level in ("warn", "bad"):
            out.append((live.cue, "correction", live.cue))
    return out


def programme_phrases(programme: Programme) -> list[str]:
    """The fixed words a programme will say (intros, set numbers, counts, rests, holds),
    to synthesise ahead so that their real lengths are known when they are said."""
    steps = programme.steps
    words = [DONE_WORDS, *HOLD_WORDS]
    for i, step in enumerate(steps):
        words.append(_intro(step.title, step.sets, step.reps, step.notes))
        words += [f"Set {k}." for k in range(2, step.sets + 1)]
        reps = step.reps or 0
        words += [str(n) for n in range(1, reps)]
        upcoming = [f"set {k}" for k in range(2, step.sets + 1)]
        if i + 1 < len(steps):
            upcoming.append(steps[i + 1].title)
        words += [_rest(reps or None, u) for u in upcoming]
        words += [f"{reps}. {DONE_WORDS}"] if reps and i + 1 == len(steps) else []
    return list(dict.fromkeys(words))
