"""A home programme as data: an ordered tuple of :class:`Step`, each one exercise.

A step prescribes the exercise (a name in
:data:`formcheck.exercise.definitions.EXERCISES`), ``sets`` x ``reps`` or a
``duration_s`` (seconds of the exercise, as many reps as the patient does), an
optional ``target_deg`` (the range of motion to reach, in degrees of the
exercise's own ROM measurement, ``ExerciseSpec.rom``), an optional ``hold_s``
(seconds to hold at the target, or at end range without a target), the
``rest_s`` between sets, and ``notes`` read to the patient.

Both classes check themselves when built (``ValueError`` naming the field and
the allowed values); :mod:`formcheck.programme.programme_file` reads and writes
them as a commented TOML file and reports every problem of a file at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from formcheck.exercise.definitions import EXERCISES

__all__ = ["Step", "Programme", "LIMITS", "step_problems", "programme_problems", "FORMAT"]

FORMAT: Final = 1
"""The file format version written as ``format = 1``."""

LIMITS: Final[dict[str, tuple[float, float]]] = {
    "sets": (1, 20),
    "reps": (1, 100),
    "duration_s": (1.0, 600.0),
    "target_deg": (1.0, 180.0),
    "hold_s": (0.0, 120.0),
    "rest_s": (0.0, 600.0),
}
"""Allowed range of each number of a step (inclusive)."""

_WHOLE: Final = ("sets", "reps")
_FLOATS: Final = ("duration_s", "target_deg", "hold_s", "rest_s")
MAX_TEXT: Final = 500  # characters of a title or of notes


@dataclass(frozen=True)
class Step:
    """One prescribed exercise: ``sets`` x ``reps`` (or ``duration_s`` s), ROM
    ``target_deg`` (deg, optional), ``hold_s`` (s at the target, optional),
    ``rest_s`` (s between sets) and ``notes`` for the patient."""

    exercise: str
    sets: int = 1
    reps: int | None = None
    duration_s: float | None = None
    target_deg: float | None = None
    hold_s: float | None = None
    rest_s: float = 60.0
    notes: str = ""

    def __post_init__(self) -> None:
        problems = step_problems(_fields(self))
        if problems:
            raise ValueError(problems[0])
        for name in _FLOATS:  # one type per field: 60 and 60.0 read and write alike
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, float(value))

    @property
    def title(self) -> str:
        """The exercise's title (e.g. "Standing trunk flexion")."""
        return EXERCISES[self.exercise].title

    @property
    def prescribed_reps(self) -> int | None:
        """Reps over all sets (None for a timed step)."""
        return None if self.reps is None else self.sets * self.reps

    def describe(self) -> str:
        """One line: "2 x 10 Standing trunk flexion to 60 deg, hold 5 s, rest 60 s"."""
        dose = f"{self.sets} x {self.reps}" if self.reps is not None else (
            f"{self.sets} x {self.duration_s:g} s")  # fmt: skip
        parts = [f"{dose} {self.title}"]
        if self.target_deg is not None:
            parts[0] += f" to {self.target_deg:g} deg"
        if self.hold_s:
            parts.append(f"hold {self.hold_s:g} s")
        if self.sets > 1:
            parts.append(f"rest {self.rest_s:g} s")
        return ", ".join(parts)


@dataclass(frozen=True)
class Programme:
    """A titled, ordered, non-empty tuple of steps, with notes for the patient."""

    title: str
    steps: tuple[Step, ...] = field(default_factory=tuple)
    notes: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.steps, tuple):
            object.__setattr__(self, "steps", tuple(self.steps))
        problems = programme_problems({"title": self.title, "notes": self.notes},
                                      len(self.steps))  # fmt: skip
        if problems:
            raise ValueError(problems[0])

    def step(self, number: int) -> Step:
        """Step ``number``, counted from 1; out of range raises ``ValueError``."""
        if not 1 <= number <= len(self.steps):
            raise ValueError(f"step must be 1 to {len(self.steps)}, got {number}")
        return self.steps[number - 1]


def _fields(step: Step) -> dict[str, Any]:
    return {name: getattr(step, name) for name in Step.__dataclass_fields__}


def _number(name: str, value: Any, where: str) -> str | None:
    """A problem with number ``name`` (None when fine, or when absent)."""
    if value is None:
        return None
    low, high = LIMITS[name]
    whole = name in _WHOLE
    kind = "a whole number" if whole else "a number"
    bad_type = isinstance(value, bool) or not isinstance(value, int | float)
    if bad_type or (whole and not isinstance(value, int)) or not math.isfinite(value):
        return f"{where}{name} must be {kind} from {low:g} to {high:g}, got {value!r}"
    if not low <= value <= high:
        return f"{where}{name} must be {kind} from {low:g} to {high:g}, got {value:g}"
    return None


def _text(name: str, value: Any, where: str, required: bool = False) -> str | None:
    if not isinstance(value, str):
        return f"{where}{name} must be text in quotes, got {value!r}"
    if required and not value.strip():
        return f"{where}{name} must not be empty"
    if len(value) > MAX_TEXT:
        return f"{where}{name} must be at most {MAX_TEXT} characters, got {len(value)}"
    return None


def step_problems(raw: Mapping[str, Any], where: str = "") -> list[str]:
    """Every problem of a step's fields ``raw`` (name -> value; None = not given), each
    one line naming the field and its allowed values; ``where`` prefixes them
    (e.g. ``"step 2: "``). Empty when the step is valid."""
    problems: list[str] = []
    exercise = raw.get("exercise")
    if exercise is None:
        problems.append(f"{where}exercise is missing; allowed: {', '.join(EXERCISES)}")
    elif not isinstance(exercise, str) or exercise not in EXERCISES:
        problems.append(f"{where}exercise {exercise!r} is not known; allowed: "
                        f"{', '.join(EXERCISES)}")  # fmt: skip
    for name in LIMITS:
        problem = _number(name, raw.get(name), where)
        if problem:
            problems.append(problem)
    reps, duration = raw.get("reps"), raw.get("duration_s")
    if reps is None and duration is None:
        problems.append(f"{where}give reps (per set) or duration_s (seconds per set)")
    elif reps is not None and duration is not None:
        problems.append(f"{where}give reps or duration_s, not both")
    spec = EXERCISES.get(exercise) if isinstance(exercise, str) else None
    if spec is not None and spec.rom_views == () and raw.get("target_deg") is not None:
        problems.append(f"{where}target_deg: {exercise} is counted only (its range of motion "
                        "is not measured from video), so it takes no target")  # fmt: skip
    notes = _text("notes", raw.get("notes", ""), where)
    if notes:
        problems.append(notes)
    return problems


def programme_problems(raw: Mapping[str, Any], steps: int) -> list[str]:
    """Problems of a programme's own fields (``title``, ``notes``) and its step count."""
    problems = [p for p in (_text("title", raw.get("title"), "", required=True),
                            _text("notes", raw.get("notes", ""), "")) if p]  # fmt: skip
    if steps == 0:
        problems.append("no steps: add at least one step ([[step]] in a file)")
    return problems
